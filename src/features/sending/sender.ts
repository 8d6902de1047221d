import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Clock } from '../../lib/clock.ts';
import { renderMessage } from '../messages/messages.render.ts';
import { isHardBounce, type Messenger } from './messenger.ts';
import type { ActiveRun, AttemptResult, ClaimedDelivery, SendingRepository } from './sending.repository.ts';

export interface SenderOptions {
  batchSize: number;
  concurrency: number;
  maxAttempts: number;
  retryBaseSeconds: number;
  leaseSeconds: number;
  ratePerSecond: number;
  /** How long an idle worker waits before looking for work again (it is also woken at once by `wake()`). */
  idleMs?: number;
}

export interface SenderEvents {
  batch: [{ runId: number; results: AttemptResult[] }];
  finished: [{ runId: number }];
  failed: [Error];
}

/**
 * The sending engine: claims batches of deliveries with a lease, sends each as its own e-mail,
 * and writes attempts and delivery states back in one batch. Its state lives in the database, so
 * any number of workers can share runs and a restarted one carries on. Stops in two phases: stop
 * claiming, then let the batch in flight finish.
 */
export function createSender(deps: {
  repository: SendingRepository;
  messenger: Messenger;
  clock: Clock;
  logger: Logger;
  unsubscribeUrl: (ownerId: number, email: string) => string;
  suppress: (ownerId: number, email: string) => Promise<void>;
  options: SenderOptions;
}) {
  const { repository, options } = deps;
  const worker = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const events = new EventEmitter<SenderEvents>();
  const cursors = new Map<number, number>();
  let running = false;
  let loop: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;
  let nextSlot = 0;

  /** Spaces sends to at most ratePerSecond in this process. */
  async function pace(): Promise<void> {
    const now = Date.now();
    const slot = Math.max(now, nextSlot);
    nextSlot = slot + 1000 / options.ratePerSecond;
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
  }

  const backoffMs = (attempt: number) => {
    const base = options.retryBaseSeconds * 1000 * 2 ** (attempt - 1);
    return Math.round(base * (0.75 + Math.random() * 0.5));
  };

  async function attempt(run: ActiveRun, delivery: ClaimedDelivery): Promise<AttemptResult> {
    const unsubscribeUrl = deps.unsubscribeUrl(run.ownerId, delivery.email);
    const rendered = renderMessage(run, { name: delivery.fullName, email: delivery.email, unsubscribeUrl });
    await pace();
    const started = performance.now();
    const outcome = await deps.messenger.send({ to: delivery.email, ...rendered, unsubscribeUrl });
    const durationMs = Math.round(performance.now() - started);
    let state: AttemptResult['state'] = 'sent';
    let nextAttemptAt: Date | null = null;
    if (!outcome.success) {
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
    const results: AttemptResult[] = [];
    let next = 0;
    const lanes = Array.from({ length: Math.min(options.concurrency, batch.length) }, async () => {
      while (next < batch.length) {
        const delivery = batch[next++] as ClaimedDelivery;
        results.push(await attempt(run, delivery));
      }
    });
    await Promise.all(lanes);
    return results;
  }

  /** One pass over the sendable runs; true when it sent anything. */
  async function tick(): Promise<boolean> {
    await repository.expireLeases();
    let worked = false;
    for (const run of await repository.listSendableRuns()) {
      if (!running) break;
      const cursor = cursors.get(run.runId) ?? 0;
      const batch = await repository.claimBatch(run.runId, cursor, options.batchSize, worker, options.leaseSeconds);
      if (batch.length === 0) {
        cursors.delete(run.runId);
        // From the start again next time (retries come due behind the cursor); finished when nothing is open.
        if (cursor === 0 && (await repository.finishRunIfDone(run.runId))) events.emit('finished', { runId: run.runId });
        else if (cursor > 0) worked = true;
        continue;
      }
      cursors.set(run.runId, batch[batch.length - 1]?.id ?? cursor);
      const results = await sendBatch(
        run,
        batch.filter((delivery) => delivery.state === 'sending'),
      );
      await repository.recordResults(results, worker);
      events.emit('batch', { runId: run.runId, results });
      worked = true;
    }
    return worked;
  }

  async function runLoop(): Promise<void> {
    while (running) {
      let worked = false;
      try {
        worked = await tick();
      } catch (error) {
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
  }

  return {
    worker,
    events,
    tick,
    start(): void {
      if (running) return;
      running = true;
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
      if (drained === false) deps.logger.warn('the sender did not drain in time; its leases will expire');
    },
    /** Stops sending for good and closes the connections to the mail server. */
    async stop(drainMs?: number): Promise<void> {
      await this.pause(drainMs);
      deps.messenger.close();
    },
  };
}

export type Sender = ReturnType<typeof createSender>;
