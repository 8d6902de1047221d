import { type SQL, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../db/client.ts';
import type { OwnerScope, Page } from '../../lib/scope.ts';
import type { UserFigureSort } from './stats.schemas.ts';

/**
 * The three figures: successful attempts (attempts with success), failed attempts (without),
 * messages sent (deliveries in state `sent`: a recipient e-mailed once per run counts once,
 * however many attempts it took).
 */
export interface Figures {
  successful: number;
  failed: number;
  sent: number;
}

export interface DayFigures {
  /** YYYY-MM-DD in the time zone the series was asked in. */
  day: string;
  successful: number;
  failed: number;
}

export interface MailingFigures extends Figures {
  mailingId: number;
  name: string;
  ownerEmail: string;
}

export interface UserFigures extends Figures {
  userId: number;
  email: string;
  fullName: string;
  role: string;
  blocked: boolean;
}

/** One attempt as the CSV export writes it. */
export interface AttemptExportRow {
  id: number;
  attemptedAt: Date;
  mailingId: number;
  mailingName: string;
  runId: number;
  email: string;
  /** The recipient's name as it was when the run started. */
  fullName: string;
  success: boolean;
  code: number | null;
  response: string;
  durationMs: number;
  server: string;
  ownerEmail: string;
}

export interface AttemptExportFilter {
  mailingId?: number | undefined;
  runId?: number | undefined;
  success?: boolean | undefined;
  from?: Date | undefined;
  /** Exclusive. */
  to?: Date | undefined;
}

const ownerIs = (scope: OwnerScope): SQL => (scope.kind === 'own' ? sql`m.owner_id = ${scope.ownerId}` : sql`true`);
const num = (value: unknown) => Number(value ?? 0);

/** Fixed SQL for each sortable column: the user's choice picks one, and is never written into the query. */
const userSortColumns: Record<UserFigureSort, SQL> = {
  email: sql`u.email`,
  name: sql`u.full_name`,
  role: sql`u.role`,
  successful: sql`successful`,
  failed: sql`failed`,
  sent: sql`sent`,
};

export function createStatsRepository(db: Db) {
  return {
    /**
     * Successful and failed attempts per day, from `firstDay` to `lastDay` (days in `timeZone`),
     * every day present (zero when nothing happened). Runs finished well before the window are
     * left out before their attempts are read, so a user's series does not read all their attempts
     * of all time; the attempts_at_idx range serves the instance-wide series.
     */
    async dailyAttempts(scope: OwnerScope, window: { since: Date; until: Date; timeZone: string }): Promise<DayFigures[]> {
      const since = window.since.toISOString();
      const until = window.until.toISOString();
      const rows = await queryRows<{ day: string; successful: number; failed: number }>(
        db,
        sql`WITH counts AS (
              SELECT (a.attempted_at AT TIME ZONE ${window.timeZone})::date AS day,
                     count(*) FILTER (WHERE a.success) AS successful, count(*) FILTER (WHERE NOT a.success) AS failed
              FROM attempts a JOIN runs r ON r.id = a.run_id JOIN mailings m ON m.id = r.mailing_id
              WHERE a.attempted_at >= ${since}::timestamptz AND a.attempted_at < ${until}::timestamptz AND ${ownerIs(scope)}
                -- A run's attempts fall between its start and its end; a day's margin covers a late batch write.
                AND r.created_at < ${until}::timestamptz
                AND (r.finished_at IS NULL OR r.finished_at >= ${since}::timestamptz - interval '1 day')
              GROUP BY 1)
            SELECT to_char(g.at, 'YYYY-MM-DD') AS day, coalesce(c.successful, 0)::int AS successful, coalesce(c.failed, 0)::int AS failed
            FROM generate_series((${since}::timestamptz AT TIME ZONE ${window.timeZone})::date::timestamp,
                                 (${until}::timestamptz AT TIME ZONE ${window.timeZone})::date::timestamp - interval '1 day',
                                 interval '1 day') AS g(at)
            LEFT JOIN counts c ON c.day = g.at::date
            ORDER BY g.at`,
      );
      return rows.map((row) => ({ day: row.day, successful: num(row.successful), failed: num(row.failed) }));
    },

    /** The start of the day `daysBack` days before today, and the start of tomorrow, in `timeZone`. */
    async dayWindow(now: Date, timeZone: string, daysBack: number): Promise<{ since: Date; until: Date }> {
      const [row] = await queryRows<{ since: string | Date; until: string | Date }>(
        db,
        sql`SELECT (((${now.toISOString()}::timestamptz AT TIME ZONE ${timeZone})::date - ${daysBack}::int)::timestamp AT TIME ZONE ${timeZone}) AS since,
                   (((${now.toISOString()}::timestamptz AT TIME ZONE ${timeZone})::date + 1)::timestamp AT TIME ZONE ${timeZone}) AS until`,
      );
      if (!row) throw new Error('the database returned no day window');
      return { since: new Date(row.since), until: new Date(row.until) };
    },

    /**
     * The figures of every mailing in scope: the totals over all of them, how many there are, and
     * the `limit` with the most attempts (then the newest).
     */
    async mailingFigures(scope: OwnerScope, limit: number): Promise<{ totals: Figures; count: number; top: MailingFigures[] }> {
      type Row = MailingFigures &
        Record<'totalSuccessful' | 'totalFailed' | 'totalSent' | 'count', unknown> &
        Record<string, unknown>;
      const rows = await queryRows<Row>(
        db,
        sql`WITH scoped AS (SELECT m.id, m.name, m.owner_id FROM mailings m WHERE ${ownerIs(scope)}),
            att AS (SELECT r.mailing_id, count(*) FILTER (WHERE a.success) AS successful, count(*) FILTER (WHERE NOT a.success) AS failed
                    FROM attempts a JOIN runs r ON r.id = a.run_id
                    WHERE r.mailing_id IN (SELECT id FROM scoped) GROUP BY r.mailing_id),
            sent AS (SELECT r.mailing_id, count(*) AS sent
                     FROM deliveries d JOIN runs r ON r.id = d.run_id
                     WHERE d.state = 'sent' AND r.mailing_id IN (SELECT id FROM scoped) GROUP BY r.mailing_id)
            SELECT s.id AS "mailingId", s.name, u.email AS "ownerEmail",
                   coalesce(att.successful, 0) AS successful, coalesce(att.failed, 0) AS failed, coalesce(sent.sent, 0) AS sent,
                   sum(coalesce(att.successful, 0)) OVER () AS "totalSuccessful", sum(coalesce(att.failed, 0)) OVER () AS "totalFailed",
                   sum(coalesce(sent.sent, 0)) OVER () AS "totalSent", count(*) OVER () AS count
            FROM scoped s JOIN users u ON u.id = s.owner_id
            LEFT JOIN att ON att.mailing_id = s.id LEFT JOIN sent ON sent.mailing_id = s.id
            ORDER BY coalesce(att.successful, 0) + coalesce(att.failed, 0) DESC, s.id DESC
            LIMIT ${limit}`,
      );
      const first = rows[0];
      return {
        totals: { successful: num(first?.totalSuccessful), failed: num(first?.totalFailed), sent: num(first?.totalSent) },
        count: num(first?.count),
        top: rows.map((row) => ({
          mailingId: num(row.mailingId),
          name: row.name,
          ownerEmail: row.ownerEmail,
          successful: num(row.successful),
          failed: num(row.failed),
          sent: num(row.sent),
        })),
      };
    },

    /** Every user with their figures, one page, sorted by a whitelisted column (then by id). */
    async listUserFigures(query: {
      sort: UserFigureSort;
      dir: 'asc' | 'desc';
      page: number;
      pageSize: number;
    }): Promise<Page<UserFigures>> {
      const direction = query.dir === 'asc' ? sql`ASC` : sql`DESC`;
      const [items, [total]] = await Promise.all([
        queryRows<UserFigures & Record<string, unknown>>(
          db,
          sql`WITH att AS (SELECT m.owner_id, count(*) FILTER (WHERE a.success) AS successful,
                                  count(*) FILTER (WHERE NOT a.success) AS failed
                           FROM attempts a JOIN runs r ON r.id = a.run_id JOIN mailings m ON m.id = r.mailing_id GROUP BY m.owner_id),
              sent AS (SELECT m.owner_id, count(*) AS sent
                       FROM deliveries d JOIN runs r ON r.id = d.run_id JOIN mailings m ON m.id = r.mailing_id
                       WHERE d.state = 'sent' GROUP BY m.owner_id)
              SELECT u.id AS "userId", u.email, u.full_name AS "fullName", u.role, u.blocked_at IS NOT NULL AS blocked,
                     coalesce(att.successful, 0) AS successful, coalesce(att.failed, 0) AS failed, coalesce(sent.sent, 0) AS sent
              FROM users u LEFT JOIN att ON att.owner_id = u.id LEFT JOIN sent ON sent.owner_id = u.id
              ORDER BY ${userSortColumns[query.sort]} ${direction}, u.id ASC
              LIMIT ${query.pageSize} OFFSET ${(query.page - 1) * query.pageSize}`,
        ),
        queryRows<{ n: unknown }>(db, sql`SELECT count(*) AS n FROM users`),
      ]);
      return {
        items: items.map((row) => ({
          ...row,
          userId: num(row.userId),
          successful: num(row.successful),
          failed: num(row.failed),
          sent: num(row.sent),
        })),
        total: num(total?.n),
        page: query.page,
        pageSize: query.pageSize,
      };
    },

    /**
     * Streams the attempts in scope that match the filter, oldest first, a batch at a time (keyset
     * on the attempt id, so a batch costs the same at the end of a large export as at its start).
     */
    async *iterateAttempts(scope: OwnerScope, filter: AttemptExportFilter, batchSize = 2000): AsyncGenerator<AttemptExportRow[]> {
      const conditions = [
        ownerIs(scope),
        filter.mailingId ? sql`m.id = ${filter.mailingId}` : sql`true`,
        filter.runId ? sql`a.run_id = ${filter.runId}` : sql`true`,
        filter.success === undefined ? sql`true` : sql`a.success = ${filter.success}`,
        filter.from ? sql`a.attempted_at >= ${filter.from.toISOString()}::timestamptz` : sql`true`,
        filter.to ? sql`a.attempted_at < ${filter.to.toISOString()}::timestamptz` : sql`true`,
      ];
      const where = sql.join(conditions, sql` AND `);
      let lastId = 0;
      for (;;) {
        const rows = await queryRows<AttemptExportRow & Record<string, unknown>>(
          db,
          sql`SELECT a.id::float8 AS id, a.attempted_at AS "attemptedAt", m.id AS "mailingId", m.name AS "mailingName",
                     a.run_id AS "runId", d.email, d.full_name AS "fullName", a.success, a.code, a.response, a.duration_ms AS "durationMs", a.server,
                     u.email AS "ownerEmail"
              FROM attempts a JOIN deliveries d ON d.id = a.delivery_id JOIN runs r ON r.id = a.run_id
                   JOIN mailings m ON m.id = r.mailing_id JOIN users u ON u.id = m.owner_id
              WHERE ${where} AND a.id > ${lastId} ORDER BY a.id LIMIT ${batchSize}`,
        );
        if (rows.length === 0) return;
        yield rows.map((row) => ({ ...row, id: num(row.id), attemptedAt: new Date(row.attemptedAt) }));
        if (rows.length < batchSize) return;
        lastId = num(rows[rows.length - 1]?.id);
      }
    },
  };
}

export type StatsRepository = ReturnType<typeof createStatsRepository>;
