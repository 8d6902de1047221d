import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Histogram, type Metric, Registry } from 'prom-client';
import { AppError } from '../errors.ts';
import { RUN_DURATION_BUCKETS, type SendingFigures } from '../features/sending/sending-figures.repository.ts';
import { msg } from '../i18n/i18n.ts';

/** How long one reading of the database figures serves every scrape of this process. */
const FIGURES_TTL_MS = 5_000;

interface Sample {
  value: number;
  labels?: Record<string, string | number>;
  metricName?: string;
}

/**
 * A metric whose samples are computed at scrape time (prom-client's own types only count what a
 * process observed itself; these figures belong to the whole instance).
 */
function scrapedMetric(definition: {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  samples: () => Sample[];
}): Metric {
  const { name, help, type, samples } = definition;
  const metric = {
    name,
    help,
    type,
    aggregator: 'first',
    get: async () => ({ name, help, type, aggregator: 'first', values: samples() }),
    reset: () => undefined,
  };
  return metric as unknown as Metric;
}

/** The `/metrics` endpoint and the per-process HTTP timings behind it; a no-op without METRICS_TOKEN. */
export function createMetrics(deps: { token: string | undefined; readFigures: () => Promise<SendingFigures>; logger: Logger }) {
  const expected = deps.token === undefined ? undefined : createHash('sha256').update(deps.token).digest();
  let state: { registry: Registry; http: Histogram<'method' | 'route' | 'status_class'> } | undefined;
  let figures: SendingFigures | null = null;
  let figuresRead: { at: number; pending: Promise<void> } | undefined;

  /** The registry is built on first use, so a process that never serves HTTP never collects. */
  const ensure = () => {
    if (state) return state;
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const http = new Histogram({
      name: 'herald_http_request_duration_seconds',
      help: 'HTTP request latency of this process, by method, route pattern and status class.',
      labelNames: ['method', 'route', 'status_class'] as const,
      registers: [registry],
    });
    const whenRead = (read: (f: SendingFigures) => Sample[]) => () => (figures ? read(figures) : []);
    registry.registerMetric(
      scrapedMetric({
        name: 'herald_database_up',
        help: 'Whether this scrape could read the instance figures from the database (1) or not (0).',
        type: 'gauge',
        samples: () => [{ value: figures ? 1 : 0 }],
      }),
    );
    registry.registerMetric(
      scrapedMetric({
        name: 'herald_messages_sent_total',
        help: 'Deliveries sent (accepted by an SMTP server) by every run of the instance.',
        type: 'counter',
        samples: whenRead((f) => [{ value: f.sent }]),
      }),
    );
    registry.registerMetric(
      scrapedMetric({
        name: 'herald_messages_failed_total',
        help: 'Deliveries that failed for good in every run of the instance.',
        type: 'counter',
        samples: whenRead((f) => [{ value: f.failed }]),
      }),
    );
    registry.registerMetric(
      scrapedMetric({
        name: 'herald_deliveries_queued',
        help: 'Deliveries waiting to be sent (including retries not yet due), in the whole instance.',
        type: 'gauge',
        samples: whenRead((f) => [{ value: f.queued }]),
      }),
    );
    registry.registerMetric(
      scrapedMetric({
        name: 'herald_run_duration_seconds',
        help: 'Durations of finished runs, from creation to the last delivery, in the whole instance.',
        type: 'histogram',
        samples: whenRead(({ runDurations: d }) => [
          ...RUN_DURATION_BUCKETS.map((le, i) => ({
            metricName: 'herald_run_duration_seconds_bucket',
            labels: { le },
            value: d.buckets[i] ?? 0,
          })),
          { metricName: 'herald_run_duration_seconds_bucket', labels: { le: '+Inf' }, value: d.count },
          { metricName: 'herald_run_duration_seconds_sum', value: d.sum },
          { metricName: 'herald_run_duration_seconds_count', value: d.count },
        ]),
      }),
    );
    state = { registry, http };
    return state;
  };

  /** Reads the database figures at most once per FIGURES_TTL_MS; concurrent scrapes share one reading. */
  const refreshFigures = () => {
    if (figuresRead && Date.now() - figuresRead.at < FIGURES_TTL_MS) return figuresRead.pending;
    const pending = deps.readFigures().then(
      (read) => {
        figures = read;
      },
      (error: unknown) => {
        figures = null;
        figuresRead = undefined;
        deps.logger.warn({ err: error }, 'metrics: reading the instance figures failed');
      },
    );
    figuresRead = { at: Date.now(), pending };
    return pending;
  };

  const authorized = (header: string | undefined) => {
    const presented = header === undefined ? undefined : /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!expected || presented === undefined) return false;
    return timingSafeEqual(createHash('sha256').update(presented).digest(), expected);
  };

  return {
    enabled: expected !== undefined,

    /** Records one answered request (route pattern, never the raw URL: unknown paths count as `unmatched`). */
    observe(request: FastifyRequest, reply: FastifyReply): void {
      if (!expected) return;
      const status = reply.statusCode;
      ensure().http.observe(
        { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_class: `${Math.floor(status / 100)}xx` },
        reply.elapsedTime / 1000,
      );
    },

    /** GET /metrics: 404 when disabled, 401 without the right bearer token, else the Prometheus text. */
    async handler(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
      if (!expected) throw AppError.notFound();
      if (!authorized(request.headers.authorization)) {
        reply.header('www-authenticate', 'Bearer realm="metrics"');
        throw new AppError('UNAUTHENTICATED', msg('The metrics token is missing or wrong.'));
      }
      const { registry } = ensure();
      await refreshFigures();
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
