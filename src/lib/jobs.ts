import { fromPglite, PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { DatabaseHandle } from '../db/client.ts';

/**
 * Durable background jobs (transactional mail, periodic ticks) through pg-boss, in the same
 * database as everything else, so a queued job survives a restart.
 */
export interface JobQueue {
  start(): Promise<void>;
  send(queue: string, data: object, options?: { retryLimit?: number }): Promise<void>;
  work<T extends object>(queue: string, handler: (data: T) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export function createJobQueue(handle: DatabaseHandle, logger: Logger): JobQueue {
  const boss =
    handle.kind === 'pglite'
      ? new PgBoss({ db: fromPglite(handle.pglite), backend: 'pglite', schema: 'pgboss' })
      : new PgBoss({ connectionString: handle.connectionString, schema: 'pgboss', max: 4 });
  boss.on('error', (error: Error) => logger.error({ err: error }, 'job queue error'));
  const created = new Set<string>();
  let started: Promise<unknown> | undefined;

  async function ensureQueue(queue: string) {
    if (created.has(queue)) return;
    await boss.createQueue(queue, { retryLimit: 8, retryDelay: 5, retryBackoff: true, retryDelayMax: 600 });
    created.add(queue);
  }

  return {
    async start() {
      started ??= boss.start();
      await started;
    },
    async send(queue, data, options) {
      started ??= boss.start();
      await started;
      await ensureQueue(queue);
      await boss.send(queue, data, options?.retryLimit === undefined ? {} : { retryLimit: options.retryLimit });
    },
    async work(queue, handler) {
      started ??= boss.start();
      await started;
      await ensureQueue(queue);
      await boss.work(queue, { pollingIntervalSeconds: 1 }, async (jobs) => {
        for (const job of jobs) await handler(job.data as never);
      });
    },
    async stop() {
      if (!started) return;
      await boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}
