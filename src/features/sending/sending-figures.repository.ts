import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../db/client.ts';

/** Upper bounds (seconds) of the run-duration histogram's buckets. */
export const RUN_DURATION_BUCKETS = [1, 10, 60, 300, 900, 3600, 4 * 3600, 24 * 3600] as const;

/** The whole instance's sending figures, the same whichever process reads them. */
export interface SendingFigures {
  /** Deliveries sent / failed by every run: finished runs' final counts plus active runs' so far. */
  sent: number;
  failed: number;
  /** Deliveries waiting to be sent (including those waiting for a retry). */
  queued: number;
  /** Finished runs by duration: cumulative counts per bucket of RUN_DURATION_BUCKETS, then sum and count. */
  runDurations: { buckets: number[]; sum: number; count: number };
}

/**
 * The figures /metrics reports, read at scrape time. Each part is bounded by what is in flight, not
 * by history: finished runs keep their counts on the run row; active runs are counted through the
 * attempts' run index; queued deliveries through the claim index (partial on `queued`).
 */
export function createSendingFiguresRepository(db: Db) {
  return {
    async read(): Promise<SendingFigures> {
      const buckets = sql.join(
        RUN_DURATION_BUCKETS.map((le) => sql`count(*) FILTER (WHERE seconds <= ${le})::float8`),
        sql`, `,
      );
      const [row] = await queryRows<{
        finished_sent: number;
        finished_failed: number;
        active_sent: number;
        active_failed: number;
        queued: number;
        durations: number[];
        duration_sum: number;
        duration_count: number;
      }>(
        db,
        sql`WITH active AS (SELECT id FROM runs WHERE state = 'sending'),
                 active_done AS (
                   SELECT DISTINCT d.id, d.state FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
                   WHERE a.run_id IN (SELECT id FROM active) AND d.run_id = a.run_id AND d.state IN ('sent', 'failed')),
                 finished AS (
                   SELECT sent, failed, extract(epoch FROM finished_at - created_at)::float8 AS seconds
                   FROM runs WHERE state = 'finished' AND finished_at IS NOT NULL)
            SELECT (SELECT coalesce(sum(sent), 0)::float8 FROM finished) AS finished_sent,
                   (SELECT coalesce(sum(failed), 0)::float8 FROM finished) AS finished_failed,
                   (SELECT count(*) FILTER (WHERE state = 'sent')::float8 FROM active_done) AS active_sent,
                   (SELECT count(*) FILTER (WHERE state = 'failed')::float8 FROM active_done) AS active_failed,
                   (SELECT count(*)::float8 FROM deliveries WHERE state = 'queued') AS queued,
                   (SELECT ARRAY[${buckets}] FROM finished) AS durations,
                   (SELECT coalesce(sum(seconds), 0)::float8 FROM finished) AS duration_sum,
                   (SELECT count(*)::float8 FROM finished) AS duration_count`,
      );
      if (!row) throw new Error('the figures query returned no row');
      return {
        sent: Number(row.finished_sent) + Number(row.active_sent),
        failed: Number(row.finished_failed) + Number(row.active_failed),
        queued: Number(row.queued),
        runDurations: {
          buckets: row.durations.map(Number),
          sum: Number(row.duration_sum),
          count: Number(row.duration_count),
        },
      };
    },
  };
}

export type SendingFiguresRepository = ReturnType<typeof createSendingFiguresRepository>;
