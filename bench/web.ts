/**
 * `npm run bench:web`: how many requests a second one Herald process serves, and how fast, for
 * its home page (anonymous), a signed-in user's recipients page and the recipients API, with a
 * user holding 100,000 recipients, on PostgreSQL and on PGlite; next to a bare Fastify
 * hello-world on the same machine, in the same run, under the same load (the ceiling). Herald and
 * the hello-world run in processes of their own; this process seeds, then drives autocannon.
 * See bench/README.md for the knobs and the figures.
 */
import { createDatabase, startPostgres } from '../test/support/postgres.ts';
import { type Cleanup, runBenchmark } from './cleanup.ts';
import {
  answersOf,
  correct,
  type LoadResult,
  type LoadSettings,
  measureLoad,
  probe,
  REQUEST_TIMEOUT_SECONDS,
  settleAt,
} from './load.ts';
import { buildDist, builtIsFresh } from './processes.ts';
import { countFromEnv, describeMachine, int, machineInfo, megabytes, type Row, renderTable, seconds } from './report.ts';
import { type HeraldSite, HTTP_LIMITS, startHello, startHerald } from './web-herald.ts';

const load: LoadSettings = {
  connections: countFromEnv('BENCH_WEB_CONNECTIONS', 50),
  seconds: countFromEnv('BENCH_WEB_SECONDS', 10),
  warmupSeconds: countFromEnv('BENCH_WEB_WARMUP_SECONDS', 2, 0),
};
const recipients = countFromEnv('BENCH_WEB_RECIPIENTS', 100_000);
const skipPglite = process.env.BENCH_WEB_SKIP_PGLITE === '1';
/** Node flags for Herald's processes that NODE_OPTIONS refuses, e.g. `--cpu-prof --cpu-prof-dir=/tmp/herald-profiles`. */
const heraldFlags = (process.env.BENCH_WEB_HERALD_FLAGS ?? '').split(/\s+/).filter(Boolean);

/** The issue's targets: the home page at ≥ 0.3× the hello-world's rate, and every page's p99 ≤ 25 ms. */
const TARGETS = { homeRatio: 0.3, p99Ms: 25 };

const say = (line: string) => process.stdout.write(`${line}\n`);
const reqs = (n: number) => `${int(n)} req/s`;

/** Builds dist/ unless it is up to date, so `herald start` runs compiled, as deployed; if that fails Herald runs its sources. */
function build(): boolean {
  const failure = buildDist();
  if (failure !== null) say(`npm run build failed, so Herald runs its sources through tsx:\n${failure}`);
  return failure === null;
}

interface Target {
  label: string;
  path: string;
  headers: (site: HeraldSite) => Record<string, string>;
  /** What the one response before the load must contain. */
  expect: (body: string, site: HeraldSite) => boolean;
}

const TARGET_PAGES: Target[] = [
  {
    label: 'GET / (anonymous)',
    path: '/',
    headers: () => ({}),
    expect: (body) => body.includes('<html'),
  },
  {
    label: 'GET /recipients (signed in, first page)',
    path: '/recipients',
    headers: (site) => ({ cookie: site.browserCookies }),
    expect: (body) => /reader\d+@list\d+\.bench\.example/.test(body),
  },
  {
    label: 'GET /api/v1/recipients (bearer token)',
    path: '/api/v1/recipients',
    headers: (site) => ({ authorization: `Bearer ${site.apiToken}` }),
    expect: (body) => (JSON.parse(body) as { total?: number }).total === recipients,
  },
];

interface Measured {
  label: string;
  result: LoadResult;
}

const latency = (ms: number, r: LoadResult) => (r.responses2xx > 0 ? `${int(ms)} ms` : 'no answer');

function describeLoad(r: LoadResult, ceiling?: number): string {
  const ratio = ceiling ? ` (${(r.requestsPerSecond / ceiling).toFixed(2)}× hello-world)` : '';
  const { codes, problems } = answersOf(r, [
    r.settleSeconds >= 1 ? `then ${seconds(r.settleSeconds)} to finish the requests left in flight` : '',
  ]);
  return (
    `${reqs(r.requestsPerSecond)}${ratio}, p50 ${latency(r.p50, r)}, p99 ${latency(r.p99, r)}, max ${latency(r.max, r)}; ` +
    `responses ${codes || `none within ${load.seconds} s`}${problems.length ? `; ${problems.join(', ')}` : ''}`
  );
}

/** Checks each target once, then measures it under the load; Herald's memory is read after the last one. */
async function measureSite(site: HeraldSite, ceiling: number): Promise<Measured[]> {
  const measured: Measured[] = [];
  for (const target of TARGET_PAGES) {
    const url = `${site.url}${target.path}`;
    const bytes = await probe(url, target.headers(site), (body) => target.expect(body, site));
    const result = await measureLoad(url, load, () => settleAt(`${site.url}/readyz`), target.headers(site));
    say(`  ${target.label}, ${int(bytes)} bytes: ${describeLoad(result, ceiling)}`);
    measured.push({ label: target.label, result });
  }
  const memory = site.process.memory();
  if (memory) say(`  Herald's memory after the load: RSS ${megabytes(memory.rssKb)}, peak ${megabytes(memory.peakKb)}`);
  // LOG_LEVEL=warn: anything Herald said under the load is worth seeing next to its figures.
  const log = site.process.logTail(10);
  if (log) say(`  Herald logged (last lines):\n${log.replace(/^/gm, '    ')}`);
  return measured;
}

async function measureEngine(cleanup: Cleanup, engine: string, ceiling: number, databaseUrl?: string) {
  const site = await startHerald(cleanup, { recipients, nodeFlags: heraldFlags, ...(databaseUrl ? { databaseUrl } : {}) });
  say(
    `  seeded ${int(site.recipients)} recipients, ${site.mailings} mailings, an admin and an API token in ${seconds(site.seedSeconds)}; ` +
      `herald start on ${site.url}${builtIsFresh() ? '' : ' (from its sources: src/ changed since the build)'}`,
  );
  const measured = await measureSite(site, ceiling);
  await site.process.stop();
  return { engine, measured };
}

async function main(cleanup: Cleanup): Promise<void> {
  const machine = machineInfo();
  say(`Herald web benchmark\n${describeMachine(machine)}`);
  const compiled = build();
  say(
    `autocannon, ${load.connections} connections, ${load.warmupSeconds} s warm-up then ${load.seconds} s measured, per target; ` +
      `${int(recipients)} recipients`,
  );
  const limits = Object.entries(HTTP_LIMITS).map(([k, v]) => `${k}=${v}`);
  const flags = heraldFlags.length ? `, node ${heraldFlags.join(' ')}` : '';
  say(
    `Herald: \`herald start\` (${compiled ? 'compiled dist/' : 'sources through tsx'}, LOG_LEVEL=warn, no REDIS_URL${flags}), rate limits raised: ${limits.join(' ')}`,
  );

  say('\n1. The ceiling: a bare Fastify hello-world (bench/hello.ts) in its own process');
  const hello = await startHello(cleanup);
  const ceiling = await measureLoad(hello.url, load, () => settleAt(hello.url));
  await hello.process.stop();
  say(`  GET / → {"hello":"world"}: ${describeLoad(ceiling)}`);
  if (!correct(ceiling) || ceiling.timeouts > 0 || ceiling.responses2xx === 0)
    throw new Error('the hello-world did not answer every request with 200: no ceiling to compare with');
  const rate = ceiling.requestsPerSecond;

  const runs = [];
  say('\n2. Herald on PostgreSQL (a server of its own, fresh database)');
  const postgres = await cleanup.started('PostgreSQL server', startPostgres(), (server) => server.stop());
  runs.push(await measureEngine(cleanup, 'PostgreSQL', rate, await createDatabase(postgres.url)));

  if (skipPglite) {
    say('\n3. Herald on PGlite: skipped (BENCH_WEB_SKIP_PGLITE=1)');
  } else {
    say('\n3. Herald on PGlite (embedded, fresh DATA_DIR on disk)');
    runs.push(await measureEngine(cleanup, 'PGlite', rate));
  }

  say(`\nSummary (${describeMachine(machine).split('\n')[0]}; ${load.connections} connections, ${load.seconds} s each)\n`);
  say(renderTable(summaryRows(ceiling, runs)));
}

/** FAIL: a wrong answer (non-2xx, a broken connection); MISS: right answers, too few or too slow. */
function verdict(r: LoadResult, met: boolean): Row['verdict'] {
  if (!correct(r)) return 'FAIL';
  return met && r.timeouts === 0 && r.responses2xx > 0 ? 'PASS' : 'MISS';
}

function summaryRows(ceiling: LoadResult, runs: { engine: string; measured: Measured[] }[]): Row[] {
  const rate = ceiling.requestsPerSecond;
  const rows: Row[] = [
    { measure: 'bare Fastify hello-world', result: `${reqs(rate)}, p99 ${ceiling.p99} ms`, target: 'the ceiling', verdict: '' },
  ];
  for (const { engine, measured } of runs) {
    for (const [index, { label, result }] of measured.entries()) {
      const ratio = `${reqs(result.requestsPerSecond)} (${(result.requestsPerSecond / rate).toFixed(2)}×)`;
      // The rate target is the home page's; the other pages show theirs for comparison.
      const isHome = index === 0;
      rows.push({
        measure: `${engine}: ${label}`,
        result: ratio,
        target: isHome ? `≥ ${TARGETS.homeRatio}× (${reqs(TARGETS.homeRatio * rate)})` : '',
        verdict: isHome ? verdict(result, result.requestsPerSecond >= TARGETS.homeRatio * rate) : correct(result) ? '' : 'FAIL',
      });
      const p99 = result.timeouts > 0 ? `> ${REQUEST_TIMEOUT_SECONDS} s` : latency(result.p99, result);
      rows.push({
        measure: '  p99',
        result: p99,
        target: `≤ ${TARGETS.p99Ms} ms`,
        verdict: verdict(result, result.p99 <= TARGETS.p99Ms),
      });
    }
  }
  return rows;
}

await runBenchmark(main);
