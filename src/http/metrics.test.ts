/**
 * GET /metrics: off without METRICS_TOKEN, behind its own bearer token with it, Prometheus text
 * with the instance's figures read from the database (so any web process tells the same), HTTP
 * latency by route pattern, and the process's default metrics.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { createUser, ensureAdmin } from '../../test/support/accounts.ts';
import { createTestApp, type TestApp } from '../../test/support/app.ts';
import { seedMailing } from '../../test/support/sending-run.ts';
import { buildApp } from '../app.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { createContainer } from '../container.ts';
import { deliveries } from '../db/schema.ts';
import { toActor } from '../features/auth/auth.service.ts';

const TOKEN = 'metrics-token-0123456789abcdef';

let t: TestApp;
before(async () => {
  t = await createTestApp({ env: { METRICS_TOKEN: TOKEN } });
  await ensureAdmin(t);
});
after(() => t.close());

/** GET /metrics with this Authorization header (null: none). */
const scrape = (app: TestApp['app'], authorization: string | null = `Bearer ${TOKEN}`) =>
  app.inject({ method: 'GET', url: '/metrics', headers: authorization === null ? {} : { authorization } });

/** The value of one sample line (`name{labels} value`), or undefined when absent. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Scrapes a second web process on the same database: its own container, so nothing it reports was cached before. */
async function scrapeElsewhere(): Promise<string> {
  const config = t.c.config;
  const c = await createContainer(config, config.databaseUrl ? {} : { database: t.c.database });
  const app = await buildApp(c);
  try {
    await app.ready();
    const response = await scrape(app);
    assert.equal(response.statusCode, 200);
    return response.body;
  } finally {
    await app.close();
    await c.close();
  }
}

/** Starts a run of a mailing as "send now" does, and resolves once the sender says it finished. */
async function sendAndWait(mailingId: number, owner: Parameters<typeof toActor>[0]) {
  const finished = new Promise<number>((resolve) => {
    const listener = ({ runId }: { runId: number }) => {
      t.c.sender.events.off('finished', listener);
      resolve(runId);
    };
    t.c.sender.events.on('finished', listener);
  });
  const { runId } = await t.c.sending.sendNow(toActor(owner, 'session'), mailingId, 'api');
  assert.equal(await finished, runId);
}

describe('access to /metrics', () => {
  test('is off without METRICS_TOKEN: 404 whatever the request carries', async () => {
    const off = await createTestApp({ devMailbox: true });
    try {
      for (const authorization of [null, `Bearer ${TOKEN}`, 'Bearer x']) {
        const response = await scrape(off.app, authorization);
        assert.equal(response.statusCode, 404, String(authorization));
        assert.doesNotMatch(response.body, /process_cpu|herald_/);
      }
    } finally {
      await off.close();
    }
  });

  test('asks for its bearer token: 401 when missing or wrong, and an API token is no metrics token', async () => {
    const admin = await createUser(t.c, { role: 'admin' });
    const { token: apiToken } = await t.c.auth.createApiToken(toActor(admin, 'session'), { name: 'not for metrics' });
    const refusals = [
      null,
      '',
      'Bearer',
      'Bearer wrong-token',
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Basic ${TOKEN}`,
    ];
    for (const authorization of [...refusals, `Bearer ${apiToken}`, `Bearer ${TOKEN} extra`]) {
      const response = await scrape(t.app, authorization);
      assert.equal(response.statusCode, 401, String(authorization));
      assert.equal(response.headers['www-authenticate'], 'Bearer realm="metrics"');
      assert.doesNotMatch(response.body, /process_cpu|herald_messages/);
    }
    const ok = await scrape(t.app, `bearer   ${TOKEN}`);
    assert.equal(ok.statusCode, 200);
    assert.match(String(ok.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.equal(ok.headers['cache-control'], 'no-store');
  });

  test('API authentication is not weakened: the metrics token opens no API route, a bad bearer is still refused', async () => {
    const viaMetricsToken = await t.app.inject({
      method: 'GET',
      url: '/api/v1/recipients',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(viaMetricsToken.statusCode, 401);
    const onPage = await t.app.inject({ method: 'GET', url: '/', headers: { authorization: 'Bearer nonsense' } });
    assert.equal(onPage.statusCode, 401);
  });

  test('METRICS_TOKEN must be long and without spaces', () => {
    const base = { SECRET_KEY: 'x'.repeat(32), DATA_DIR: t.dataDir };
    for (const bad of ['short', 'has a space in it 0123456789']) {
      assert.throws(
        () => loadConfig({ ...base, METRICS_TOKEN: bad }),
        (error: unknown) => error instanceof ConfigError && error.variable === 'METRICS_TOKEN',
      );
    }
    assert.equal(loadConfig({ ...base, METRICS_TOKEN: TOKEN }).metricsToken, TOKEN);
    assert.equal(loadConfig(base).metricsToken, undefined);
  });
});

describe('what /metrics reports', () => {
  test('HTTP latency by method, route pattern and status class, never the raw URL; default process metrics', async () => {
    await t.app.inject({ method: 'GET', url: '/recipients/987654' });
    await t.app.inject({ method: 'GET', url: '/no/such/page-5551212' });
    await t.app.inject({ method: 'GET', url: '/healthz?probe=1' });
    const body = (await scrape(t.app)).body;
    assert.ok(
      (sample(body, 'herald_http_request_duration_seconds_count', 'method="GET",route="/recipients/:id",status_class="3xx"') ??
        0) >= 1,
    );
    assert.ok(
      (sample(body, 'herald_http_request_duration_seconds_count', 'method="GET",route="unmatched",status_class="4xx"') ?? 0) >= 1,
    );
    assert.ok(
      (sample(body, 'herald_http_request_duration_seconds_count', 'method="GET",route="/healthz",status_class="2xx"') ?? 0) >= 1,
    );
    assert.match(
      body,
      /herald_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/healthz",status_class="2xx"\}/,
    );
    assert.doesNotMatch(body, /987654|5551212|probe/);
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ])
      assert.ok(sample(body, name) !== undefined, `${name} is exposed`);
    assert.equal(sample(body, 'herald_database_up'), 1);
  });

  test('sent, failed, queued and run durations come from the database, the same in every web process', async () => {
    const before = await scrapeElsewhere();
    const base = (name: string, labels = '') => sample(before, name, labels) ?? Number.NaN;
    const sent0 = base('herald_messages_sent_total');
    const failed0 = base('herald_messages_failed_total');
    const runs0 = base('herald_run_duration_seconds_count');
    assert.ok(Number.isFinite(sent0) && Number.isFinite(failed0) && Number.isFinite(runs0));

    // A finished run: two sent, one refused for good (550).
    const done = await seedMailing(t.c, 3, { label: 'metrics' });
    t.smtp!.refusals.set(done.emails[2]!, [550]);
    await sendAndWait(done.mailingId, done.user);
    const afterRun = await scrapeElsewhere();
    assert.equal(sample(afterRun, 'herald_messages_sent_total'), sent0 + 2);
    assert.equal(sample(afterRun, 'herald_messages_failed_total'), failed0 + 1);
    assert.equal(sample(afterRun, 'herald_run_duration_seconds_count'), runs0 + 1);
    assert.equal(sample(afterRun, 'herald_run_duration_seconds_bucket', 'le="+Inf"'), runs0 + 1);
    assert.ok((sample(afterRun, 'herald_run_duration_seconds_sum') ?? -1) >= 0);
    assert.ok((sample(afterRun, 'herald_run_duration_seconds_bucket', 'le="86400"') ?? 0) >= runs0 + 1);

    // A run in progress with no sender to take it: its deliveries are queued; one sent so far counts at once.
    await t.c.sender.stop();
    const pending = await seedMailing(t.c, 4, { label: 'metrics-queued' });
    const { runId } = await t.c.sending.sendNow(toActor(pending.user, 'session'), pending.mailingId, 'api');
    const queued = await scrapeElsewhere();
    assert.equal(sample(queued, 'herald_deliveries_queued'), 4);
    assert.equal(sample(queued, 'herald_messages_sent_total'), sent0 + 2);
    const [first] = await t.c.db.select({ id: deliveries.id }).from(deliveries).where(eq(deliveries.runId, runId)).limit(1);
    await t.c.db.update(deliveries).set({ state: 'sent' }).where(eq(deliveries.id, first!.id));
    await t.c.db.execute(
      sql`INSERT INTO attempts (delivery_id, run_id, attempted_at, success, code, response, duration_ms, server)
          VALUES (${first!.id}, ${runId}, now(), true, 250, '250 OK', 5, 'test')`,
    );
    const partly = await scrapeElsewhere();
    assert.equal(sample(partly, 'herald_deliveries_queued'), 3);
    assert.equal(sample(partly, 'herald_messages_sent_total'), sent0 + 3);
    assert.equal(sample(partly, 'herald_run_duration_seconds_count'), runs0 + 1, 'a run still sending has no duration yet');
  });

  test('with the database gone it still answers: herald_database_up 0, no instance figures, HTTP figures kept', async () => {
    const down = await createTestApp({ devMailbox: true, env: { METRICS_TOKEN: TOKEN } });
    try {
      await down.app.inject({ method: 'GET', url: '/healthz' });
      await down.c.sender.stop();
      await down.c.jobs.stop();
      await down.c.database.close();
      const response = await scrape(down.app);
      assert.equal(response.statusCode, 200);
      assert.equal(sample(response.body, 'herald_database_up'), 0);
      assert.equal(sample(response.body, 'herald_messages_sent_total'), undefined);
      assert.equal(sample(response.body, 'herald_deliveries_queued'), undefined);
      assert.ok(
        sample(response.body, 'herald_http_request_duration_seconds_count', 'method="GET",route="/healthz",status_class="2xx"'),
      );
    } finally {
      await down.close();
    }
  });
});
