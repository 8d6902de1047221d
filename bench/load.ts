/**
 * The load of `npm run bench:web`: autocannon's programmatic API, the same settings for every
 * target (the hello-world ceiling and each Herald page), and what a run is reduced to.
 */
import autocannon, { type Result } from 'autocannon';
import type { Cleanup } from './cleanup.ts';
import { int } from './report.ts';

export interface LoadSettings {
  connections: number;
  /** Seconds measured. */
  seconds: number;
  /** Seconds of the same load before, not counted. */
  warmupSeconds: number;
}

export interface LoadResult {
  /** Mean of the per-second samples, as autocannon reports it. */
  requestsPerSecond: number;
  /** Latencies of the 2xx responses, in milliseconds. */
  p50: number;
  p99: number;
  max: number;
  responses2xx: number;
  /** Every response that was not 2xx (redirects included): each one makes the measurement worthless. */
  non2xx: number;
  /** Connection errors (resets, refusals); timeouts apart. */
  errors: number;
  /** Requests without an answer within REQUEST_TIMEOUT_SECONDS: too slow, not wrong. */
  timeouts: number;
  /** How many responses had each status, e.g. "200": 81234. */
  statusCodes: Record<string, number>;
  /** How long the server then took to finish what was still in flight (see `settle`). */
  settleSeconds: number;
}

export const REQUEST_TIMEOUT_SECONDS = 10;

/** A run's answers by status code, and what went wrong (non-2xx, broken connections, timeouts), as words. */
export function answersOf(r: LoadResult, extraProblems: string[] = []): { codes: string; problems: string[] } {
  const codes = Object.entries(r.statusCodes)
    .map(([code, n]) => `${code}: ${int(n)}`)
    .join(', ');
  const problems = [
    r.non2xx ? `${int(r.non2xx)} non-2xx` : '',
    r.errors ? `${int(r.errors)} connection errors` : '',
    r.timeouts ? `${int(r.timeouts)} timed out (> ${REQUEST_TIMEOUT_SECONDS} s)` : '',
    ...extraProblems,
  ].filter(Boolean);
  return { codes, problems };
}

/** Resolves once the server has worked off the requests the load left in flight. */
export type Settle = () => Promise<number>;

async function run(url: string, connections: number, seconds: number, headers: Record<string, string>) {
  return autocannon({ url, headers, connections, duration: seconds, timeout: REQUEST_TIMEOUT_SECONDS });
}

/**
 * Drives `connections` keep-alive connections at `url`: a warm-up, then the measured seconds.
 * autocannon drops the requests still in flight when a run ends, but the server goes on with
 * them; `settle` waits that out after each run, so no run pays for the one before.
 */
export async function measureLoad(
  url: string,
  settings: LoadSettings,
  settle: Settle,
  headers: Record<string, string> = {},
): Promise<LoadResult> {
  if (settings.warmupSeconds > 0) {
    await run(url, settings.connections, settings.warmupSeconds, headers);
    await settle();
  }
  const result = await run(url, settings.connections, settings.seconds, headers);
  return summarise(result, await settle());
}

/** What one autocannon run is reduced to. */
function summarise(result: Result, settleSeconds: number): LoadResult {
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    responses2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors - result.timeouts,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, stat]) => [code, stat.count])),
    settleSeconds,
  };
}

export interface LoadTarget {
  url: string;
  headers: Record<string, string>;
}

export interface MixedLoadResult {
  /** One autocannon run per target, in the order given. */
  targets: LoadResult[];
  /** The targets' rates added up. */
  requestsPerSecond: number;
  /** Latencies of every response of every target (autocannon's own histograms cannot be merged). */
  p50: number;
  p99: number;
  max: number;
  /** When the load started and ended (performance.now()). */
  startedAt: number;
  endedAt: number;
  settleSeconds: number;
}

/** `total` split into `parts` whole numbers as even as can be, the larger ones first. */
const share = (total: number, parts: number, index: number) => Math.floor(total / parts) + (index < total % parts ? 1 : 0);

/** The value below which `fraction` of the sorted `values` lie (nearest rank). */
const percentile = (sorted: number[], fraction: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] ?? 0;

/**
 * Drives all `targets` at once for `seconds`: one autocannon instance per target, all in this
 * process, sharing `connections` keep-alive connections (split evenly), no warm-up. Each target
 * keeps its own figures; the latencies of all responses are also gathered for the figures of the
 * load as a whole. Ctrl-C stops the instances (the cleanup). `settle` then waits for the
 * requests left in flight, as `measureLoad` does.
 */
export async function measureMixedLoad(
  cleanup: Cleanup,
  targets: LoadTarget[],
  options: { connections: number; seconds: number },
  settle: Settle,
): Promise<MixedLoadResult> {
  if (options.connections < targets.length) throw new Error(`${targets.length} targets need at least as many connections`);
  const latencies: number[] = [];
  const startedAt = performance.now();
  const instances = targets.map((target, index) => {
    const instance = autocannon({
      url: target.url,
      headers: target.headers,
      connections: share(options.connections, targets.length, index),
      duration: options.seconds,
      timeout: REQUEST_TIMEOUT_SECONDS,
    });
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
    return instance;
  });
  const stop = cleanup.add('autocannon', () => {
    for (const instance of instances) instance.stop();
  });
  const results = await Promise.all(instances);
  const endedAt = performance.now();
  await stop();
  const settleSeconds = await settle();
  latencies.sort((a, b) => a - b);
  return {
    targets: results.map((result) => summarise(result, settleSeconds)),
    requestsPerSecond: results.reduce((sum, result) => sum + result.requests.average, 0),
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1) ?? 0,
    startedAt,
    endedAt,
    settleSeconds,
  };
}

/** No wrong answer: nothing but 2xx came back and no connection failed (slowness is judged apart). */
export const correct = (r: LoadResult) => r.non2xx === 0 && r.errors === 0;

/** A lone request answered this fast, several times in a row, finds nothing ahead of it. */
const IDLE_MS = 25;
const IDLE_IN_A_ROW = 3;
const SETTLE_LIMIT_SECONDS = 120;

/**
 * Requests `url` one at a time until IDLE_IN_A_ROW answers in a row come back 200 within IDLE_MS:
 * a server that has finished its backlog (one answer alone can slip in between two slow queries).
 * Returns the seconds that took; gives up (and says so) after SETTLE_LIMIT_SECONDS.
 */
export async function settleAt(url: string): Promise<number> {
  const started = performance.now();
  let quick = 0;
  while (performance.now() - started < SETTLE_LIMIT_SECONDS * 1000) {
    const sent = performance.now();
    const status = await fetch(url).then(
      (response) => response.arrayBuffer().then(() => response.status),
      () => 0,
    );
    quick = status === 200 && performance.now() - sent < IDLE_MS ? quick + 1 : 0;
    if (quick === IDLE_IN_A_ROW) return (performance.now() - started) / 1000;
  }
  process.stdout.write(`  (${url} was still busy after ${SETTLE_LIMIT_SECONDS} s; the next figures carry that load)\n`);
  return SETTLE_LIMIT_SECONDS;
}

/**
 * One request before the load, to check the target answers what the benchmark means to measure
 * (a 303 to /login would be counted as non-2xx, but would better be caught before 10 seconds of it).
 */
export async function probe(url: string, headers: Record<string, string>, expect: (body: string) => boolean): Promise<number> {
  const response = await fetch(url, { headers, redirect: 'manual' });
  const body = await response.text();
  if (response.status !== 200 || !expect(body)) {
    throw new Error(`GET ${url} answered ${response.status}, not the expected page:\n${body.slice(0, 500)}`);
  }
  return Buffer.byteLength(body);
}
