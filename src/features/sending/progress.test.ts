/**
 * Live progress of a run: the figures as server-sent events on `/mailings/:id/runs/:runId/events`,
 * read over real HTTP on 127.0.0.1 while the sender (or "another worker", played by SQL) moves them.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { and, eq, inArray } from 'drizzle-orm';
import Fastify from 'fastify';
import { createUser, ensureAdmin, loginAgent, signedIn, uniqueEmail } from '../../../test/support/accounts.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { seedMailing } from '../../../test/support/sending-run.ts';
import { deliveries, mailingRecipients, mailings, messages, recipients, runs, users } from '../../db/schema.ts';
import { translator } from '../../i18n/i18n.ts';
import { toActor } from '../auth/auth.service.ts';
import type { UserRow } from '../users/users.repository.ts';
import { measureProgress } from './progress.ts';
import { createRunEvents, MAX_STREAMS_PER_SESSION, type RunSnapshot } from './sending.pages.tsx';
import { createSendingRepository } from './sending.repository.ts';
import { formatDuration } from './sending.views.tsx';

// Every test awaits events; this only bounds a hang (such as a close that waits for a stream).
const limit = { timeout: 60_000 };

/** Listens on 127.0.0.1 and returns the address to reach it at. */
async function listen(app: TestApp['app']): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

let t: TestApp;
let base: string;
before(async () => {
  t = await createTestApp();
  await ensureAdmin(t);
  base = await listen(t.app);
});
after(() => t.close());

/**
 * A user's mailing to `count` fresh addresses, paused so this process's sender leaves its run
 * alone until the test says, and a run of it started as "send now" starts one.
 */
async function pausedRun(count: number, owner?: UserRow) {
  const { user, mailingId, emails } = await seedMailing(t.c, count, {
    ...(owner ? { owner } : {}),
    label: 'progress',
    paused: true,
  });
  const runId = await createSendingRepository(t.c.db).createRun({
    mailingId,
    trigger: 'manual',
    occurrenceAt: null,
    startedBy: user.id,
  });
  const path = `/mailings/${mailingId}/runs/${runId}`;
  return { user, mailingId, runId: runId!, path, emails };
}

/**
 * An event stream read over HTTP, one `data:` event at a time. Plain node:http on a connection of
 * its own, so closing it closes exactly that connection, as a browser tab that goes away does.
 */
async function openEvents(url: string, cookie: string) {
  const request = http.get(url, { agent: false, headers: { cookie, accept: 'text/event-stream' } });
  const [response] = (await once(request, 'response')) as [http.IncomingMessage];
  response.setEncoding('utf8');
  const chunks = response[Symbol.asyncIterator]() as AsyncIterator<string>;
  let buffer = '';
  const stream = {
    status: response.statusCode,
    headers: response.headers,
    /** The next event's data, or null once the server has ended the stream. */
    async next(): Promise<RunSnapshot | null> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6));
          if (data.length > 0) return JSON.parse(data.join('\n')) as RunSnapshot;
          continue;
        }
        const chunk = await chunks.next();
        if (chunk.done) return null;
        buffer += chunk.value;
      }
    },
    /** Reads on until an event matches; fails if the stream ends first. */
    async until(wanted: (snapshot: RunSnapshot) => boolean): Promise<RunSnapshot> {
      for (;;) {
        const snapshot = await stream.next();
        assert.ok(snapshot, 'the stream ended before the awaited figures');
        if (wanted(snapshot)) return snapshot;
      }
    },
    /** The whole body, for an answer that is no stream. */
    async text(): Promise<string> {
      for (let chunk = await chunks.next(); !chunk.done; chunk = await chunks.next()) buffer += chunk.value;
      return buffer;
    },
    /** Goes away as a browser tab does. */
    close: () => request.destroy(),
  };
  return stream;
}

describe('figures as the page and the stream compute them', () => {
  const counts = { queued: 50, sending: 10, sent: 30, failed: 10, suppressed: 2, unknown: 0 };

  test('rate between two samples and the ETA it gives; none once nothing moves or the run is over', () => {
    const measured = measureProgress(counts, true, { at: 0, done: 0 }, { at: 20_000, done: 40 });
    assert.deepEqual(measured, { ...counts, remaining: 60, rate: 2, etaSeconds: 30 });
    const stalled = measureProgress(counts, true, { at: 0, done: 40 }, { at: 10_000, done: 40 });
    assert.deepEqual([stalled.rate, stalled.etaSeconds], [0, null]);
    const over = measureProgress({ ...counts, queued: 0, sending: 0 }, false, { at: 0, done: 0 }, { at: 20_000, done: 40 });
    assert.deepEqual([over.remaining, over.etaSeconds], [0, null]);
    // The first look at a run that just started counts a full second, not a burst over a few milliseconds.
    assert.equal(measureProgress(counts, true, { at: 0, done: 0 }, { at: 200, done: 5 }).rate, 5);
  });

  test('durations read as people say them', () => {
    assert.deepEqual(
      [0, 42, 60, 200, 3599, 3600, 7500, -3].map((seconds) => formatDuration(seconds)),
      ['0 s', '42 s', '1 min 0 s', '3 min 20 s', '59 min 59 s', '1 h 0 min', '2 h 5 min', '0 s'],
    );
  });
});

describe('the run page', () => {
  test('shows the figures and a labelled bar without JavaScript, and links its same-origin script while sending', async () => {
    const run = await pausedRun(3);
    await t.c.db.update(deliveries).set({ state: 'sent' }).where(eq(deliveries.email, run.emails[0]!));
    const agent = await loginAgent(t, run.user.email);
    const page = await agent.get(run.path);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<label for="run-bar"><span id="run-done">1<\/span> of 3 deliveries done<\/label>/);
    assert.match(page.body, /<progress id="run-bar" max="3" value="1"/);
    assert.match(page.body, /id="run-sent">1</);
    assert.match(page.body, /id="run-remaining">2</);
    assert.match(page.body, new RegExp(`data-events="${run.path}/events"`));
    assert.match(page.body, /<script type="module" src="\/assets\/run-progress\.[0-9a-f]{16}\.js">/);
    assert.doesNotMatch(page.body, /<script(?![^>]*\bsrc=)/, 'no inline script: the CSP allows none');
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    // Without JavaScript the page reloads itself; with it, the refresh is inert and the script takes over.
    assert.match(page.body, /<noscript><meta http-equiv="refresh" content="2"\/?><\/noscript>/);
    assert.match(page.body, new RegExp(`<a href="${run.path}">Refresh</a>`));

    await t.c.db.update(runs).set({ state: 'finished', finishedAt: new Date() }).where(eq(runs.id, run.runId));
    const finished = await agent.get(run.path);
    assert.doesNotMatch(finished.body, /run-progress\.js|http-equiv="refresh"|data-events=/);
    assert.match(finished.body, /<span id="run-state">Finished<\/span>/);
  });

  test('its script is served as a file of Herald’s own, as the CSP requires', async () => {
    const script = await t.app.inject({ method: 'GET', url: '/assets/run-progress.js' });
    assert.equal(script.statusCode, 200);
    assert.match(String(script.headers['content-type']), /^(application|text)\/javascript/);
    assert.match(script.body, /new EventSource\(/);
  });
});

describe('the run page in Russian', () => {
  test('figures, states and the counts of deliveries in Russian, with the live script’s texts', async () => {
    const owner = await createUser(t.c);
    await t.c.db.update(users).set({ language: 'ru' }).where(eq(users.id, owner.id));
    const agent = await loginAgent(t, owner.email);
    const counts: [number, string][] = [
      [1, 'из 1 доставки выполнено'],
      [3, 'из 3 доставок выполнено'],
      [5, 'из 5 доставок выполнено'],
      [21, 'из 21 доставки выполнено'],
    ];
    for (const [count, done] of counts) {
      const run = await pausedRun(count, owner);
      const page = await agent.get(run.path);
      assert.match(page.body, new RegExp(`<span id="run-done">0</span> ${done}</label>`));
      assert.match(page.body, /<h1>Запуск №\d+ · <span id="run-state">Отправляется<\/span><\/h1>/);
      assert.match(page.body, /, источник: Отправить сейчас/);
      assert.match(page.body, /<p>отправлено<\/p>/);
      assert.match(page.body, /<span id="run-rate">0,0<\/span> писем в секунду/);
      assert.match(page.body, /data-texts="[^"]*осталось около \{\{duration\}\}/);
      assert.match(page.body, /data-state-labels="[^"]*Завершён/);
      assert.doesNotMatch(page.body, /deliveries done|e-mails a second|Sending|Refresh/);
    }

    const run = await pausedRun(3, owner);
    const [, second, third] = run.emails;
    await t.c.db
      .update(deliveries)
      .set({ state: 'unknown' })
      .where(and(eq(deliveries.runId, run.runId), inArray(deliveries.email, [second!, third!])));
    await t.c.db.update(runs).set({ state: 'finished', finishedAt: new Date() }).where(eq(runs.id, run.runId));
    const finished = await agent.get(run.path);
    assert.match(finished.body, /2 доставки отправлялись, когда обработчик остановился/);
    assert.match(finished.body, /<span id="run-state">Завершён<\/span>/);
    assert.match(finished.body, /<td>неизвестно<\/td>/);
    assert.match(finished.body, />в очереди<\/a>/);
  });

  test('durations in Russian, as the live script writes them', () => {
    const russian = translator('ru');
    assert.deepEqual(
      [42, 200, 7500].map((seconds) => formatDuration(seconds, russian)),
      ['42 с', '3 мин 20 с', '2 ч 5 мин'],
    );
  });
});

describe('the event stream of a run', () => {
  test('sends the figures at once, again when another worker moves them, and ends when the run finishes', limit, async () => {
    const run = await pausedRun(5);
    const agent = await loginAgent(t, run.user.email);
    const events = await openEvents(`${base}${run.path}/events`, agent.cookieHeader());
    assert.equal(events.status, 200);
    assert.equal(events.headers['content-type'], 'text/event-stream; charset=utf-8');
    assert.equal(events.headers['cache-control'], 'no-store');

    assert.deepEqual(await events.next(), {
      runId: run.runId,
      state: 'sending',
      total: 5,
      finished: false,
      queued: 5,
      sending: 0,
      sent: 0,
      failed: 0,
      suppressed: 0,
      unknown: 0,
      remaining: 5,
      rate: 0,
      etaSeconds: null,
    });

    // Another worker process settles three deliveries at once: nothing in this process tells the stream.
    const [first, second, third] = run.emails;
    await t.c.db.transaction(async (tx) => {
      await tx
        .update(deliveries)
        .set({ state: 'sent' })
        .where(and(eq(deliveries.runId, run.runId), inArray(deliveries.email, [first!, second!])));
      await tx
        .update(deliveries)
        .set({ state: 'failed' })
        .where(and(eq(deliveries.runId, run.runId), eq(deliveries.email, third!)));
    });
    const moved = await events.next();
    assert.deepEqual(
      [moved?.queued, moved?.sent, moved?.failed, moved?.remaining, moved?.finished],
      [2, 2, 1, 2, false],
      JSON.stringify(moved),
    );
    assert.ok(moved!.rate > 0 && moved!.etaSeconds! > 0, 'deliveries settled, so there is a rate and an ETA');

    // The owner resumes: this process's sender sends the rest and finishes the run.
    await t.c.db.update(mailings).set({ pausedAt: null }).where(eq(mailings.id, run.mailingId));
    t.c.sender.wake();
    const last = await events.until((snapshot) => snapshot.finished);
    assert.deepEqual(
      [last.state, last.sent, last.failed, last.queued, last.sending, last.remaining, last.etaSeconds],
      ['finished', 4, 1, 0, 0, 0, null],
    );
    assert.equal(await events.next(), null, 'the stream ends with the run');
    assert.equal(t.smtp!.received.filter((mail) => run.emails.slice(3).includes(mail.to[0]!)).length, 2);
  });

  test('someone else, a guest and hostile ids get what the run page gives them; a manager follows any run', limit, async () => {
    const run = await pausedRun(1);
    await t.c.db.update(runs).set({ state: 'finished', finishedAt: new Date() }).where(eq(runs.id, run.runId));
    const owner = await loginAgent(t, run.user.email);
    const other = (await signedIn(t)).agent;
    const manager = (await signedIn(t, { role: 'manager' })).agent;
    const elsewhere = await pausedRun(1, run.user);

    const mine = await owner.get(`${run.path}/events`);
    assert.equal(mine.statusCode, 200);
    assert.match(mine.body, /^retry: \d+\n\ndata: \{.*"finished":true.*\}\n\n$/s, 'a finished run: one event, then the end');
    const watched = await manager.get(`${run.path}/events`);
    assert.equal(watched.statusCode, 200);
    assert.match(watched.body, new RegExp(`"runId":${run.runId},"state":"finished"`));

    for (const agent of [other, owner]) {
      const urls =
        agent === other
          ? [run.path]
          : [
              `/mailings/abc/runs/${run.runId}`,
              `/mailings/-1/runs/${run.runId}`,
              `/mailings/999999999999999999999/runs/${run.runId}`,
              `/mailings/${run.mailingId}/runs/abc`,
              `/mailings/${run.mailingId}/runs/-1`,
              `/mailings/${run.mailingId}/runs/999999999999999999999`,
              `/mailings/${run.mailingId}/runs/1.5`,
              `/mailings/${run.mailingId}/runs/%00`,
              `/mailings/${elsewhere.mailingId}/runs/${run.runId}`, // a run of another mailing
            ];
      for (const url of urls) {
        assert.equal((await agent.get(url)).statusCode, 404, `${url} (the page)`);
        const refused = await agent.get(`${url}/events`);
        assert.equal(refused.statusCode, 404, `${url}/events`);
        assert.match(String(refused.headers['content-type']), /^text\/html/);
      }
    }
    const guest = await t.app.inject({ method: 'GET', url: `${run.path}/events` });
    assert.equal(guest.statusCode, 303);
    assert.equal(guest.headers.location, `/login?next=${encodeURIComponent(`${run.path}/events`)}`);
  });

  test(`one session holds at most ${MAX_STREAMS_PER_SESSION} streams; another session still gets one`, limit, async () => {
    const run = await pausedRun(1);
    const agent = await loginAgent(t, run.user.email);
    const url = `${base}${run.path}/events`;
    const open = [];
    for (let i = 0; i < MAX_STREAMS_PER_SESSION; i++) {
      const events = await openEvents(url, agent.cookieHeader());
      assert.equal((await events.next())?.runId, run.runId);
      open.push(events);
    }
    const refused = await openEvents(url, agent.cookieHeader());
    assert.equal(refused.status, 429);
    assert.match(await refused.text(), /Too many live progress pages/);
    const elsewhere = await openEvents(url, (await loginAgent(t, run.user.email)).cookieHeader());
    assert.equal(elsewhere.status, 200);
    assert.equal((await elsewhere.next())?.remaining, 1);
    for (const events of [...open, elsewhere]) events.close();
  });
});

describe('streams and the server’s life', () => {
  test('a client that goes away leaves no stream and no timer behind', limit, async (tc) => {
    const run = await pausedRun(2);
    const baseline = t.c.sender.events.listenerCount('batch');
    // The stream's own factory on a bare server, to watch its streams; the access rule is the app's (getRun).
    const runEvents = createRunEvents({ sending: t.c.sending, senderEvents: t.c.sender.events });
    const bare = Fastify();
    bare.decorateRequest('actor', null);
    bare.decorateRequest('sessionToken', null);
    bare.addHook('onRequest', async (request) => {
      request.actor = toActor(run.user, 'session');
    });
    bare.get('/mailings/:id/runs/:runId/events', runEvents.stream);
    tc.after(async () => {
      await runEvents.close();
      await bare.close();
    });
    const events = await openEvents(`${await listen(bare as unknown as TestApp['app'])}${run.path}/events`, '');
    assert.equal((await events.next())?.remaining, 2);
    assert.equal(runEvents.openStreams(), 1);

    const ended = once(runEvents.events, 'ended');
    events.close();
    assert.deepEqual(await ended, [{ runId: run.runId, reason: 'disconnected' }]);
    assert.equal(runEvents.openStreams(), 0, 'its timer was cleared with it');
    await runEvents.close();
    assert.equal(t.c.sender.events.listenerCount('batch'), baseline, 'closed, it no longer listens to the sender');
  });

  test('closing the server ends open streams instead of waiting for them', limit, async () => {
    const other = await createTestApp();
    let closed = false;
    try {
      await ensureAdmin(other);
      const address = await listen(other.app);
      const user = await createUser(other.c);
      const [message] = await other.c.db.insert(messages).values({ ownerId: user.id, subject: 'Hi', body: 'Hello' }).returning();
      const [recipient] = await other.c.db.insert(recipients).values({ ownerId: user.id, email: uniqueEmail() }).returning();
      const [mailing] = await other.c.db
        .insert(mailings)
        .values({
          ownerId: user.id,
          name: 'Closing',
          messageId: message!.id,
          startsAt: new Date(Date.now() + 86_400_000),
          endsAt: new Date(Date.now() + 365 * 86_400_000),
          timeZone: 'UTC',
          schedule: { kind: 'once' },
          pausedAt: new Date(),
        })
        .returning();
      await other.c.db.insert(mailingRecipients).values({ mailingId: mailing!.id, recipientId: recipient!.id });
      const runId = await createSendingRepository(other.c.db).createRun({
        mailingId: mailing!.id,
        trigger: 'manual',
        occurrenceAt: null,
        startedBy: user.id,
      });
      const agent = await loginAgent(other, user.email);
      const events = await openEvents(`${address}/mailings/${mailing!.id}/runs/${runId}/events`, agent.cookieHeader());
      assert.equal((await events.next())?.state, 'sending');

      await other.close();
      closed = true;
      assert.equal(await events.next(), null, 'the stream ended with the server');
    } finally {
      if (!closed) await other.close();
    }
  });
});
