/**
 * The Herald side of the benchmark, seen from the outside: the environment its processes get, and
 * the three measurements that start them (a timed "send now", a timed run creation, and a
 * `herald worker` sending a large run while its memory is watched).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import type { Cleanup } from './cleanup.ts';
import type { MaterialiseMeasurement, SendMeasurement } from './measure.ts';
import { dumpedMessageBytes, type Sink, startSink, waitForCount } from './postfix.ts';
import { HERALD_BIN, type HeraldProcess, MEASURE_SCRIPT, startHeraldProcess } from './processes.ts';
import { int, megabytes } from './report.ts';

/**
 * Sending settings tuned for throughput. Any of them, and any other SEND_*, SMTP_* (but SMTP_URL)
 * or DKIM_* variable, can be set in the shell to override or add to them.
 */
export const TUNING_DEFAULTS: Record<string, string> = {
  SEND_RATE_PER_SECOND: '100000',
  SEND_RATE_PER_SERVER: '100000',
  SEND_RATE_PER_DOMAIN: '100000',
  SEND_BATCH_SIZE: '1000',
  SMTP_POOL_SIZE: '8',
};

/** No progress at the sink for this long while a run is sending means it hangs: the benchmark stops and says so. */
export const STALL_SECONDS = Number(process.env.BENCH_STALL_SECONDS) > 0 ? Number(process.env.BENCH_STALL_SECONDS) : 60;

/** The sending settings in force: the defaults above, overridden from the shell. */
export function tuning(): Record<string, string> {
  const fromShell = Object.entries(process.env).filter(
    (entry): entry is [string, string] =>
      /^(SEND_|SMTP_|DKIM_)/.test(entry[0]) && entry[0] !== 'SMTP_URL' && entry[1] !== undefined,
  );
  return { ...TUNING_DEFAULTS, ...Object.fromEntries(fromShell) };
}

/** The environment of a Herald process of the benchmark: explicit, so no `.env` or stray setting leaks in. */
export function heraldEnv(options: {
  dataDir: string;
  smtpUrl: string;
  databaseUrl?: string | undefined;
}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATA_DIR: options.dataDir,
    BASE_URL: 'https://herald.bench.example',
    SECRET_KEY: 'benchmark-secret-key-that-is-long-enough-0123456789',
    MAIL_FROM: 'Herald Monthly <news@herald.bench.example>',
    SMTP_URL: options.smtpUrl,
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    // Node's own flags (heap limits, say) reach Herald's processes too.
    ...(process.env.NODE_OPTIONS ? { NODE_OPTIONS: process.env.NODE_OPTIONS } : {}),
    ...tuning(),
  };
}

/** A fresh temporary folder, removed by the cleanup. */
export function tempDir(cleanup: Cleanup, label: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `herald-bench-${label}-`));
  cleanup.add(`temporary folder ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** One query on its own connection, for a look at a database while Herald works on it. */
async function queryOnce<T extends pg.QueryResultRow>(databaseUrl: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** How a run's deliveries stand, for the report of a hang (PostgreSQL only: PGlite belongs to its process). */
async function deliveryStates(databaseUrl: string | undefined, runId: number | undefined): Promise<string> {
  if (!databaseUrl || runId === undefined) return '';
  const rows = await queryOnce<{ state: string; n: number }>(
    databaseUrl,
    'SELECT state, count(*)::int AS n FROM deliveries WHERE run_id = $1 GROUP BY state ORDER BY state',
    [runId],
  ).catch((error: Error) => [{ state: `(could not read: ${error.message})`, n: 0 }]);
  return `deliveries of run ${runId}: ${rows.map((r) => `${r.state} ${r.n}`).join(', ')}`;
}

/** Throws when the sink has counted nothing new for STALL_SECONDS; call once a second. */
export function stallWatch(sink: Sink) {
  let last = sink.messages();
  let since = Date.now();
  return (): boolean => {
    if (sink.messages() !== last) {
      last = sink.messages();
      since = Date.now();
    }
    return Date.now() - since > STALL_SECONDS * 1000;
  };
}

/** The error for a run that stopped making progress: the process's memory and last output, and the run's deliveries. */
export async function describeHang(p: HeraldProcess, what: string, databaseUrl?: string, runId?: number): Promise<Error> {
  const memory = p.memory();
  const states = await deliveryStates(databaseUrl, runId);
  return new Error(
    `${what}: smtp-sink received nothing for ${STALL_SECONDS} s` +
      `${memory ? `; the process (PID ${p.pid}) holds ${megabytes(memory.rssKb)}` : ''}` +
      `${states ? `; ${states}` : ''}\n--- its last output ---\n${p.logTail()}`,
  );
}

export interface SendResult extends SendMeasurement {
  rate: number;
  /** What smtp-sink counted during the run: must equal `sent`. */
  sinkCounted: number;
}

/**
 * A Herald process (scheduler + sender, as `herald worker` runs them; on PGlite in a fresh
 * DATA_DIR) seeds `recipients`, presses "send now" and reports how long the run took.
 */
export async function measureSend(
  cleanup: Cleanup,
  sink: Sink,
  options: { recipients: number; bodyBytes: number; databaseUrl?: string },
): Promise<SendResult> {
  const cwd = tempDir(cleanup, options.databaseUrl ? 'pg' : 'pglite');
  const env = {
    ...heraldEnv({ dataDir: cwd, smtpUrl: sink.url, databaseUrl: options.databaseUrl }),
    BENCH_MEASURE_RECIPIENTS: String(options.recipients),
    BENCH_BODY_BYTES: String(options.bodyBytes),
  };
  const sinkBefore = sink.messages();
  const p = startHeraldProcess(cleanup, [MEASURE_SCRIPT, 'send'], env, cwd);
  let runId: number | undefined;
  let stalled: (() => boolean) | undefined;
  p.onEvent((event) => {
    if (event.event === 'started') {
      runId = event.runId;
      stalled = stallWatch(sink);
    }
  });
  for (;;) {
    const code = await Promise.race([p.exit, delay(1000, null)]);
    const sent = p.events.find((e) => e.event === 'sent');
    if (sent?.event === 'sent') {
      // It closes Herald and exits by itself; only one that lingers is stopped.
      await Promise.race([p.exit, delay(15_000)]);
      await p.stop();
      // The sink's counter comes through its own pipe: give it a moment to catch up.
      const sinkCounted = (await waitForCount(sink, sinkBefore + sent.result.sent, 5000)) - sinkBefore;
      return { ...sent.result, rate: sent.result.sent / sent.result.seconds, sinkCounted };
    }
    if (code !== null) throw new Error(`the Herald process exited with ${code}:\n${p.logTail()}`);
    if (stalled?.()) throw await describeHang(p, `run ${runId} hangs`, options.databaseUrl, runId);
  }
}

/** A Herald process seeds `recipients` and times the run creation that materialises their deliveries. */
export async function measureMaterialise(
  cleanup: Cleanup,
  options: { recipients: number; bodyBytes: number; smtpUrl: string; databaseUrl?: string },
): Promise<MaterialiseMeasurement> {
  const cwd = tempDir(cleanup, options.databaseUrl ? 'pg-1m' : 'pglite-1m');
  const env = {
    ...heraldEnv({ dataDir: cwd, smtpUrl: options.smtpUrl, databaseUrl: options.databaseUrl }),
    BENCH_MEASURE_RECIPIENTS: String(options.recipients),
    BENCH_BODY_BYTES: String(options.bodyBytes),
  };
  const p = startHeraldProcess(cleanup, [MEASURE_SCRIPT, 'materialise'], env, cwd);
  const code = await p.exit;
  await p.stop();
  const done = p.events.find((e) => e.event === 'materialised');
  if (done?.event !== 'materialised') throw new Error(`the Herald process exited with ${code}:\n${p.logTail()}`);
  return done.result;
}

/**
 * A finished run as Herald recorded it: its counts, and the seconds from its first attempt to its
 * `finished_at` (the rate of the sending itself, without creating the run).
 */
export async function finishedRun(
  db: pg.Client,
  runId: number,
): Promise<{ sent: number; failed: number; unknown: number; seconds: number }> {
  const [row] = (
    await db.query<{ sent: number; failed: number; unknown: number; seconds: number }>(
      `SELECT r.sent, r.failed, r.unknown,
              extract(epoch FROM r.finished_at - (SELECT min(attempted_at) FROM attempts WHERE run_id = r.id))::float AS seconds
       FROM runs r WHERE r.id = $1`,
      [runId],
    )
  ).rows;
  if (!row || !(row.seconds > 0)) throw new Error(`run ${runId} finished without a measurable attempt`);
  return row;
}

export interface WorkerRun {
  sent: number;
  failed: number;
  unknown: number;
  /** From the run's first attempt to its finish, as Herald recorded them. */
  seconds: number;
  rate: number;
  /** VmHWM of the worker process when the run finished. */
  peakKb: number;
  /** VmRSS at 10 %, 25 %, 50 %, 75 % and 90 % of the e-mails, to show growth or its absence. */
  rssAlong: { percent: number; rssKb: number }[];
  sinkCounted: number;
}

const MILESTONES = [10, 25, 50, 75, 90];

/**
 * Starts `herald worker` on a PostgreSQL database holding the run `measureMaterialise` created,
 * reads its memory every second, and returns once the run is finished (the worker still running,
 * so its peak can be read), with the rate Herald's own records give.
 */
export async function sendWithWorker(
  cleanup: Cleanup,
  sink: Sink,
  options: { databaseUrl: string; run: MaterialiseMeasurement },
): Promise<WorkerRun> {
  const { run, databaseUrl } = options;
  const cwd = tempDir(cleanup, 'worker');
  const sinkBefore = sink.messages();
  const env = heraldEnv({ dataDir: cwd, smtpUrl: sink.url, databaseUrl });
  // Node flags for the worker alone (heap limits, say), on top of NODE_OPTIONS.
  const workerOptions = [env.NODE_OPTIONS, process.env.BENCH_WORKER_NODE_OPTIONS].filter(Boolean).join(' ');
  if (workerOptions) env.NODE_OPTIONS = workerOptions;
  const p = startHeraldProcess(cleanup, [HERALD_BIN, 'worker'], env, cwd);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const disconnect = cleanup.add('database connection of the benchmark', () => db.end());
  const stalled = stallWatch(sink);
  const rssAlong: WorkerRun['rssAlong'] = [];
  const spawned = Date.now();
  let lastReport = spawned;
  let peakKb = 0;
  for (;;) {
    const code = await Promise.race([p.exit, delay(1000, null)]);
    const memory = p.memory();
    if (code !== null || !memory) throw new Error(`herald worker exited with ${code} during the run:\n${p.logTail()}`);
    peakKb = memory.peakKb;
    const counted = sink.messages() - sinkBefore;
    for (const percent of MILESTONES.slice(rssAlong.length)) {
      if (counted < (run.total * percent) / 100) break;
      rssAlong.push({ percent, rssKb: memory.rssKb });
    }
    const [state] = (await db.query<{ state: string }>('SELECT state FROM runs WHERE id = $1', [run.runId])).rows;
    if (state?.state !== 'sending') break;
    if (stalled()) throw await describeHang(p, `herald worker on run ${run.runId}`, databaseUrl, run.runId);
    if (Date.now() - lastReport >= 15_000) {
      lastReport = Date.now();
      const elapsed = (lastReport - spawned) / 1000;
      process.stdout.write(
        `  … ${int(counted)} of ${int(run.total)} after ${elapsed.toFixed(0)} s (${int(counted / elapsed)} msg/s), RSS ${megabytes(memory.rssKb)}\n`,
      );
    }
  }
  // The peak is read before the worker stops: afterwards there is no /proc entry to read.
  peakKb = p.memory()?.peakKb ?? peakKb;
  await p.stop();
  const row = await finishedRun(db, run.runId);
  await disconnect();
  const sinkCounted = (await waitForCount(sink, sinkBefore + row.sent, 5000)) - sinkBefore;
  return { ...row, rate: row.sent / row.seconds, peakKb, rssAlong, sinkCounted };
}

/** Sends one e-mail of the benchmark's mailing (PGlite) into a sink that keeps it, and returns its size on the wire. */
export async function measureWireSize(cleanup: Cleanup, bodyBytes: number): Promise<number> {
  const dumpDir = tempDir(cleanup, 'dump');
  const sink = await startSink(cleanup, { dumpDir });
  await measureSend(cleanup, sink, { recipients: 1, bodyBytes });
  await sink.stop();
  return dumpedMessageBytes(dumpDir);
}
