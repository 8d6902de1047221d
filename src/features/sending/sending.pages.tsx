import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../../errors.ts';
import { pageContext, redirectWithFlash, sendPage } from '../../http/context.ts';
import { actorOf, type Handler, idParam } from '../../http/handlers.ts';
import { msg } from '../../i18n/i18n.ts';
import { type Actor, can } from '../../permissions.ts';
import { type DeliveryCounts, measureProgress, type ProgressSample, type RunProgress } from './progress.ts';
import type { SenderEvents } from './sender.ts';
import type { RunRow } from './sending.repository.ts';
import type { SendingService } from './sending.service.ts';
import { AttemptsPage, RunPage, UnsubscribePage } from './sending.views.tsx';

const runParams = (request: FastifyRequest) => request.params as { id?: string; runId?: string; token?: string };

/** The filters of the attempts page as typed, keeping only values that parse. */
function attemptFilters(query: unknown): Record<string, string | undefined> {
  const q = (query ?? {}) as Record<string, unknown>;
  const text = (key: string, pattern: RegExp) =>
    typeof q[key] === 'string' && pattern.test(q[key] as string) ? (q[key] as string) : undefined;
  return {
    mailingId: text('mailingId', /^\d{1,10}$/),
    runId: text('runId', /^\d{1,10}$/),
    status: text('status', /^(success|failure)$/),
    from: text('from', /^\d{4}-\d{2}-\d{2}$/),
    to: text('to', /^\d{4}-\d{2}-\d{2}$/),
  };
}

/** Send now, runs, attempts and the unsubscribe page. */
export function createSendingPages(deps: { sending: SendingService; devMailbox: boolean }) {
  const { sending } = deps;
  const ctx = (request: FastifyRequest, reply: FastifyReply) => pageContext(request, reply, deps.devMailbox);
  return {
    sendNow: async (request, reply) => {
      const { mailingId, runId } = await sending.sendNow(actorOf(request), idParam(request), 'manual');
      return redirectWithFlash(reply, `/mailings/${mailingId}/runs/${runId}`, 'success', msg('Sending has started.'));
    },

    run: async (request, reply) => {
      const params = runParams(request);
      const { mailing, run, progress, deliveries, query } = await sending.getRun(
        actorOf(request),
        params.id,
        params.runId,
        request.query,
      );
      return sendPage(reply, RunPage({ ctx: ctx(request, reply), mailing, run, progress, deliveries, state: query.state }));
    },

    attempts: async (request, reply) => {
      const actor = actorOf(request);
      const filters = attemptFilters(request.query);
      const { page } = await sending.listAttempts(actor, { ...filters, page: (request.query as { page?: string }).page });
      return sendPage(
        reply,
        AttemptsPage({ ctx: ctx(request, reply), page, query: filters, showOwner: can(actor, 'mailings:read_all') }),
      );
    },

    unsubscribeForm: async (request, reply) => {
      const token = runParams(request).token ?? '';
      const { email } = sending.checkUnsubscribe(token);
      return sendPage(reply, UnsubscribePage({ ctx: ctx(request, reply), email, done: false, action: `/unsubscribe/${token}` }));
    },

    /** RFC 8058 one-click: mail clients POST here without cookies or a CSRF token; the token is the proof. */
    unsubscribe: async (request, reply) => {
      const token = runParams(request).token ?? '';
      const { email } = await sending.unsubscribe(token);
      return sendPage(reply, UnsubscribePage({ ctx: ctx(request, reply), email, done: true, action: '' }));
    },
  } satisfies Record<string, Handler>;
}

/** JSON API: send now, runs with progress, attempts. */
export function createSendingApi(deps: { sending: SendingService }) {
  const { sending } = deps;
  return {
    sendNow: async (request, reply) => reply.code(201).send(await sending.sendNow(actorOf(request), idParam(request), 'api')),
    runs: async (request) => {
      const { runs } = await sending.listRuns(actorOf(request), idParam(request));
      return { items: runs };
    },
    run: async (request) => {
      const params = runParams(request);
      const { run, progress, deliveries } = await sending.getRun(actorOf(request), params.id, params.runId, request.query);
      return { ...run, progress, deliveries };
    },
    attempts: async (request) => (await sending.listAttempts(actorOf(request), request.query)).page,
  } satisfies Record<string, Handler>;
}

/** What the event stream sends each time a run's figures change. */
export interface RunSnapshot extends RunProgress {
  runId: number;
  state: RunRow['state'];
  total: number;
  finished: boolean;
}

type Look = { run: RunRow; progress: DeliveryCounts };
export type StreamEnd = 'finished' | 'disconnected' | 'closing' | 'gone';

const POLL_MS = 1000;
/** The closest two looks get when the sender in this process reports batches faster than that. */
const MIN_GAP_MS = 250;
const RATE_WINDOW_MS = 10_000;
/** A comment line this often keeps proxies from closing a stream while the figures stand still. */
const HEARTBEAT_MS = 15_000;
/**
 * Streams one session may hold open. Each one looks at the database every second, and a browser
 * has only six connections per host over HTTP/1.1: a few run pages open at once is plenty.
 */
export const MAX_STREAMS_PER_SESSION = 4;
/** The looks only need the counts, not a page of deliveries. */
const ONE_DELIVERY = { pageSize: 1 };

const countsOf = (p: DeliveryCounts): DeliveryCounts => ({
  queued: p.queued,
  sending: p.sending,
  sent: p.sent,
  failed: p.failed,
  suppressed: p.suppressed,
  unknown: p.unknown,
});

/**
 * Follows one run for one client: looks at the database every second (another worker process may
 * be the one sending), or sooner when `wake` says this process sent a batch of it, and writes an
 * event whenever the figures change. Ends when the run finishes, the client goes, or `end` is called.
 */
function followRun(input: {
  first: Look;
  look: () => Promise<Look>;
  out: PassThrough;
  log: FastifyBaseLogger;
  onEnd: (reason: StreamEnd) => void;
}) {
  const { out } = input;
  const samples: ProgressSample[] = [{ at: input.first.run.createdAt.getTime(), done: 0 }];
  let timer: NodeJS.Timeout | undefined;
  let looking: Promise<void> | undefined;
  let again = false;
  let lastLookAt = 0;
  let lastData = '';
  let lastWriteAt = 0;
  let ended = false;

  const write = (text: string) => {
    if (out.writableEnded || out.destroyed) return;
    out.write(text);
    lastWriteAt = Date.now();
  };

  /** Writes the figures if they changed (a heartbeat now and then if not); true once the run is over. */
  function publish({ run, progress }: Look): boolean {
    const now = { at: Date.now(), done: progress.sent + progress.failed };
    samples.push(now);
    // Keep one sample at or before the window's start, so the window is always covered.
    while (samples.length > 2 && (samples[1] as ProgressSample).at <= now.at - RATE_WINDOW_MS) samples.shift();
    const measured = measureProgress(countsOf(progress), run.state === 'sending', samples[0] as ProgressSample, now);
    const snapshot: RunSnapshot = {
      runId: run.id,
      state: run.state,
      total: run.total,
      finished: run.state !== 'sending',
      ...measured,
      rate: Math.round(measured.rate * 10) / 10,
    };
    const data = JSON.stringify(snapshot);
    if (data !== lastData) write(`data: ${data}\n\n`);
    else if (now.at - lastWriteAt >= HEARTBEAT_MS) write(': still sending\n\n');
    lastData = data;
    return snapshot.finished;
  }

  function schedule(delayMs: number) {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      looking = look().finally(() => {
        looking = undefined;
      });
    }, delayMs);
  }

  async function look() {
    lastLookAt = Date.now();
    try {
      const seen = await input.look();
      if (ended) return;
      if (publish(seen)) return void end('finished');
      schedule(again ? MIN_GAP_MS : POLL_MS);
      again = false;
    } catch (error) {
      if (ended) return;
      // NOT_FOUND: the mailing or the run went, or the actor lost access; the client's reconnect will say so.
      if (!isAppError(error)) input.log.warn({ err: error }, 'live progress of a run stopped');
      end('gone');
    }
  }

  /** Ends the stream and stops its timer; resolves once a look in progress is over. */
  function end(reason: StreamEnd): Promise<void> {
    if (!ended) {
      ended = true;
      clearTimeout(timer);
      timer = undefined;
      if (!out.writableEnded && !out.destroyed) out.end();
      input.onEnd(reason);
    }
    return looking ?? Promise.resolve();
  }

  return {
    runId: input.first.run.id,
    /** Writes the first event (the run page's own figures) and starts looking. */
    start() {
      write('retry: 5000\n\n');
      if (publish(input.first)) void end('finished');
      else schedule(POLL_MS);
    },
    /** A look soon (not sooner than MIN_GAP_MS after the last one): the sender here moved this run. */
    wake() {
      if (ended) return;
      if (looking) again = true;
      else schedule(Math.max(0, lastLookAt + MIN_GAP_MS - Date.now()));
    },
    end,
  };
}

type RunFollower = ReturnType<typeof followRun>;

/**
 * Live progress of runs as server-sent events (`text/event-stream`), for the run page's script.
 * Access is the run page's own (`getRun`), checked again at every look. `close` ends every stream,
 * for the server's shutdown: an open stream would otherwise keep it waiting.
 */
export function createRunEvents(deps: { sending: SendingService; senderEvents?: EventEmitter<SenderEvents> }) {
  const { sending } = deps;
  const open = new Set<RunFollower>();
  const perSession = new Map<string, number>();
  const events = new EventEmitter<{ ended: [{ runId: number; reason: StreamEnd }] }>();
  const nudge = ({ runId }: { runId: number }) => {
    for (const follower of open) if (follower.runId === runId) follower.wake();
  };
  deps.senderEvents?.on('batch', nudge);
  deps.senderEvents?.on('finished', nudge);

  /** Counts a stream against its session (or its user, for API tokens); refused past the bound. */
  function admit(request: FastifyRequest, actor: Actor): () => void {
    const key = request.sessionToken ? `session:${request.sessionToken}` : `user:${actor.userId}`;
    const count = perSession.get(key) ?? 0;
    if (count >= MAX_STREAMS_PER_SESSION)
      throw new AppError('RATE_LIMITED', 'Too many live progress pages are open; close some and reload this one.');
    perSession.set(key, count + 1);
    return () => {
      const left = (perSession.get(key) ?? 1) - 1;
      if (left > 0) perSession.set(key, left);
      else perSession.delete(key);
    };
  }

  return {
    events,
    /** How many streams are open (each with its timer). */
    openStreams: () => open.size,

    stream: (async (request, reply) => {
      const actor = actorOf(request);
      const params = runParams(request);
      const first = await sending.getRun(actor, params.id, params.runId, ONE_DELIVERY);
      const release = admit(request, actor);
      const { mailing, run } = first;
      const out = new PassThrough();
      const follower = followRun({
        first,
        look: () => sending.getRun(actor, mailing.id, run.id, ONE_DELIVERY),
        out,
        log: request.log,
        onEnd: (reason) => {
          open.delete(follower);
          release();
          events.emit('ended', { runId: run.id, reason });
        },
      });
      open.add(follower);
      reply.raw.on('close', () => void follower.end('disconnected'));
      // The client may have gone while the first look was made: then there is nothing to follow.
      if (reply.raw.closed) void follower.end('disconnected');
      else follower.start();
      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('x-accel-buffering', 'no')
        .send(out);
    }) satisfies Handler,

    async close(): Promise<void> {
      deps.senderEvents?.off('batch', nudge);
      deps.senderEvents?.off('finished', nudge);
      await Promise.all([...open].map((follower) => follower.end('closing')));
    },
  };
}
