import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Clock } from '../../lib/clock.ts';
import { isHardBounce, isThrottle, type Messenger, type SendOutcome } from './messenger.ts';
import { type compileMime, newMessageId } from './mime.ts';
import { createPacer, domainOf, type PacerLimits } from './pacer.ts';
import type { ActiveRun, AttemptResult, ClaimedDelivery, SendingRepository } from './sending.repository.ts';

export interface SenderOptions {
  batchSize: number;
  concurrency: number;
  maxAttempts: number;
  retryBaseSeconds: number;
  leaseSeconds: number;
  rates: PacerLimits;
  /** How long an idle worker waits before looking for work again (it is also woken at once by `wake()`). */
  idleMs?: number;
}

export interface SenderEvents {
  batch: [{ runId: number; results: AttemptResult[] }];
  finished: [{ runId: number }];
  failed: [Error];
}

type CompiledMime = ReturnType<typeof compileMime>;

/**
 * The sending engine: claims batches of deliveries with a lease, sends each as its own e-mail,
 * and writes attempts and delivery states back in one batch. Its state lives in the database, so
 * any number of workers can share runs and a restarted one carries on. Stops in two phases: stop
 * claiming, then let the batch in flight finish.
 *
 * Each run's message is compiled once (Markdown, sanitising, MIME skeleton); an e-mail only fills
 * in its recipient. Writing a batch's results overlaps with sending the next one.
 */
export function createSender(deps: {
  repository: SendingRepository;
  messenger: Messenger;
  /** Compiles a run's message into its MIME skeleton (From, DKIM and the rest come from the configuration). */
  compile: (message: ActiveRun) => CompiledMime;
  /** The domain of Message-IDs (MAIL_FROM's). */
  messageIdDomain: string;
  clock: Clock;
  logger: Logger;
  unsubscribeUrl: (ownerId: number, email: string) => string;
  suppress: (ownerId: number, email: string) => Promise<void>;
  /** Told after a batch of an owner's results is written or their run finishes (cached figures move on). */
  changed?: (ownerId: number) => Promise<void>;
  options: SenderOptions;
}) {
  const { repository, options, messenger } = deps;
  const worker = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const events = new EventEmitter<SenderEvents>();
  const cursors = new Map<number, number>();
  const compiled = new Map<number, { source: ActiveRun; mime: CompiledMime }>();
  const pacer = createPacer(options.rates);
  let running = false;
  let loop: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;
  /** The previous batch's write, awaited before the next one (and before a run may finish). */
  let pendingWrite: Promise<void> = Promise.resolve();

  const backoffMs = (attempt: number) => {
    const base = options.retryBaseSeconds * 1000 * 2 ** (attempt - 1);
    return Math.round(base * (0.75 + Math.random() * 0.5));
  };

  /** The run's compiled message, compiled again only when the message was edited during the run. */
  function mimeFor(run: ActiveRun): CompiledMime {
    const known = compiled.get(run.runId);
    if (known && known.source.subject === run.subject && known.source.body === run.body && known.source.format === run.format) {
      return known.mime;
    }
    const mime = deps.compile(run);
    compiled.set(run.runId, { source: run, mime });
    return mime;
  }

  async function attempt(run: ActiveRun, mime: CompiledMime, delivery: ClaimedDelivery): Promise<AttemptResult> {
    const unsubscribeUrl = deps.unsubscribeUrl(run.ownerId, delivery.email);
    let built: ReturnType<CompiledMime['build']>;
    try {
      built = mime.build({
        email: delivery.email,
        name: delivery.fullName,
        unsubscribeUrl,
        messageId: newMessageId(deps.messageIdDomain),
        date: deps.clock.now(),
      });
    } catch (error) {
      // An e-mail that cannot be written (an address no server would take) fails alone, not the batch.
      const reason = error instanceof Error ? error.message : String(error);
      const refusal = { success: false, permanent: true, code: null, response: `Not sent: ${reason}`.slice(0, 1000) };
      return result(run, delivery, { ...refusal, server: messenger.server }, 0);
    }
    const domain = domainOf(delivery.email);
    const slot = pacer.acquire(domain, messenger.server);
    if (slot) await slot;
    const started = performance.now();
    // `rendered` stays lazy: only the dev mailbox reads it, and rendering costs as much as building.
    const outcome = await messenger.send({
      from: mime.envelopeFrom,
      to: delivery.email,
      raw: built.raw,
      // `build` writes CRLF line ends only, so the SMTP client skips its bare-LF walk.
      crlfLines: true,
      get rendered() {
        return built.rendered;
      },
      unsubscribeUrl,
    });
    if (isThrottle(outcome)) pacer.slowDown(domain, messenger.server, outcome.code === 421);
    return result(run, delivery, outcome, Math.round(performance.now() - started));
  }

  /** The attempt's record and the delivery's next state: sent, unknown, queued for a retry, or failed. */
  async function result(
    run: ActiveRun,
    delivery: ClaimedDelivery,
    outcome: SendOutcome,
    durationMs: number,
  ): Promise<AttemptResult> {
    let state: AttemptResult['state'] = 'sent';
    let nextAttemptAt: Date | null = null;
    if (outcome.uncertain) {
      state = 'unknown';
    } else if (!outcome.success) {
      const retry = !outcome.permanent && delivery.attemptCount < options.maxAttempts;
      state = retry ? 'queued' : 'failed';
      if (retry) nextAttemptAt = new Date(deps.clock.now().getTime() + backoffMs(delivery.attemptCount));
      if (isHardBounce(outcome)) await deps.suppress(run.ownerId, delivery.email);
    }
    return {
      deliveryId: delivery.id,
      runId: run.runId,
      attemptedAt: deps.clock.now(),
      success: outcome.success,
      code: outcome.code,
      response: outcome.response,
      durationMs,
      server: outcome.server,
      state,
      nextAttemptAt,
    };
  }

  /** Sends a batch with bounded concurrency. */
  async function sendBatch(run: ActiveRun, batch: ClaimedDelivery[]): Promise<AttemptResult[]> {
    let mime: CompiledMime;
    try {
      mime = mimeFor(run);
    } catch (error) {
      // A message that cannot be rendered fails its deliveries with the reason instead of stalling the run.
      const reason = error instanceof Error ? error.message : String(error);
      const refusal = { success: false, permanent: true, code: null, server: messenger.server };
      return Promise.all(batch.map((d) => result(run, d, { ...refusal, response: `Not sent: ${reason}`.slice(0, 1000) }, 0)));
    }
    const results: AttemptResult[] = [];
    let next = 0;
    const lanes = Array.from({ length: Math.min(options.concurrency, batch.length) }, async () => {
      while (next < batch.length) {
        const delivery = batch[next++] as ClaimedDelivery;
        results.push(await attempt(run, mime, delivery));
      }
    });
    await Promise.all(lanes);
    return results;
  }

  /** Deliveries claimed and not yet written back: their leases are renewed while this process lives. */
  const inFlight = new Set<number>();
  let heartbeat: NodeJS.Timeout | undefined;

  async function renewLeases(): Promise<void> {
    if (inFlight.size === 0) return;
    await repository.renewLeases([...inFlight], worker, options.leaseSeconds).catch((error: unknown) => {
      deps.logger.warn({ err: error }, 'renewing leases failed; they expire unless the next renewal works');
    });
  }

  /** Writes a batch's attempts and states, retrying a failed write a few times before giving up on it. */
  async function write(run: ActiveRun, results: AttemptResult[]): Promise<void> {
    for (let tries = 1; ; tries++) {
      try {
        await repository.recordResults(results, worker);
        break;
      } catch (error) {
        if (tries >= 3) {
          // Its leases are no longer renewed: they expire and the deliveries become unknown.
          for (const r of results) inFlight.delete(r.deliveryId);
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * tries));
      }
    }
    for (const r of results) inFlight.delete(r.deliveryId);
    await deps.changed?.(run.ownerId);
    events.emit('batch', { runId: run.runId, results });
  }

  /** Starts writing a batch after the previous write; sending the next batch goes on meanwhile. */
  function queueWrite(run: ActiveRun, results: AttemptResult[]): Promise<void> {
    pendingWrite = pendingWrite.then(() => write(run, results));
    return pendingWrite;
  }

  /** One pass over the sendable runs; true when it sent anything. At most one batch write stays in flight. */
  async function pass(): Promise<boolean> {
    const [, sendable] = await Promise.all([repository.expireLeases(), repository.listSendableRuns()]);
    let worked = false;
    for (const run of sendable) {
      if (!running) break;
      const cursor = cursors.get(run.runId) ?? 0;
      const batch = await repository.claimBatch(run.runId, cursor, options.batchSize, worker, options.leaseSeconds);
      if (batch.length === 0) {
        cursors.delete(run.runId);
        // From the start again next time (retries come due behind the cursor); finished when nothing is open.
        if (cursor === 0) {
          await pendingWrite;
          if (await repository.finishRunIfDone(run.runId)) {
            compiled.delete(run.runId);
            await deps.changed?.(run.ownerId);
            events.emit('finished', { runId: run.runId });
          }
        } else worked = true;
        continue;
      }
      cursors.set(run.runId, batch[batch.length - 1]?.id ?? cursor);
      const claimed = batch.filter((delivery) => delivery.state === 'sending');
      for (const delivery of claimed) inFlight.add(delivery.id);
      const results = await sendBatch(run, claimed);
      await pendingWrite;
      void queueWrite(run, results).catch(() => {});
      worked = true;
    }
    return worked;
  }

  /** A pass whose writes are all done when it returns. */
  async function tick(): Promise<boolean> {
    const worked = await pass();
    await pendingWrite;
    return worked;
  }

  async function runLoop(): Promise<void> {
    while (running) {
      let worked = false;
      try {
        worked = await pass();
        if (!worked) await pendingWrite;
      } catch (error) {
        pendingWrite = Promise.resolve();
        deps.logger.error({ err: error }, 'sender pass failed; trying again');
        events.emit('failed', error as Error);
      }
      if (!worked && running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, options.idleMs ?? 1000);
          wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wakeUp = undefined;
      }
    }
    await pendingWrite.catch((error: unknown) => deps.logger.error({ err: error }, 'writing the last batch failed'));
  }

  return {
    worker,
    events,
    tick,
    start(): void {
      if (running) return;
      running = true;
      heartbeat = setInterval(() => void renewLeases(), (options.leaseSeconds * 1000) / 3);
      heartbeat.unref();
      loop = runLoop();
    },
    /** Looks for work now (after a run was created) instead of at the next idle timeout. */
    wake(): void {
      wakeUp?.();
    },
    isRunning: () => running,
    /**
     * Phase one: claim nothing more; phase two: wait (at most `drainMs`) for the batch in flight to
     * be written. Its leases expire if it never is, and its deliveries then show as unknown.
     */
    async pause(drainMs = 30_000): Promise<void> {
      running = false;
      wakeUp?.();
      let timer: NodeJS.Timeout | undefined;
      const drained = await Promise.race([
        loop?.then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(resolve, drainMs, false);
        }),
      ]);
      clearTimeout(timer);
      clearInterval(heartbeat);
      if (drained === false) deps.logger.warn('the sender did not drain in time; its leases will expire');
    },
    /** Stops sending for good and closes the connections to the mail server. */
    async stop(drainMs?: number): Promise<void> {
      await this.pause(drainMs);
      await deps.messenger.close();
    },
  };
}

export type Sender = ReturnType<typeof createSender>;
