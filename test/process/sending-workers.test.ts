/**
 * The scaled-out shape on one machine: two `herald web` processes and two `herald worker`
 * processes on one PostgreSQL database and one Redis. One web process takes "send now" over the
 * API, the workers share the run (each claims its own batches, FOR UPDATE SKIP LOCKED), every
 * recipient is mailed exactly once, and the other web process reports the finished run.
 *
 * PostgreSQL only (the embedded database serves one process): it runs in the runner's PostgreSQL
 * pass, where HERALD_TEST_PG_URL is set.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { type Container, createContainer } from '../../src/container.ts';
import { HeraldProcess, killStartedHeralds, pollUntil } from '../support/herald-process.ts';
import { freePort } from '../support/net.ts';
import { createDatabase } from '../support/postgres.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';
import { auditRun, createMailingFixture, describeRun, findEndedRun, sample } from '../support/sending-run.ts';
import { TestSmtpServer } from '../support/smtp.ts';
import { collectClientErrors } from '../support/smtp-faults.ts';

const pgServerUrl = process.env.HERALD_TEST_PG_URL;

const RECIPIENTS = 4000;
/** Bounds that only end a hung run; no assertion depends on how long anything takes. */
const READY_LIMIT_MS = 90_000;
const END_LIMIT_MS = 180_000;

/** Each worker signs its envelopes with its own sender address, so the SMTP server can tell them apart too. */
const WORKERS = [
  { label: 'worker A', from: 'worker-a@herald.test' },
  { label: 'worker B', from: 'worker-b@herald.test' },
];

let workDir: string;
let smtp: TestSmtpServer;
let env: Record<string, string>;
let container: Container | undefined;
let redis: RedisServer | undefined;

before(async () => {
  if (!pgServerUrl) return;
  workDir = mkdtempSync(path.join(os.tmpdir(), 'herald-workers-'));
  redis = await startRedis();
  smtp = await new TestSmtpServer().start();
  collectClientErrors(smtp);
  env = {
    DATA_DIR: path.join(workDir, 'data'),
    DATABASE_URL: await createDatabase(pgServerUrl),
    BASE_URL: 'http://127.0.0.1:3000',
    SECRET_KEY: 'workers-test-secret-key-that-is-long-enough-01',
    SMTP_URL: smtp.url,
    REDIS_URL: redis.url,
    LOG_LEVEL: 'info',
    // Paced so that neither worker can finish the run before the other has woken up to it.
    SEND_RATE_PER_SECOND: '500',
    SEND_RATE_PER_SERVER: '5000',
    SEND_RATE_PER_DOMAIN: '5000',
  };
  container = await createContainer(loadConfig(env), { command: 'herald workers test', logger: pino({ level: 'silent' }) });
});

after(async () => {
  if (!pgServerUrl) return;
  await killStartedHeralds();
  await container?.close();
  await redis?.stop();
  await smtp.stop();
  rmSync(workDir, { recursive: true, force: true });
});

describe('two herald web and two herald worker processes on one PostgreSQL database and one Redis', () => {
  test('one web process starts the run, the workers share it, every recipient is mailed once, the other web process reports it', {
    timeout: 300_000,
    skip: pgServerUrl ? false : 'PostgreSQL only: the embedded database serves one process',
  }, async (t) => {
    const c = container!;
    const fixture = await createMailingFixture(c, RECIPIENTS, 'workers');
    const workers = WORKERS.map(
      ({ label, from }) => new HeraldProcess(['worker'], { cwd: workDir, env: { ...env, MAIL_FROM: `Herald <${from}>` }, label }),
    );
    const ports = [await freePort(), await freePort()];
    const webs = ports.map(
      (port, i) => new HeraldProcess(['web'], { cwd: workDir, env: { ...env, PORT: String(port) }, label: `web ${i + 1}` }),
    );
    await Promise.all([
      ...workers.map((worker) => worker.waitForLine(/Herald worker is running/, READY_LIMIT_MS)),
      ...webs.map((web) => web.waitForLine(/Herald is listening/, READY_LIMIT_MS)),
    ]);

    // "Send now" through the first web process's API, as a client of a scaled-out Herald would.
    const response = await fetch(`http://127.0.0.1:${ports[0]}/api/v1/mailings/${fixture.mailingId}/send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fixture.token}` },
      signal: AbortSignal.timeout(30_000),
    });
    assert.equal(response.status, 201, await response.clone().text());
    const { runId } = (await response.json()) as { runId: number };
    const tails = () => [...webs, ...workers].map((herald) => herald.tail()).join('\n');
    await pollUntil(
      () => workers[1]!.whileRunning(workers[0]!.whileRunning(findEndedRun(c, runId))),
      END_LIMIT_MS,
      () => `the run did not end; ${smtp.received.length} e-mails received\n${tails()}`,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await describeRun(c, runId)}`);
    });
    // The second web process tells the same story as the database.
    const seen = await fetch(`http://127.0.0.1:${ports[1]}/api/v1/mailings/${fixture.mailingId}/runs/${runId}?pageSize=1`, {
      headers: { authorization: `Bearer ${fixture.token}` },
      signal: AbortSignal.timeout(30_000),
    });
    assert.equal(seen.status, 200);
    const shown = (await seen.json()) as { state: string; sent: number };
    assert.deepEqual([shown.state, shown.sent], ['finished', RECIPIENTS]);

    for (const herald of [...webs, ...workers]) {
      const exit = await herald.stop('SIGTERM');
      assert.equal(exit.code, 0, `SIGTERM ends ${herald.label} cleanly\n${herald.tail()}`);
    }

    const audit = await auditRun(c, runId, fixture, smtp.received);
    const { run } = audit;
    assert.deepEqual(
      [run.state, run.total, run.sent, run.failed, run.unknown, run.suppressed],
      ['finished', RECIPIENTS, RECIPIENTS, 0, 0, 0],
      `run counts: ${JSON.stringify(audit.countByState)}`,
    );
    const notOnce = fixture.emails.filter((email) => audit.received.get(email) !== 1);
    assert.deepEqual(
      notOnce,
      [],
      `not received exactly once: ${sample(notOnce.map((e) => `${e} ×${audit.received.get(e) ?? 0}`))}`,
    );
    const notOneSuccess = fixture.emails.filter((email) => {
      const tries = audit.attemptsOf.get(email) ?? [];
      return tries.length !== 1 || !tries[0]!.success;
    });
    assert.deepEqual(notOneSuccess, [], `a delivery without exactly one attempt, successful: ${sample(notOneSuccess)}`);

    // Which worker made each attempt, by the attempts table and by the envelope the server saw.
    const processOf = (worker: string | null) => workers.find((w) => worker?.startsWith(`${w.pid}-`));
    const sentBy = new Map<string, number>();
    const disagreements: string[] = [];
    for (const email of fixture.emails) {
      const worker = processOf(audit.attemptsOf.get(email)?.[0]?.worker ?? null);
      assert.ok(worker, `the attempt to ${email} names one of the two workers (web processes send nothing)`);
      sentBy.set(worker.label, (sentBy.get(worker.label) ?? 0) + 1);
      const envelope = audit.envelopeFromOf.get(email);
      if (envelope !== WORKERS.find((w) => w.label === worker.label)?.from) disagreements.push(`${email}: ${envelope}`);
    }
    assert.deepEqual(disagreements, [], 'the server got each e-mail from the worker its attempt names');
    for (const { label } of WORKERS)
      assert.ok((sentBy.get(label) ?? 0) > 0, `${label} sent some: ${JSON.stringify([...sentBy])}`);
    t.diagnostic(`shares: ${WORKERS.map(({ label }) => `${label} ${sentBy.get(label) ?? 0}`).join(', ')} of ${RECIPIENTS}`);
  });
});
