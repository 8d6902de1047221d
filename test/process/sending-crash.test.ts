/**
 * Crash safety of the sender as the operator meets it: a Herald process is killed with SIGKILL
 * in the middle of a run, again and again, and started again each time. When the run ends every
 * recipient has been mailed exactly once, except the deliveries that were in flight at a kill:
 * those are reported as unknown, never resent and never lost.
 *
 * On the embedded database the process is `herald start` (web, scheduler and sender; each start
 * after a kill takes the stale data-directory lock over). In the runner's PostgreSQL pass it is
 * `herald worker`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { type Container, createContainer } from '../../src/container.ts';
import { HeraldProcess, killStartedHeralds, pollUntil, withLimit } from '../support/herald-process.ts';
import { freePort } from '../support/net.ts';
import { createDatabase } from '../support/postgres.ts';
import {
  auditRun,
  createMailingFixture,
  describeRun,
  findEndedRun,
  type MailingFixture,
  sample,
  startRun,
} from '../support/sending-run.ts';
import { TestSmtpServer } from '../support/smtp.ts';
import { collectClientErrors } from '../support/smtp-faults.ts';

const pgServerUrl = process.env.HERALD_TEST_PG_URL;
const embedded = !pgServerUrl;

/**
 * The size of the run and the number of kills: small in `npm test`, 10,000 recipients and 20
 * kills in `npm run test:crash`. HERALD_CRASH_SEED repeats a run's kill moments.
 */
const RECIPIENTS = Number(process.env.HERALD_CRASH_RECIPIENTS ?? 3000);
const KILLS = Number(process.env.HERALD_CRASH_KILLS ?? 5);
const SEED = Number(process.env.HERALD_CRASH_SEED ?? Date.now() % 1_000_000);
// Small batches and two connections keep what one kill leaves in doubt (the claimed batches) small.
const BATCH_SIZE = 25;
const POOL_SIZE = 2;

/** A small seeded generator (mulberry32), so a failing run can be repeated with its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * When each kill falls. Every other kill waits for a random number of e-mails more to reach the
 * server (so the run moves on between kills); the others strike after a random delay from the
 * start, wherever the process is: still booting, taking the lock over, claiming, sending or
 * writing results. The numbers keep the e-mails that kills consume (sent plus unknown) under the
 * run's size, so every kill falls inside the run.
 */
type KillPoint = { kind: 'after-mails'; mails: number } | { kind: 'after-delay'; ms: number };
function killPoints(count: number, next: () => number): KillPoint[] {
  const mailKills = Math.ceil(count / 2);
  const mostMails = Math.max(1, Math.floor(RECIPIENTS / 2 / mailKills) * 2);
  return Array.from({ length: count }, (_, i) =>
    i % 2 === 0
      ? { kind: 'after-mails', mails: 1 + Math.floor(next() * mostMails) }
      : { kind: 'after-delay', ms: Math.floor(next() * 3000) },
  );
}
const KILL_POINTS = killPoints(KILLS, random(SEED));
const describePoint = (point: KillPoint) =>
  point.kind === 'after-mails' ? `after ${point.mails} more e-mails` : `${point.ms} ms after starting`;
/** Bounds that only end a hung run; no assertion depends on how long anything takes. */
const POINT_LIMIT_MS = 120_000;
const END_LIMIT_MS = 180_000;

let workDir: string;
let smtp: TestSmtpServer;
let env: Record<string, string>;
let container: Container | undefined;

before(async () => {
  workDir = mkdtempSync(path.join(os.tmpdir(), 'herald-crash-'));
  smtp = await new TestSmtpServer().start();
  collectClientErrors(smtp);
  env = {
    DATA_DIR: path.join(workDir, 'data'),
    ...(pgServerUrl ? { DATABASE_URL: await createDatabase(pgServerUrl) } : {}),
    HOST: '127.0.0.1',
    BASE_URL: 'http://127.0.0.1:3000',
    SECRET_KEY: 'crash-test-secret-key-that-is-long-enough-0123',
    SMTP_URL: smtp.url,
    LOG_LEVEL: 'info',
    SEND_BATCH_SIZE: String(BATCH_SIZE),
    SMTP_POOL_SIZE: String(POOL_SIZE),
    // Every address is at example.com on one server: no limit of Herald's may be what paces the run.
    SEND_RATE_PER_SECOND: '5000',
    SEND_RATE_PER_SERVER: '5000',
    SEND_RATE_PER_DOMAIN: '5000',
    // A killed process's leases run out quickly, so the restarted one need not wait long for them.
    SEND_LEASE_SECONDS: '2',
  };
});

after(async () => {
  await killStartedHeralds();
  await container?.close();
  await smtp.stop();
  rmSync(workDir, { recursive: true, force: true });
});

/** A container of the test's own on the processes' database (on PGlite only while no process holds it). */
const openContainer = () => createContainer(loadConfig(env), { command: 'herald crash test', logger: pino({ level: 'silent' }) });

const lockHolder = () => (JSON.parse(readFileSync(path.join(env.DATA_DIR!, 'herald.lock'), 'utf8')) as { pid: number }).pid;

async function launch(label: string): Promise<{ herald: HeraldProcess; base: string }> {
  const port = await freePort();
  const herald = new HeraldProcess(embedded ? ['start'] : ['worker'], {
    cwd: workDir,
    env: { ...env, PORT: String(port) },
    label,
  });
  return { herald, base: `http://127.0.0.1:${port}` };
}

/** The run as the API shows it to its owner once it has ended, or null (also while the server is not up yet). */
async function endedOverHttp(base: string, fixture: MailingFixture, runId: number) {
  try {
    const response = await fetch(`${base}/api/v1/mailings/${fixture.mailingId}/runs/${runId}?pageSize=1`, {
      headers: { authorization: `Bearer ${fixture.token}` },
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) return null;
    const run = (await response.json()) as { state: string };
    return run.state === 'sending' ? null : run;
  } catch {
    return null;
  }
}

const where = () => `${smtp.received.length} e-mails received so far`;

describe(`kill -9 mid-run, then restart (${embedded ? 'herald start on PGlite' : 'herald worker on PostgreSQL'})`, () => {
  test('every recipient is mailed exactly once, except the in-flight ones reported as unknown', {
    timeout: 600_000,
  }, async (t) => {
    container = await openContainer();
    const fixture = await createMailingFixture(container, RECIPIENTS, 'crash');
    const { runId, order } = await startRun(container, fixture);
    assert.equal(order.length, RECIPIENTS);
    // Whether the run is over: through the API on the embedded database, which only Herald holds.
    const runEnded = async (base: string) =>
      embedded ? (await endedOverHttp(base, fixture, runId)) !== null : (await findEndedRun(container!, runId)) !== null;
    if (embedded) {
      // PGlite serves one process: the test lets go of the database before Herald opens it.
      await container.close();
      container = undefined;
    }

    t.diagnostic(`${RECIPIENTS} recipients, ${KILLS} kills, seed ${SEED} (HERALD_CRASH_SEED repeats it)`);
    for (const [i, point] of KILL_POINTS.entries()) {
      const { herald, base } = await launch(`${embedded ? 'herald start' : 'herald worker'} #${i + 1}`);
      if (point.kind === 'after-mails') {
        const target = smtp.received.length + point.mails;
        const reached = await withLimit(
          herald.whileRunning(
            pollUntil(
              async () => (smtp.received.length >= target ? 'reached' : (await runEnded(base)) ? 'ended' : null),
              POINT_LIMIT_MS,
              () => `still short of ${target} e-mails; ${where()}`,
            ),
          ),
          POINT_LIMIT_MS,
          () => `not ${target} e-mails yet (${describePoint(point)}); ${where()}\n${herald.tail()}`,
        );
        assert.equal(reached, 'reached', `the run ended before kill #${i + 1}: ${where()}`);
        if (embedded) assert.equal(lockHolder(), herald.pid, `${herald.label} holds the data directory`);
      } else {
        await herald.whileRunning(new Promise((resolve) => setTimeout(resolve, point.ms)));
      }
      const exit = await herald.stop('SIGKILL');
      assert.equal(exit.signal, 'SIGKILL', herald.tail());
      t.diagnostic(`killed ${herald.label} ${describePoint(point)}: ${smtp.received.length} e-mails received`);
    }

    const { herald: last, base } = await launch(`${embedded ? 'herald start' : 'herald worker'} #${KILL_POINTS.length + 1}`);
    if (embedded) {
      await pollUntil(
        () => last.whileRunning(endedOverHttp(base, fixture, runId)),
        END_LIMIT_MS,
        () => `the run did not end; ${where()}\n${last.tail()}`,
      );
      assert.equal(lockHolder(), last.pid, 'the last start took the stale lock over');
      const exit = await last.stop('SIGTERM');
      assert.equal(exit.code, 0, `SIGTERM ends herald start cleanly\n${last.tail()}`);
      container = await openContainer();
    } else {
      const c = container!;
      await pollUntil(
        () => last.whileRunning(findEndedRun(c, runId)),
        END_LIMIT_MS,
        () => `the run did not end; ${where()}\n${last.tail()}`,
      ).catch(async (error: Error) => {
        throw new Error(`${error.message}\n${await describeRun(c, runId)}`);
      });
      const exit = await last.stop('SIGTERM');
      assert.equal(exit.code, 0, `SIGTERM ends herald worker cleanly\n${last.tail()}`);
    }

    const audit = await auditRun(container!, runId, fixture, smtp.received);
    const { run, stateOf, received } = audit;
    const states = JSON.stringify(audit.countByState);

    assert.equal(audit.deliveriesPerAddress.size, RECIPIENTS, 'one delivery per recipient');
    assert.ok([...audit.deliveriesPerAddress.values()].every((n) => n === 1));
    assert.ok(
      fixture.emails.every((email) => stateOf.has(email)),
      'no recipient is missing from the run',
    );

    assert.equal(run.state, 'finished', states);
    assert.equal(run.total, RECIPIENTS);
    assert.equal(run.sent + run.failed + run.suppressed + run.unknown, run.total, `run counts add up: ${JSON.stringify(run)}`);
    assert.deepEqual(
      { sent: run.sent, unknown: run.unknown, failed: run.failed, suppressed: run.suppressed },
      {
        sent: audit.countByState.sent ?? 0,
        unknown: audit.countByState.unknown ?? 0,
        failed: audit.countByState.failed ?? 0,
        suppressed: audit.countByState.suppressed ?? 0,
      },
      'the run reports what its deliveries say',
    );
    assert.equal(run.failed + run.suppressed, 0, `the server refused nobody: ${states}`);

    const twice = fixture.emails.filter((email) => (received.get(email) ?? 0) > 1 && stateOf.get(email) !== 'unknown');
    assert.deepEqual(twice, [], `mailed more than once: ${sample(twice)}`);
    const sentNotReceived = fixture.emails.filter((email) => stateOf.get(email) === 'sent' && !received.has(email));
    assert.deepEqual(sentNotReceived, [], `recorded as sent but never received: ${sample(sentNotReceived)}`);
    const lost = fixture.emails.filter((email) => !received.has(email) && stateOf.get(email) !== 'unknown');
    assert.deepEqual(lost, [], `neither mailed nor reported as unknown: ${sample(lost)}`);

    const badAttempts = fixture.emails.filter((email) => {
      if (stateOf.get(email) !== 'sent') return false;
      const tries = audit.attemptsOf.get(email) ?? [];
      return tries.length !== 1 || !tries[0]!.success;
    });
    assert.deepEqual(badAttempts, [], `a sent delivery without exactly one successful attempt: ${sample(badAttempts)}`);

    // At most two batches per worker are out at a kill: one being sent, one being written (the sending README).
    const inFlightLimit = KILLS * 2 * BATCH_SIZE;
    assert.ok(
      run.unknown <= inFlightLimit,
      `${run.unknown} unknown after ${KILL_POINTS.length} kills (at most ${inFlightLimit})`,
    );
    const unknowns = fixture.emails.filter((email) => stateOf.get(email) === 'unknown');
    const tookUnknown = unknowns.filter((email) => received.has(email)).length;
    const unknownTwice = unknowns.filter((email) => (received.get(email) ?? 0) > 1).length;
    t.diagnostic(
      `crash report (${embedded ? 'PGlite' : 'PostgreSQL'}, seed ${SEED}): ${RECIPIENTS} recipients, ${KILLS} kills; ` +
        `lost ${lost.length}, duplicates outside unknown ${twice.length}; unknown ${run.unknown} ` +
        `(the server had taken ${tookUnknown} of them, ${unknownTwice} twice), sent ${run.sent}`,
    );
  });
});
