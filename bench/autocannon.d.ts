/** The part of autocannon's programmatic API (https://github.com/mcollina/autocannon) that bench/load.ts uses. */
declare module 'autocannon' {
  interface Options {
    url: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    headers?: Record<string, string>;
    /** Seconds per request before it counts as a timeout (and an error). */
    timeout?: number;
  }

  /** Latencies in milliseconds (2xx responses only), or requests per second over the samples. */
  interface Histogram {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    total: number;
    p50: number;
    p90: number;
    p99: number;
  }

  export interface Result {
    latency: Histogram;
    requests: Histogram;
    throughput: Histogram;
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    statusCodeStats: Record<string, { count: number }>;
  }

  /** A running load: its result when it ends, and its events meanwhile. */
  interface Instance extends PromiseLike<Result> {
    /** Every response, whatever its status; `responseTime` in milliseconds. */
    on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): this;
    /** Ends the load early (the result still comes). */
    stop(): void;
  }

  function autocannon(options: Options): Instance;
  export default autocannon;
}
