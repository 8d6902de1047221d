import { and, asc, desc, eq, gt, type SQL, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../db/client.ts';
import { deliveries, mailings, messages, runs, users } from '../../db/schema.ts';
import type { OwnerScope, Page } from '../../lib/scope.ts';

export type RunRow = typeof runs.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;
export type Trigger = RunRow['trigger'];

/** A delivery claimed by a worker, with what it needs to build the e-mail. */
export interface ClaimedDelivery {
  id: number;
  runId: number;
  email: string;
  fullName: string;
  attemptCount: number;
  /** `sending` when claimed; `suppressed` when its address was suppressed since the run began. */
  state: 'sending' | 'suppressed';
}

/** The outcome of one SMTP attempt, written with its delivery's new state in one batch. */
export interface AttemptResult {
  deliveryId: number;
  runId: number;
  attemptedAt: Date;
  success: boolean;
  code: number | null;
  response: string;
  durationMs: number;
  server: string;
  /**
   * The delivery's state after this attempt: sent, failed, queued again (retry at nextAttemptAt),
   * or unknown when the connection broke after the whole message was handed over (never resent).
   */
  state: 'sent' | 'failed' | 'queued' | 'unknown';
  nextAttemptAt: Date | null;
}

/** What a worker needs of a sending run: the message and the owner, to render and to check. */
export interface ActiveRun {
  runId: number;
  mailingId: number;
  ownerId: number;
  subject: string;
  body: string;
  format: 'markdown' | 'text';
}

/** A PostgreSQL array literal: numbers as they are, strings quoted (and escaped only when they need it). */
function pgArray(values: readonly (string | number | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) out += ',';
    if (value === null || value === undefined) out += 'NULL';
    else if (typeof value === 'number') out += value;
    else out += `"${/[\\"]/.test(value) ? value.replace(/[\\"]/g, '\\$&') : value}"`;
  }
  return `${out}}`;
}

/** From this many recipients on, a run's deliveries are materialised with hash joins (see createRun). */
export const LARGE_RUN = 10_000;

/** A time as milliseconds since the epoch: a number travels and parses more cheaply than an ISO string. */
const epochMs = (date: Date) => date.getTime();

export function createSendingRepository(db: Db) {
  return {
    /**
     * Starts a run and materialises one delivery per recipient in one statement (suppressed
     * addresses are recorded as such). Returns null when the mailing already has a sending run or
     * this occurrence already has a run (the unique indexes decide, so concurrent callers get one run).
     */
    async createRun(input: { mailingId: number; trigger: Trigger; occurrenceAt: Date | null; startedBy: number | null }) {
      return db.transaction(async (tx) => {
        const [run] = await queryRows<{ id: number }>(
          tx as unknown as Db,
          sql`INSERT INTO runs (mailing_id, trigger, occurrence_at, state, started_by)
              VALUES (${input.mailingId}, ${input.trigger}, ${input.occurrenceAt?.toISOString() ?? null}::timestamptz, 'sending', ${input.startedBy})
              ON CONFLICT DO NOTHING RETURNING id`,
        );
        if (!run) return null;
        const [size] = await queryRows<{ n: number }>(
          tx as unknown as Db,
          sql`SELECT count(*)::int AS n FROM mailing_recipients WHERE mailing_id = ${input.mailingId}`,
        );
        if ((size?.n ?? 0) >= LARGE_RUN) {
          // A list imported a moment ago has no statistics yet, and the planner then probes the
          // mailing's recipients one index lookup at a time: for a million, hash joins take a third
          // less time. A small mailing keeps the lookups, which spare it a scan of its owner's list.
          await tx.execute(sql`SET LOCAL enable_nestloop = off`);
          await tx.execute(sql`SET LOCAL work_mem = '64MB'`);
        }
        // The counts come from the inserted rows themselves: counting the run's deliveries
        // afterwards would scan the whole table, every run's deliveries included.
        await tx.execute(sql`
          WITH inserted AS (
            INSERT INTO deliveries (run_id, email, full_name, state)
            SELECT ${run.id}, r.email, r.full_name,
                   CASE WHEN s.id IS NULL THEN 'queued' ELSE 'suppressed' END
            FROM mailing_recipients mr
            JOIN mailings m ON m.id = mr.mailing_id
            -- Only the owner's recipients: their addresses are unique, so no address gets two deliveries.
            JOIN recipients r ON r.id = mr.recipient_id AND r.owner_id = m.owner_id
            LEFT JOIN suppressions s ON s.owner_id = r.owner_id AND s.email = r.email
            WHERE mr.mailing_id = ${input.mailingId}
            RETURNING state
          )
          UPDATE runs SET total = c.total, suppressed = c.suppressed
          FROM (SELECT count(*)::int AS total, count(*) FILTER (WHERE state = 'suppressed')::int AS suppressed FROM inserted) c
          WHERE runs.id = ${run.id}`);
        return run.id;
      });
    },

    /** Records an occurrence the scheduler decided not to send (too old to catch up). */
    async recordSkippedRun(mailingId: number, occurrenceAt: Date): Promise<boolean> {
      const rows = await queryRows<{ id: number }>(
        db,
        sql`INSERT INTO runs (mailing_id, trigger, occurrence_at, state, finished_at)
            VALUES (${mailingId}, 'scheduled', ${occurrenceAt.toISOString()}::timestamptz, 'skipped', now())
            ON CONFLICT DO NOTHING RETURNING id`,
      );
      return rows.length > 0;
    },

    async findActiveRunOf(mailingId: number): Promise<RunRow | null> {
      const [row] = await db
        .select()
        .from(runs)
        .where(and(eq(runs.mailingId, mailingId), eq(runs.state, 'sending')));
      return row ?? null;
    },

    /** The latest occurrence a mailing has a run (or a skip) for. */
    async latestOccurrenceOf(mailingId: number): Promise<Date | null> {
      const [row] = await queryRows<{ at: string | Date | null }>(
        db,
        sql`SELECT max(occurrence_at) AS at FROM runs WHERE mailing_id = ${mailingId}`,
      );
      return row?.at ? new Date(row.at) : null;
    },

    /** Sending runs whose mailing may send now: not paused, not disabled, owner not blocked. */
    async listSendableRuns(): Promise<ActiveRun[]> {
      return queryRows<ActiveRun & Record<string, unknown>>(
        db,
        sql`SELECT r.id AS "runId", m.id AS "mailingId", m.owner_id AS "ownerId",
                   msg.subject, msg.body, msg.format
            FROM runs r
            JOIN mailings m ON m.id = r.mailing_id
            JOIN messages msg ON msg.id = m.message_id
            JOIN users u ON u.id = m.owner_id
            WHERE r.state = 'sending' AND m.paused_at IS NULL AND m.disabled_at IS NULL AND u.blocked_at IS NULL
            ORDER BY r.id`,
      );
    },

    /**
     * Claims up to `limit` queued deliveries of a run past `afterId` (a per-worker cursor keeps the
     * scan off the dead index entries of already-sent rows) with a lease. SKIP LOCKED lets several
     * workers share a run without waiting on each other.
     */
    async claimBatch(
      runId: number,
      afterId: number,
      limit: number,
      worker: string,
      leaseSeconds: number,
    ): Promise<ClaimedDelivery[]> {
      // An address suppressed since the run began (unsubscribed, bounced elsewhere) is marked so here, not sent.
      return queryRows<ClaimedDelivery & Record<string, unknown>>(
        db,
        sql`UPDATE deliveries d
            SET state = CASE WHEN c.suppressed THEN 'suppressed' ELSE 'sending' END,
                lease_owner = CASE WHEN c.suppressed THEN NULL ELSE ${worker} END,
                lease_expires_at = CASE WHEN c.suppressed THEN NULL ELSE now() + make_interval(secs => ${leaseSeconds}) END,
                attempt_count = d.attempt_count + CASE WHEN c.suppressed THEN 0 ELSE 1 END, updated_at = now()
            FROM (
              -- The owner is looked up once (an InitPlan), not joined for every row.
              SELECT q.id, EXISTS (
                       SELECT 1 FROM suppressions s
                       WHERE s.owner_id = (SELECT m.owner_id FROM runs r JOIN mailings m ON m.id = r.mailing_id WHERE r.id = ${runId})
                         AND s.email = q.email) AS suppressed
              FROM deliveries q
              WHERE q.run_id = ${runId} AND q.state = 'queued' AND q.id > ${afterId}
                AND (q.next_attempt_at IS NULL OR q.next_attempt_at <= now())
              ORDER BY q.id LIMIT ${limit}
              FOR UPDATE OF q SKIP LOCKED) c
            WHERE d.id = c.id
            RETURNING d.id::int AS id, d.run_id AS "runId", d.email, d.full_name AS "fullName", d.attempt_count AS "attemptCount",
                      d.state`,
      ).then((rows) => rows.sort((a, b) => a.id - b.id));
    },

    /**
     * Writes a batch of attempts and the deliveries' new states in one statement, only for leases
     * still held. The lease owner alone says so (it is set only while a delivery is `sending`): a
     * condition on the state would lead the planner to the lease index, whose dead entries grow
     * with every claim of a large run, instead of the primary key.
     */
    async recordResults(results: AttemptResult[], worker: string): Promise<void> {
      if (results.length === 0) return;
      const col = <K extends keyof AttemptResult>(
        key: K,
        map: (v: AttemptResult[K]) => string | number | null = (v) => v as never,
      ) => pgArray(results.map((r) => map(r[key])));
      // One statement (atomic by itself): the arrays travel once, and no BEGIN and COMMIT round trips.
      await db.execute(sql`
        WITH u AS (
          SELECT * FROM unnest(${col('deliveryId')}::bigint[], ${col('runId')}::int[],
                               ${col('attemptedAt', epochMs)}::float8[], ${col('success', (b) => String(b))}::boolean[],
                               ${col('code')}::int[], ${col('response')}::text[], ${col('durationMs')}::int[], ${col('server')}::text[],
                               ${col('state')}::text[], ${col('nextAttemptAt', (d) => (d ? epochMs(d) : null))}::float8[])
            AS u(id, run_id, attempted_ms, success, code, response, duration_ms, server, state, next_ms)
        ), recorded AS (
          INSERT INTO attempts (delivery_id, run_id, attempted_at, success, code, response, duration_ms, server, worker)
          SELECT id, run_id, to_timestamp(attempted_ms / 1000), success, code, response, duration_ms, server, ${worker}::text FROM u
        )
        UPDATE deliveries d
        SET state = u.state, next_attempt_at = to_timestamp(u.next_ms / 1000), last_code = u.code, last_response = u.response,
            lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
        FROM u
        WHERE d.id = u.id AND d.lease_owner = ${worker}`);
    },

    /**
     * Keeps this worker's leases alive while a slow batch is still being sent (a dead worker stops
     * renewing). As in recordResults, the lease owner alone marks a delivery being sent.
     */
    async renewLeases(ids: number[], worker: string, leaseSeconds: number): Promise<void> {
      await db.execute(
        sql`UPDATE deliveries SET lease_expires_at = now() + make_interval(secs => ${leaseSeconds})
            WHERE id = ANY(${pgArray(ids)}::bigint[]) AND lease_owner = ${worker}`,
      );
    },

    /**
     * Deliveries whose worker died while sending them: the server may or may not have taken the
     * e-mail, so they become `unknown` — counted and shown, never silently resent.
     */
    async expireLeases(): Promise<number> {
      const rows = await queryRows<{ id: number }>(
        db,
        sql`UPDATE deliveries SET state = 'unknown', lease_owner = NULL, lease_expires_at = NULL, updated_at = now(),
                   last_response = coalesce(last_response, 'The worker stopped while sending; whether the server took it is unknown.')
            WHERE state = 'sending' AND lease_expires_at < now() RETURNING id::int AS id`,
      );
      return rows.length;
    },

    /** Finishes the run when nothing is queued or in flight any more, with its final counts. */
    async finishRunIfDone(runId: number): Promise<boolean> {
      const rows = await queryRows<{ id: number }>(
        db,
        sql`UPDATE runs SET state = 'finished', finished_at = now(),
                   sent = c.sent, failed = c.failed, suppressed = c.suppressed, unknown = c.unknown
            FROM (SELECT count(*) FILTER (WHERE state = 'sent')::int AS sent,
                         count(*) FILTER (WHERE state = 'failed')::int AS failed,
                         count(*) FILTER (WHERE state = 'suppressed')::int AS suppressed,
                         count(*) FILTER (WHERE state = 'unknown')::int AS unknown,
                         count(*) FILTER (WHERE state IN ('queued', 'sending'))::int AS open
                  FROM deliveries WHERE run_id = ${runId}) c
            WHERE runs.id = ${runId} AND runs.state = 'sending' AND c.open = 0
            RETURNING runs.id`,
      );
      return rows.length > 0;
    },

    /** Live counts of a run, straight from its deliveries. */
    async countDeliveries(runId: number) {
      const [row] = await queryRows<Record<'queued' | 'sending' | 'sent' | 'failed' | 'suppressed' | 'unknown', number>>(
        db,
        sql`SELECT count(*) FILTER (WHERE state = 'queued')::int AS queued, count(*) FILTER (WHERE state = 'sending')::int AS sending,
                   count(*) FILTER (WHERE state = 'sent')::int AS sent, count(*) FILTER (WHERE state = 'failed')::int AS failed,
                   count(*) FILTER (WHERE state = 'suppressed')::int AS suppressed, count(*) FILTER (WHERE state = 'unknown')::int AS unknown
            FROM deliveries WHERE run_id = ${runId}`,
      );
      return row ?? { queued: 0, sending: 0, sent: 0, failed: 0, suppressed: 0, unknown: 0 };
    },

    async listRuns(mailingId: number): Promise<RunRow[]> {
      return db.select().from(runs).where(eq(runs.mailingId, mailingId)).orderBy(desc(runs.id)).limit(100);
    },

    async findRun(mailingId: number, runId: number): Promise<RunRow | null> {
      const [row] = await db
        .select()
        .from(runs)
        .where(and(eq(runs.id, runId), eq(runs.mailingId, mailingId)));
      return row ?? null;
    },

    async listDeliveries(
      runId: number,
      query: { state?: string | undefined; page: number; pageSize: number },
    ): Promise<Page<DeliveryRow>> {
      const where: SQL | undefined = and(
        eq(deliveries.runId, runId),
        query.state ? sql`${deliveries.state} = ${query.state}` : undefined,
      );
      const [items, [total]] = await Promise.all([
        db
          .select()
          .from(deliveries)
          .where(where)
          .orderBy(asc(deliveries.id))
          .limit(query.pageSize)
          .offset((query.page - 1) * query.pageSize),
        db.select({ n: sql<number>`count(*)::int` }).from(deliveries).where(where),
      ]);
      return { items, total: total?.n ?? 0, page: query.page, pageSize: query.pageSize };
    },

    /** Attempts in scope (own mailings, or everyone's), newest first, with the mailing they belong to. */
    async listAttempts(
      scope: OwnerScope,
      query: {
        mailingId?: number | undefined;
        runId?: number | undefined;
        success?: boolean | undefined;
        from?: Date | undefined;
        to?: Date | undefined;
        page: number;
        pageSize: number;
      },
    ) {
      const conditions = [
        scope.kind === 'own' ? sql`m.owner_id = ${scope.ownerId}` : sql`true`,
        query.mailingId ? sql`m.id = ${query.mailingId}` : sql`true`,
        query.runId ? sql`a.run_id = ${query.runId}` : sql`true`,
        query.success === undefined ? sql`true` : sql`a.success = ${query.success}`,
        query.from ? sql`a.attempted_at >= ${query.from.toISOString()}::timestamptz` : sql`true`,
        query.to ? sql`a.attempted_at < ${query.to.toISOString()}::timestamptz` : sql`true`,
      ];
      const where = sql.join(conditions, sql` AND `);
      const from = sql`FROM attempts a JOIN deliveries d ON d.id = a.delivery_id JOIN runs r ON r.id = a.run_id
                       JOIN mailings m ON m.id = r.mailing_id JOIN users u ON u.id = m.owner_id`;
      const [items, [total]] = await Promise.all([
        queryRows<AttemptView & Record<string, unknown>>(
          db,
          sql`SELECT a.id::int AS id, a.attempted_at AS "attemptedAt", a.success, a.code, a.response, a.duration_ms AS "durationMs",
                     a.server, a.run_id AS "runId", d.email, m.id AS "mailingId", m.name AS "mailingName", u.email AS "ownerEmail"
              ${from} WHERE ${where} ORDER BY a.id DESC LIMIT ${query.pageSize} OFFSET ${(query.page - 1) * query.pageSize}`,
        ),
        queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n ${from} WHERE ${where}`),
      ]);
      const page: Page<AttemptView> = {
        items: items.map((row) => ({ ...row, attemptedAt: new Date(row.attemptedAt) })),
        total: total?.n ?? 0,
        page: query.page,
        pageSize: query.pageSize,
      };
      return page;
    },

    /** Adds an address to its owner's suppressions (unsubscribed, hard bounce); the first reason stays. */
    async suppress(ownerId: number, email: string, reason: 'unsubscribed' | 'hard_bounce' | 'manual'): Promise<void> {
      await db.execute(
        sql`INSERT INTO suppressions (owner_id, email, reason) VALUES (${ownerId}, ${email}, ${reason})
            ON CONFLICT (owner_id, email) DO NOTHING`,
      );
    },

    /** Mailings the scheduler looks at: open window, not paused or disabled, owner not blocked. */
    async listSchedulable(now: Date) {
      return db
        .select({
          id: mailings.id,
          schedule: mailings.schedule,
          startsAt: mailings.startsAt,
          endsAt: mailings.endsAt,
          timeZone: mailings.timeZone,
        })
        .from(mailings)
        .innerJoin(users, eq(users.id, mailings.ownerId))
        .innerJoin(messages, eq(messages.id, mailings.messageId))
        .where(
          and(
            sql`${mailings.pausedAt} IS NULL AND ${mailings.disabledAt} IS NULL AND ${users.blockedAt} IS NULL`,
            sql`${mailings.startsAt} <= ${now.toISOString()}::timestamptz`,
            gt(mailings.endsAt, now),
          ),
        );
    },
  };
}

export interface AttemptView {
  id: number;
  attemptedAt: Date;
  success: boolean;
  code: number | null;
  response: string;
  durationMs: number;
  server: string;
  runId: number;
  email: string;
  mailingId: number;
  mailingName: string;
  ownerEmail: string;
}

export type SendingRepository = ReturnType<typeof createSendingRepository>;
