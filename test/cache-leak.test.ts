import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.ts';
import type { Config } from '../src/config.ts';
import { type Container, createContainer } from '../src/container.ts';
import { mailings, messages, recipients } from '../src/db/schema.ts';
import { toActor } from '../src/features/auth/auth.service.ts';
import { createMailingsRepository } from '../src/features/mailings/mailings.repository.ts';
import { createMailingsService } from '../src/features/mailings/mailings.service.ts';
import { createSendingRepository } from '../src/features/sending/sending.repository.ts';
import type { Role } from '../src/permissions.ts';
import { createUser, ensureAdmin, PASSWORD, signedIn, uniqueEmail } from './support/accounts.ts';
import { Agent } from './support/agent.ts';
import { createTestApp, type TestApp } from './support/app.ts';
import { freePort } from './support/net.ts';
import { type RedisServer, startRedis } from './support/redis.ts';
import { seedMailing } from './support/sending-run.ts';

/*
 * SPEC §3 Caching: nobody ever sees someone else's data, or stale data after their own change —
 * with the cache in memory, with Redis, and with Redis shared by two web processes.
 */

let redisServer: Promise<RedisServer> | undefined;
const redis = () => {
  redisServer ??= startRedis();
  return redisServer;
};
after(async () => {
  if (redisServer) await (await redisServer).stop();
});

interface Figures {
  mailings: number;
  running: number;
  uniqueRecipients: number;
}

/** The three figures as the home page shows them. */
function figuresIn(html: string): Figures {
  const figure = (id: string) => {
    const match = new RegExp(`id="figure-${id}">(\\d+)<`).exec(html);
    assert.ok(match, `the home page shows figure-${id}`);
    return Number(match[1]);
  };
  return { mailings: figure('mailings'), running: figure('running'), uniqueRecipients: figure('recipients') };
}

/** Everyone's figures straight from the database, with no cache at all. */
const truth = (c: Container) =>
  createMailingsService({ repository: createMailingsRepository(c.db), audit: c.audit, clock: c.clock }).figures(null);

/** A second web process on the same database and Redis: its own container, cache client and limits. */
async function secondProcess(first: TestApp, overrides: Partial<Config> = {}) {
  const config = { ...first.c.config, ...overrides } as Config;
  const c = await createContainer(config, config.databaseUrl ? {} : { database: first.c.database });
  const app = await buildApp(c);
  await app.ready();
  return {
    app,
    c,
    async close() {
      await app.close();
      await c.close();
    },
  };
}

/** Posts a form with repeated fields, as a browser does. */
async function postForm(app: FastifyInstance, agent: Agent, url: string, values: Record<string, string | string[]>) {
  const pairs = Object.entries(values).flatMap(([k, v]) => [v].flat().map((x): [string, string] => [k, x]));
  const payload = new URLSearchParams([['_csrf', await agent.csrfToken()], ...pairs]).toString();
  const headers = { cookie: agent.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' };
  return app.inject({ method: 'POST', url, payload, headers });
}

/** A signed-in person with a message, `recipients` recipients and `mailings` mailings, all made through the pages. */
async function person(t: TestApp, role: Role, recipients: number, mailings: number) {
  const { user, agent } = await signedIn(t, { role });
  const [message] = await t.c.db.insert(messages).values({ ownerId: user.id, subject: 'Hello', body: 'Hi' }).returning();
  for (let i = 0; i < recipients; i++) {
    assert.equal((await agent.post('/recipients', { email: uniqueEmail('r') })).statusCode, 303);
  }
  const form = {
    name: 'News',
    messageId: String(message?.id),
    allRecipients: 'on',
    timeZone: 'UTC',
    startsAt: '2030-12-01T09:00',
    endsAt: '2031-01-31T18:00',
    scheduleKind: 'weekly',
    weekdays: ['1'],
  };
  for (let i = 0; i < mailings; i++) {
    const created = await postForm(t.app, agent, '/mailings', form);
    assert.equal(created.statusCode, 303, created.body.slice(0, 300));
  }
  return { user, agent, addRecipient: () => agent.post('/recipients', { email: uniqueEmail('new') }), form };
}

for (const mode of ['memory', 'redis'] as const) {
  describe(`cache in ${mode}`, () => {
    let t: TestApp;
    before(async () => {
      // Database 1 of the test's own Redis: one Redis database per Herald instance.
      t = await createTestApp({ devMailbox: true, env: mode === 'redis' ? { REDIS_URL: `${(await redis()).url}/1` } : {} });
      await ensureAdmin(t);
    });
    after(() => t?.close());

    test('the container uses the cache the configuration asks for', () => {
      assert.equal(t.c.cache.kind, mode);
    });

    test('two users and a manager each see exactly their own figures, whatever order warmed the cache', async () => {
      const a = await person(t, 'user', 2, 1);
      const b = await person(t, 'user', 3, 2);
      const m = await person(t, 'manager', 1, 0);
      const anonymous = new Agent(t.app);
      const everyone = await truth(t.c);
      assert.ok(everyone.uniqueRecipients >= 6 && everyone.mailings >= 3);
      const expected = new Map<Agent, Figures>([
        [a.agent, { mailings: 1, running: 0, uniqueRecipients: 2 }],
        [b.agent, { mailings: 2, running: 0, uniqueRecipients: 3 }],
        [m.agent, everyone],
        [anonymous, everyone],
      ]);
      const orders = [
        [m.agent, a.agent, anonymous, b.agent],
        [a.agent, b.agent, m.agent, anonymous],
        [anonymous, b.agent, a.agent, m.agent],
      ];
      for (const order of orders) {
        for (const viewer of order) {
          const page = await viewer.get('/');
          assert.equal(page.statusCode, 200);
          assert.deepEqual(figuresIn(page.body), expected.get(viewer));
        }
      }
    });

    test('recipient list totals are each reader’s own, and move with every add, edit and delete', async () => {
      const a = await person(t, 'user', 2, 0);
      const b = await person(t, 'user', 3, 0);
      const m = await person(t, 'manager', 0, 0);
      const total = async (agent: Agent, query = '') => {
        const answer = await agent.api('GET', `/api/v1/recipients${query}`);
        assert.equal(answer.statusCode, 200);
        return (answer.json() as { total: number }).total;
      };
      const everyone = async () => (await t.c.db.$count(recipients)) as number;
      // Warm every total first, in an order that would hand one reader's total to another.
      for (const agent of [m.agent, a.agent, b.agent]) await total(agent);
      assert.equal(await total(a.agent), 2);
      assert.equal(await total(b.agent), 3);
      assert.equal(await total(m.agent), await everyone());
      assert.equal(await total(a.agent, '?q=zzz-no-such'), 0, 'a search has a total of its own');

      assert.equal((await a.addRecipient()).statusCode, 303);
      assert.equal(await total(a.agent), 3, 'the owner’s next list counts the new recipient');
      assert.equal(await total(m.agent), await everyone(), 'and so does the manager’s');
      assert.equal(await total(b.agent), 3, 'another user’s total is untouched');

      const [first] = (await a.agent.api('GET', '/api/v1/recipients')).json().items as { id: number }[];
      assert.equal((await a.agent.api('DELETE', `/api/v1/recipients/${first?.id}`)).statusCode, 204);
      assert.equal(await total(a.agent), 2);
      assert.equal(await total(m.agent), await everyone());

      // Deleting a user takes their recipients out of everyone's total at once.
      const admin = await createUser(t.c, { role: 'admin' });
      await t.c.oversight.deleteUser(toActor(admin, 'session'), b.user.id);
      assert.equal(await total(m.agent), await everyone());
    });

    test('a user’s own change shows on their next request, and in everyone’s figures, not in another user’s', async () => {
      const a = await person(t, 'user', 1, 0);
      const b = await person(t, 'user', 2, 0);
      const m = await person(t, 'manager', 0, 0);
      const anonymous = new Agent(t.app);
      const figuresOf = async (agent: Agent) => figuresIn((await agent.get('/')).body);
      const before = await truth(t.c);
      assert.deepEqual(await figuresOf(a.agent), { mailings: 0, running: 0, uniqueRecipients: 1 });
      assert.deepEqual(await figuresOf(b.agent), { mailings: 0, running: 0, uniqueRecipients: 2 });
      assert.deepEqual(await figuresOf(m.agent), before);
      assert.deepEqual(await figuresOf(anonymous), before);

      assert.equal((await a.addRecipient()).statusCode, 303);
      assert.deepEqual(await figuresOf(a.agent), { mailings: 0, running: 0, uniqueRecipients: 2 });
      const withRecipient = { ...before, uniqueRecipients: before.uniqueRecipients + 1 };
      assert.deepEqual(await figuresOf(m.agent), withRecipient);
      assert.deepEqual(await figuresOf(anonymous), withRecipient);
      assert.deepEqual(await figuresOf(b.agent), { mailings: 0, running: 0, uniqueRecipients: 2 }, 'B is untouched');

      assert.equal((await postForm(t.app, a.agent, '/mailings', a.form)).statusCode, 303);
      assert.deepEqual(await figuresOf(a.agent), { mailings: 1, running: 0, uniqueRecipients: 2 });
      assert.deepEqual(await figuresOf(anonymous), { ...withRecipient, mailings: before.mailings + 1 });
      assert.deepEqual(await figuresOf(m.agent), await truth(t.c));
    });

    test('a deleted recipient and a deleted mailing leave the figures at once', async () => {
      const a = await person(t, 'user', 2, 1);
      const page = async () => figuresIn((await a.agent.get('/')).body);
      assert.deepEqual(await page(), { mailings: 1, running: 0, uniqueRecipients: 2 });
      const list = await a.agent.get('/mailings');
      const mailingId = /href="\/mailings\/(\d+)"/.exec(list.body)?.[1];
      assert.equal((await a.agent.post(`/mailings/${mailingId}/delete`)).statusCode, 303);
      assert.deepEqual(await page(), { mailings: 0, running: 0, uniqueRecipients: 2 });
      const recipientId = /href="\/recipients\/(\d+)"/.exec((await a.agent.get('/recipients')).body)?.[1];
      assert.equal((await a.agent.post(`/recipients/${recipientId}/delete`)).statusCode, 303);
      assert.deepEqual(await page(), { mailings: 0, running: 0, uniqueRecipients: 1 });
    });

    test('statistics: a run sent after the figures were cached shows at once, to its owner and managers only', async () => {
      const a = await signedIn(t);
      const b = await signedIn(t);
      const m = await signedIn(t, { role: 'manager' });
      const totals = async (agent: Agent, query = '') =>
        (await agent.get(`/api/v1/stats${query}`)).json().totals as Record<string, number>;
      const zero = { successful: 0, failed: 0, sent: 0 };
      assert.deepEqual(await totals(a.agent), zero);
      assert.deepEqual(await totals(b.agent), zero);
      const everyoneBefore = await totals(m.agent, '?scope=all');

      // A run created while its mailing is paused, and let go without any page or API call: only the
      // sender's own writes can tell the cache that the figures changed.
      const { mailingId } = await seedMailing(t.c, 3, { owner: a.user, label: 'cached-stats', paused: true });
      await createSendingRepository(t.c.db).createRun({ mailingId, trigger: 'manual', occurrenceAt: null, startedBy: a.user.id });
      assert.deepEqual(await totals(a.agent), zero, 'cached while nothing is sent');
      const finished = once(t.c.sender.events, 'finished');
      await t.c.db.update(mailings).set({ pausedAt: null }).where(eq(mailings.id, mailingId));
      t.c.sender.wake();
      await finished;

      assert.deepEqual(await totals(a.agent), { successful: 3, failed: 0, sent: 3 }, 'the owner sees the run at once');
      assert.deepEqual(await totals(b.agent), zero, 'another user still sees only their own');
      const everyone = await totals(m.agent, '?scope=all');
      assert.equal(everyone.sent, (everyoneBefore.sent ?? 0) + 3, 'the manager’s whole-instance figures moved on');
    });

    test('blog: the cached list shows a post once published, its edit at once, and drops it when unpublished', async () => {
      const author = await signedIn(t);
      const manager = await signedIn(t, { role: 'manager' });
      const reader = new Agent(t.app);
      const titles = async () => ((await reader.get('/api/v1/posts')).json().items as { title: string }[]).map((p) => p.title);
      const before = await titles();
      const created = await author.agent.api('POST', '/api/v1/posts', { title: 'Cached news', body: 'First words' });
      assert.equal(created.statusCode, 201);
      const slug = created.json().slug as string;
      assert.deepEqual(await titles(), before, 'a draft is not listed');
      assert.equal((await manager.agent.api('POST', `/api/v1/posts/${slug}/publish`, {})).statusCode, 200);
      assert.ok((await titles()).includes('Cached news'), 'published: listed on the next request');
      const page = await reader.get(`/blog/${slug}`);
      assert.match(page.body, /First words/);
      assert.equal(
        (await author.agent.api('PATCH', `/api/v1/posts/${slug}`, { title: 'Cached news', body: 'Second words' })).statusCode,
        200,
      );
      const edited = await reader.get(`/blog/${slug}`);
      assert.match(edited.body, /Second words/, 'the rendered body follows the edit');
      assert.doesNotMatch(edited.body, /First words/);
      assert.equal((await manager.agent.api('POST', `/api/v1/posts/${slug}/unpublish`, {})).statusCode, 200);
      assert.ok(!(await titles()).includes('Cached news'), 'unpublished: gone from the list at once');
    });

    if (mode === 'redis') {
      test('two web processes share the cache: a write through one shows on the other’s next request', async () => {
        const other = await secondProcess(t);
        try {
          const a = await person(t, 'user', 1, 0);
          const onOther = new Agent(other.app);
          onOther.cookies.set('herald_session', a.agent.cookies.get('herald_session') ?? '');
          const anonymousOnOther = new Agent(other.app);
          assert.deepEqual(figuresIn((await onOther.get('/')).body), { mailings: 0, running: 0, uniqueRecipients: 1 });
          const everyone = figuresIn((await anonymousOnOther.get('/')).body);
          assert.equal((await a.addRecipient()).statusCode, 303, 'written through the first process');
          assert.deepEqual(figuresIn((await onOther.get('/')).body), { mailings: 0, running: 0, uniqueRecipients: 2 });
          assert.deepEqual(figuresIn((await anonymousOnOther.get('/')).body), {
            ...everyone,
            uniqueRecipients: everyone.uniqueRecipients + 1,
          });
        } finally {
          await other.close();
        }
      });

      test('the account rate limit counts requests of both processes together', async () => {
        const limits = { authRateLimitPerMinute: 4 };
        const [p, q] = [await secondProcess(t, limits), await secondProcess(t, limits)];
        try {
          const ip = `10.77.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
          const [onP, onQ] = [new Agent(p.app, ip), new Agent(q.app, ip)];
          const attempt = (agent: Agent) => agent.post('/login', { email: uniqueEmail('nobody'), password: 'wrong-password' });
          for (const agent of [onP, onQ, onP, onQ]) assert.notEqual((await attempt(agent)).statusCode, 429);
          assert.equal((await attempt(onP)).statusCode, 429, 'the fifth request of the minute, whichever process gets it');
          assert.equal((await attempt(onQ)).statusCode, 429);
        } finally {
          await p.close();
          await q.close();
        }
      });

      test('failed logins for one address are counted by both processes together', async () => {
        const config = t.c.config;
        const limits = { login: { ...config.login, maxFailuresPerAddress: 3 } };
        const [p, q] = [await secondProcess(t, limits), await secondProcess(t, limits)];
        try {
          const user = await createUser(t.c);
          const ip = (n: number) => `10.78.${n}.${Math.floor(Math.random() * 250)}`;
          const login = (app: FastifyInstance, n: number, password: string) =>
            new Agent(app, ip(n)).post('/login', { email: user.email, password });
          for (const [app, n] of [
            [p.app, 1],
            [q.app, 2],
            [p.app, 3],
          ] as const) {
            assert.notEqual((await login(app, n, 'wrong-password')).statusCode, 303);
          }
          const refused = await login(q.app, 4, PASSWORD);
          assert.equal(refused.statusCode, 429, 'the right password is refused after three failures in two processes');
          assert.match(refused.body, /Too many failed log-in attempts/);
        } finally {
          await p.close();
          await q.close();
        }
      });
    }
  });
}

describe('Redis unreachable', () => {
  let t: TestApp;
  before(async () => {
    // Nothing listens on this port: start-up must not hang, and pages must not fail.
    t = await createTestApp({ devMailbox: true, env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}` } });
    await ensureAdmin(t);
  });
  after(() => t?.close());

  test('pages still answer, with figures computed without the cache, and own changes show', async () => {
    assert.equal((await t.app.inject({ method: 'GET', url: '/' })).statusCode, 200);
    const a = await person(t, 'user', 1, 0);
    assert.deepEqual(figuresIn((await a.agent.get('/')).body), { mailings: 0, running: 0, uniqueRecipients: 1 });
    assert.equal((await a.addRecipient()).statusCode, 303);
    assert.deepEqual(figuresIn((await a.agent.get('/')).body), { mailings: 0, running: 0, uniqueRecipients: 2 });
  });

  test('logging in works: rate limits and failure counts fall back to this process', async () => {
    const user = await createUser(t.c);
    const wrong = await new Agent(t.app, '10.79.0.1').post('/login', { email: user.email, password: 'wrong-password' });
    assert.equal(wrong.statusCode, 401);
    const right = await new Agent(t.app, '10.79.0.1').post('/login', { email: user.email, password: PASSWORD });
    assert.equal(right.statusCode, 303);
  });
});
