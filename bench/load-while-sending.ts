/**
 * `npm run bench:load`: Herald as deployed (`herald web` and `herald worker` on one PostgreSQL)
 * serves a mixed web load of 100 connections for 60 s while the worker sends a 50,000-recipient
 * run into Postfix's smtp-sink. It reports the web load's errors and latencies, the sender's rate
 * during the load and for the whole run, and each Herald process's memory before and after the
 * load. This process only orchestrates (seeding, autocannon, the sink's counter); Herald, the sink
 * and PostgreSQL run in processes of their own. See bench/README.md for the knobs and the figures.
 */
import os from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { createDatabase, startPostgres } from '../test/support/postgres.ts';
import { type Cleanup, runBenchmark } from './cleanup.ts';
import { describeHang, finishedRun, STALL_SECONDS, stallWatch, tuning } from './herald.ts';
import { answersOf, correct, type LoadResult, type MixedLoadResult, measureMixedLoad, probe, settleAt } from './load.ts';
import { type Sink, startSink, waitForCount } from './postfix.ts';
import { buildDist, type HeraldProcess } from './processes.ts';
import { countFromEnv, describeMachine, int, machineInfo, megabytes, type Row, rate, renderTable, seconds } from './report.ts';
import { type HeraldSite, HTTP_LIMITS, startHerald } from './web-herald.ts';

const settings = {
  connections: countFromEnv('BENCH_LOAD_CONNECTIONS', 100),
  seconds: countFromEnv('BENCH_LOAD_SECONDS', 60),
  recipients: countFromEnv('BENCH_LOAD_RECIPIENTS', 50_000),
  warmupSeconds: countFromEnv('BENCH_LOAD_WARMUP_SECONDS', 10, 0),
};

/**
 * Memory is flat when a process's RSS after the load is at most the larger of its RSS before
 * × 1.2 and its RSS before + 30 MB (the second rule decides below 150 MB).
 */
const RSS_GROWTH = { factor: 1.2, megabytes: 30 };
const rssLimitKb = (beforeKb: number) => Math.max(beforeKb * RSS_GROWTH.factor, beforeKb + RSS_GROWTH.megabytes * 1024);

const say = (line: string) => process.stdout.write(`${line}\n`);
const reqs = (n: number) => `${int(n)} req/s`;
const ms = (n: number) => `${int(n)} ms`;

interface Target {
  label: string;
  path: (site: HeraldSite, runId: number) => string;
  headers: (site: HeraldSite) => Record<string, string>;
  /** What the one response before the load must contain. */
  expect: (body: string) => boolean;
}

/** What users do while a run sends: visitors on the home page, the owner on the lists and on the run's page. */
const TARGETS: Target[] = [
  {
    label: 'GET / (anonymous)',
    path: () => '/',
    headers: () => ({}),
    expect: (body) => body.includes('<html'),
  },
  {
    label: 'GET /recipients (session)',
    path: () => '/recipients',
    headers: (site) => ({ cookie: site.browserCookies }),
    expect: (body) => /reader\d+@list\d+\.bench\.example/.test(body),
  },
  {
    label: 'GET /api/v1/recipients (token)',
    path: () => '/api/v1/recipients',
    headers: (site) => ({ authorization: `Bearer ${site.apiToken}` }),
    expect: (body) => (JSON.parse(body) as { total?: number }).total === settings.recipients,
  },
  {
    label: "GET the run's page (session)",
    path: (site, runId) => `/mailings/${site.mailingId}/runs/${runId}`,
    headers: (site) => ({ cookie: site.browserCookies }),
    expect: (body) => body.includes('<html'),
  },
];

/** Presses "send now" through the API, as a client would; returns the run's id. */
async function sendNow(site: HeraldSite): Promise<number> {
  const response = await fetch(`${site.url}/api/v1/mailings/${site.mailingId}/send`, {
    method: 'POST',
    headers: { authorization: `Bearer ${site.apiToken}` },
  });
  const body = await response.text();
  if (response.status !== 201)
    throw new Error(`POST /api/v1/mailings/${site.mailingId}/send answered ${response.status}: ${body}`);
  return (JSON.parse(body) as { runId: number }).runId;
}

/** Resolves when the sink has counted more than `before`; fails after STALL_SECONDS or when the worker exits. */
async function firstEmail(sink: Sink, before: number, worker: HeraldProcess): Promise<void> {
  const deadline = Date.now() + STALL_SECONDS * 1000;
  while (sink.messages() <= before) {
    if (worker.exited()) throw new Error(`herald worker exited with ${await worker.exit}:\n${worker.logTail()}`);
    if (Date.now() > deadline) throw new Error(`no e-mail reached smtp-sink within ${STALL_SECONDS} s:\n${worker.logTail()}`);
    await delay(10);
  }
}

/** The sink's counter every 100 ms during the load, to see when the run ended within it. */
function followSink(sink: Sink, total: number) {
  let doneAt: number | undefined;
  const timer = setInterval(() => {
    if (doneAt === undefined && sink.messages() >= total) doneAt = performance.now();
  }, 100);
  return {
    /** When the sink reached the run's total, if it did while followed. */
    stop: () => {
      clearInterval(timer);
      return doneAt;
    },
  };
}

/** Waits for the run to leave the sending state (the worker watched for hangs), then reads Herald's record of it. */
async function waitForRun(cleanup: Cleanup, sink: Sink, worker: HeraldProcess, databaseUrl: string, runId: number) {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const disconnect = cleanup.add('database connection of the benchmark', () => db.end());
  const stalled = stallWatch(sink);
  for (;;) {
    const [row] = (await db.query<{ state: string }>('SELECT state FROM runs WHERE id = $1', [runId])).rows;
    if (row?.state !== 'sending') break;
    if (worker.exited()) throw new Error(`herald worker exited with ${await worker.exit} during the run:\n${worker.logTail()}`);
    if (stalled()) throw await describeHang(worker, `herald worker on run ${runId}`, databaseUrl, runId);
    await delay(250);
  }
  const run = await finishedRun(db, runId);
  await disconnect();
  return run;
}

interface Memory {
  label: string;
  beforeKb: number;
  afterKb: number;
  peakKb: number;
}

function readMemory(label: string, p: HeraldProcess) {
  const memory = p.memory();
  if (!memory) throw new Error(`${label} is gone (exit ${p.exited() ? 'seen' : 'not seen'}):\n${p.logTail()}`);
  return memory;
}

function describeTarget(r: LoadResult): string {
  const { codes, problems } = answersOf(r);
  return `${reqs(r.requestsPerSecond)}, p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, max ${ms(r.max)}; responses ${codes || 'none'}${problems.length ? `; ${problems.join(', ')}` : ''}`;
}

const errorsOf = (r: LoadResult) => r.non2xx + r.errors + r.timeouts;

/**
 * The run must still be sending when the load ends: unless SEND_RATE_PER_SECOND is given, the
 * sender is paced so the recipients last one and a half times the load (a deployed Herald is
 * paced too; its default is 100 msg/s). The rate then shows whether the sender keeps its pace
 * while the pages are loaded.
 */
if (process.env.SEND_RATE_PER_SECOND === undefined) {
  process.env.SEND_RATE_PER_SECOND = String(Math.ceil(settings.recipients / (settings.seconds * 1.5)));
}

async function main(cleanup: Cleanup): Promise<void> {
  const machine = machineInfo();
  say(`Herald web-under-sending benchmark\n${describeMachine(machine)}`);
  const failure = buildDist();
  if (failure !== null) throw new Error(`npm run build failed:\n${failure}`);
  const knobs = Object.entries({ ...tuning(), ...HTTP_LIMITS }).map(([k, v]) => `${k}=${v}`);
  say(
    `${int(settings.recipients)} recipients; autocannon, ${settings.connections} connections split over ${TARGETS.length} targets, ` +
      `${settings.seconds} s after ${settings.warmupSeconds} s of warm-up on the pages\nHerald: \`herald web\` + \`herald worker\` (compiled dist/, LOG_LEVEL=warn, no REDIS_URL); ${knobs.join(' ')}`,
  );

  const sink = await startSink(cleanup);
  const postgres = await cleanup.started('PostgreSQL server', startPostgres(), (server) => server.stop());
  const databaseUrl = await createDatabase(postgres.url);
  const started = performance.now();
  const site = await startHerald(cleanup, {
    recipients: settings.recipients,
    databaseUrl,
    smtpUrl: sink.url,
    split: true,
  });
  const worker = site.worker;
  if (!worker) throw new Error('startHerald did not start a worker');
  say(
    `\n1. Setup: smtp-sink on ${sink.url}, PostgreSQL 15, seeded ${int(site.recipients)} recipients, ${site.mailings} mailings, ` +
      `an admin and an API token in ${seconds(site.seedSeconds)}; herald web on ${site.url} (PID ${site.process.pid}), ` +
      `herald worker (PID ${worker.pid}); ready in ${seconds((performance.now() - started) / 1000)}`,
  );

  // The pages that need no run are checked before it starts, so a wrong page cannot cost the run's start.
  const check = async (target: Target, runId: number) => {
    const bytes = await probe(`${site.url}${target.path(site, runId)}`, target.headers(site), target.expect);
    return `${target.label} ${int(bytes)} B`;
  };
  const checked = [];
  for (const target of TARGETS.slice(0, 3)) checked.push(await check(target, 0));

  // A warm-up load on the pages first: a process sizes its heap for 100 concurrent requests once,
  // so "before" is read after it, and growth across the measured load is what a leak would show.
  if (settings.warmupSeconds > 0) {
    await measureMixedLoad(
      cleanup,
      TARGETS.slice(0, 3).map((target) => ({ url: `${site.url}${target.path(site, 0)}`, headers: target.headers(site) })),
      { connections: settings.connections, seconds: settings.warmupSeconds },
      () => settleAt(`${site.url}/readyz`),
    );
  }

  const sinkBefore = sink.messages();
  const sendAt = performance.now();
  const runId = await sendNow(site);
  await firstEmail(sink, sinkBefore, worker);
  const firstAt = performance.now();
  checked.push(await check(TARGETS[3] as Target, runId));
  say(
    `2. POST /api/v1/mailings/${site.mailingId}/send → run ${runId}; the first e-mail reached the sink ` +
      `${seconds((firstAt - sendAt) / 1000)} later\n   checked: ${checked.join(', ')}`,
  );

  const processes: [string, HeraldProcess][] = [
    ['herald web', site.process],
    ['herald worker', worker],
  ];
  const before = processes.map(([label, p]) => readMemory(label, p));
  const sinkAtStart = sink.messages();
  const follow = followSink(sink, sinkBefore + settings.recipients);
  say(
    `3. The load starts ${seconds((performance.now() - firstAt) / 1000)} after the first e-mail, ${int(sinkAtStart - sinkBefore)} sent so far; ` +
      `RSS ${processes.map(([label], i) => `${label} ${megabytes(before[i]?.rssKb ?? 0)}`).join(', ')}`,
  );
  const load = await measureMixedLoad(
    cleanup,
    TARGETS.map((target) => ({ url: `${site.url}${target.path(site, runId)}`, headers: target.headers(site) })),
    settings,
    () => settleAt(`${site.url}/readyz`),
  );
  const sinkAtEnd = sink.messages();
  const doneAt = follow.stop();
  const after = processes.map(([label, p]) => readMemory(label, p));
  const loadAfter = os.loadavg()[0] ?? 0;
  for (const [i, target] of TARGETS.entries()) {
    const result = load.targets[i];
    if (result) say(`   ${target.label}: ${describeTarget(result)}`);
  }
  say(
    `   all together: ${reqs(load.requestsPerSecond)}, p50 ${ms(load.p50)}, p99 ${ms(load.p99)}, max ${ms(load.max)}` +
      `${load.settleSeconds >= 1 ? `; then ${seconds(load.settleSeconds)} to finish the requests left in flight` : ''}; ` +
      `load average ${loadAfter.toFixed(2)} at the end`,
  );
  const window = ((doneAt ?? load.endedAt) - load.startedAt) / 1000;
  const duringLoad = { sent: sinkAtEnd - sinkAtStart, seconds: window, rate: (sinkAtEnd - sinkAtStart) / window };
  say(
    `   the sender during the load: ${int(duringLoad.sent)} e-mails in ${seconds(window)}, ${rate(duringLoad.rate)}` +
      (doneAt !== undefined
        ? ` (the run ended ${seconds(window)} into the ${settings.seconds}-s load)`
        : ' (the run outlasted the load)'),
  );
  const memory: Memory[] = processes.map(([label], i) => ({
    label,
    beforeKb: before[i]?.rssKb ?? 0,
    afterKb: after[i]?.rssKb ?? 0,
    peakKb: after[i]?.peakKb ?? 0,
  }));
  say(
    `   RSS after the load: ${memory.map((m) => `${m.label} ${megabytes(m.afterKb)} (peak ${megabytes(m.peakKb)})`).join(', ')}`,
  );

  const run = await waitForRun(cleanup, sink, worker, databaseUrl, runId);
  const sinkCounted = (await waitForCount(sink, sinkBefore + run.sent, 5000)) - sinkBefore;
  const runRate = run.sent / run.seconds;
  const problems = [
    run.failed ? `${int(run.failed)} failed` : '',
    run.unknown ? `${int(run.unknown)} unknown` : '',
    sinkCounted !== run.sent ? `smtp-sink counted ${int(sinkCounted)}` : '',
  ].filter(Boolean);
  say(
    `4. The run: ${int(run.sent)} sent in ${seconds(run.seconds)} (first attempt to finished_at, Herald's records), ${rate(runRate)}` +
      `${problems.length ? `; ${problems.join(', ')}` : ''}`,
  );
  for (const [label, p] of processes) {
    const log = p.logTail(10);
    if (log) say(`   ${label} logged (last lines):\n${log.replace(/^/gm, '     ')}`);
  }

  say(
    `\nSummary (${describeMachine(machine).split('\n')[0]}; load average ${machine.load.toFixed(2)} at the start; ` +
      `${settings.connections} connections, ${settings.seconds} s, ${int(settings.recipients)} recipients)\n`,
  );
  say(
    renderTable(
      summaryRows({ load, duringLoad, run: { ...run, rate: runRate, sinkCounted }, memory, runEnded: doneAt !== undefined }),
    ),
  );
}

function summaryRows(r: {
  load: MixedLoadResult;
  duringLoad: { sent: number; seconds: number; rate: number };
  run: { sent: number; failed: number; unknown: number; seconds: number; rate: number; sinkCounted: number };
  memory: Memory[];
  runEnded: boolean;
}): Row[] {
  const errors = r.load.targets.reduce((sum, t) => sum + errorsOf(t), 0);
  const breakdown = (t: LoadResult[]) =>
    `${int(t.reduce((s, x) => s + x.non2xx, 0))} non-2xx, ${int(t.reduce((s, x) => s + x.errors, 0))} conn., ${int(t.reduce((s, x) => s + x.timeouts, 0))} timeouts`;
  const rows: Row[] = [
    {
      measure: 'Web load: errors (non-2xx, connection errors, timeouts)',
      result: errors === 0 ? '0' : `${int(errors)} (${breakdown(r.load.targets)})`,
      target: '0',
      verdict: errors === 0 && r.load.targets.every((t) => correct(t) && t.responses2xx > 0) ? 'PASS' : 'FAIL',
    },
    { measure: 'Web load: p99 (all targets)', result: ms(r.load.p99), target: 'reported', verdict: '' },
    {
      measure: 'Web load: p50, req/s (all targets)',
      result: `${ms(r.load.p50)}, ${reqs(r.load.requestsPerSecond)}`,
      target: 'reported',
      verdict: '',
    },
  ];
  for (const [i, target] of TARGETS.entries()) {
    const t = r.load.targets[i];
    if (!t) continue;
    rows.push({
      measure: `  ${target.label}`,
      result: `${reqs(t.requestsPerSecond)}, p99 ${ms(t.p99)}`,
      target: '',
      verdict: errorsOf(t) > 0 ? 'FAIL' : '',
    });
  }
  const runWrong = r.run.failed > 0 || r.run.unknown > 0 || r.run.sinkCounted !== r.run.sent;
  rows.push(
    {
      measure: `Sender during the load${r.runEnded ? ` (run ended after ${seconds(r.duringLoad.seconds)})` : ''}`,
      result: rate(r.duringLoad.rate),
      target: 'reported',
      verdict: '',
    },
    {
      measure: `Sender, whole run of ${int(r.run.sent)}`,
      result: rate(r.run.rate),
      target: 'all sent, sink counted all',
      verdict: runWrong ? 'FAIL' : 'PASS',
    },
  );
  for (const m of r.memory) {
    const limit = rssLimitKb(m.beforeKb);
    rows.push({
      measure: `RSS of ${m.label}, before → after the load`,
      result: `${megabytes(m.beforeKb)} → ${megabytes(m.afterKb)}`,
      target: `≤ ${megabytes(limit)} (flat)`,
      verdict: m.afterKb <= limit ? 'PASS' : 'MISS',
    });
  }
  return rows;
}

await runBenchmark(main);
