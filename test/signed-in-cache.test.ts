import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { buildApp } from '../src/app.ts';
import { createContainer } from '../src/container.ts';
import { queryRows } from '../src/db/client.ts';
import { API_TOKEN_PREFIX, toActor } from '../src/features/auth/auth.service.ts';
import type { Actor } from '../src/permissions.ts';
import { createUser, loginAgent, PASSWORD, signedIn, uniqueEmail } from './support/accounts.ts';
import { Agent, bearer } from './support/agent.ts';
import { createTestApp, type TestApp, testDb } from './support/app.ts';
import { type RedisServer, startRedis } from './support/redis.ts';

/*
 * Who is signed in is cached between requests (one query fewer on every page and API call). Each
 * test warms that cache with two requests, changes something through Herald, and checks that the
 * very next request sees the change: in memory, in Redis, and across processes on PostgreSQL.
 */

let redisServer: Promise<RedisServer> | undefined;
after(async () => {
  if (redisServer) await (await redisServer).stop();
});

/** A request that needs a signed-in user: 200 when the agent is one, else the login redirect. */
const recipientsPage = async (agent: Agent) => (await agent.get('/recipients')).statusCode;

/** Two requests, so the second one is answered from the cache. */
async function warmed(agent: Agent) {
  assert.equal(await recipientsPage(agent), 200);
  assert.equal(await recipientsPage(agent), 200);
}

/** A second agent with the same session cookie: another browser tab, or a stolen cookie. */
function sameSession(t: TestApp, agent: Agent) {
  const copy = new Agent(t.app);
  for (const [name, value] of agent.cookies) copy.cookies.set(name, value);
  return copy;
}

for (const mode of ['memory', 'redis'] as const) {
  describe(`signed-in people cached in ${mode}`, () => {
    let t: TestApp;
    let admin: Actor;
    /** The test clock runs this far ahead of the real one. */
    let ahead = 0;
    before(async () => {
      redisServer ??= mode === 'redis' ? startRedis() : undefined;
      const env: Record<string, string> = mode === 'redis' ? { REDIS_URL: `${(await redisServer)?.url}/2` } : {};
      t = await createTestApp({ devMailbox: true, env, clock: { now: () => new Date(Date.now() + ahead) } });
      admin = toActor(await createUser(t.c, { role: 'admin' }), 'session');
    });
    after(async () => t.close());

    test('the cache is the one the configuration asks for', () => {
      assert.equal(t.c.cache.kind, mode);
    });

    test('a blocked user is refused on the next request', async () => {
      const { user, agent } = await signedIn(t);
      await warmed(agent);
      await t.c.oversight.blockUser(admin, user.id, 'spam');
      assert.equal(await recipientsPage(agent), 303);
    });

    test('a new role counts from the next request', async () => {
      const { user, agent } = await signedIn(t);
      await warmed(agent);
      assert.equal((await agent.get('/users')).statusCode, 403);
      await t.c.oversight.changeRole(admin, user.id, 'manager');
      assert.equal((await agent.get('/users')).statusCode, 200);
    });

    test('a profile change shows on the next page', async () => {
      const { agent } = await signedIn(t);
      await warmed(agent);
      assert.match((await agent.get('/recipients')).body, /<html lang="en"/);
      const saved = await agent.post('/profile/edit', { fullName: 'Новое Имя', timeZone: 'UTC', language: 'ru' });
      assert.equal(saved.statusCode, 303);
      const page = (await agent.get('/recipients')).body;
      assert.match(page, /<html lang="ru"/);
      assert.ok(page.includes('Новое Имя'), 'the new name is in the navigation');
    });

    test('logging out ends the session for every tab at once', async () => {
      const { agent } = await signedIn(t);
      const otherTab = sameSession(t, agent);
      await warmed(otherTab);
      assert.equal((await agent.post('/logout')).statusCode, 303);
      assert.equal(await recipientsPage(otherTab), 303);
    });

    test('a password change ends the other sessions at once and keeps this one', async () => {
      const { user, agent } = await signedIn(t);
      const elsewhere = await loginAgent(t, user.email);
      await warmed(elsewhere);
      await warmed(agent);
      const changed = await agent.post('/profile/password', {
        currentPassword: PASSWORD,
        password: 'another-long-password-1',
        passwordConfirm: 'another-long-password-1',
      });
      assert.equal(changed.statusCode, 303, changed.body.slice(0, 300));
      assert.equal(await recipientsPage(elsewhere), 303);
      assert.equal(await recipientsPage(agent), 200);
    });

    test('a revoked API token is refused on the next call', async () => {
      const user = await createUser(t.c);
      const actor = toActor(user, 'session');
      const { token, row } = await t.c.auth.createApiToken(actor, { name: 'script' });
      const call = bearer(t.app, token);
      for (let i = 0; i < 2; i++) assert.equal((await call('GET', '/api/v1/recipients')).statusCode, 200);
      await t.c.auth.revokeApiToken(actor, row.id);
      assert.equal((await call('GET', '/api/v1/recipients')).statusCode, 401);
    });

    test('a session that expires is refused although it is still cached', async () => {
      const { agent } = await signedIn(t);
      await warmed(agent);
      ahead = (t.c.config.sessionTtlDays * 24 + 1) * 3600_000;
      try {
        assert.equal(await recipientsPage(agent), 303);
      } finally {
        ahead = 0;
      }
    });

    test('a list page kept in the cache gets a fresh CSRF token in every answer, and it works', async () => {
      const { agent } = await signedIn(t);
      const tokenOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
      await agent.get('/recipients'); // shows, and so ends, the flash message of logging in
      const [first, second] = [await agent.get('/recipients'), await agent.get('/recipients')];
      const tokens = [tokenOf(first.body), tokenOf(second.body)];
      assert.ok(tokens[0] && tokens[1], 'the logout form carries a token');
      assert.notEqual(tokens[0], tokens[1]);
      assert.ok(!second.body.includes('csrf-'), 'no placeholder is left in the page');
      assert.equal(first.headers.etag, second.headers.etag, 'one ETag for one rendering');
      const revalidated = await agent.get('/recipients', { 'if-none-match': String(second.headers.etag) });
      assert.equal(revalidated.statusCode, 304);
      assert.equal((await agent.post('/logout', {}, { csrf: tokens[1] })).statusCode, 303);
      assert.equal(await recipientsPage(agent), 303, 'logged out by the cached page’s form');
    });

    test('a random session cookie or API token is refused', async () => {
      const stranger = new Agent(t.app);
      stranger.cookies.set('herald_session', 'x'.repeat(43));
      assert.equal(await recipientsPage(stranger), 303);
      assert.equal((await bearer(t.app, `${API_TOKEN_PREFIX}${'y'.repeat(43)}`)('GET', '/api/v1/recipients')).statusCode, 401);
    });
  });
}

describe('several processes on PostgreSQL without Redis', { skip: testDb !== 'postgres' && 'PostgreSQL only' }, () => {
  let t: TestApp;
  let admin: Actor;
  let other: Awaited<ReturnType<typeof secondProcess>>;
  before(async () => {
    t = await createTestApp({ devMailbox: true });
    admin = toActor(await createUser(t.c, { role: 'admin' }), 'session');
    other = await secondProcess(t);
  });
  after(async () => {
    await other?.close();
    await t?.close();
  });

  /** Another web process on the same database: its own container and cache. */
  async function secondProcess(first: TestApp) {
    const c = await createContainer(first.c.config);
    const app = await buildApp(c);
    await app.ready();
    return {
      app,
      c,
      channel: c.cacheChannel ?? assert.fail('a PostgreSQL process without Redis has a cache channel'),
      async close() {
        await app.close();
        await c.close();
      },
    };
  }

  /** The same session as `agent`'s, used on the other process. */
  function onOther(agent: Agent) {
    const copy = new Agent(other.app);
    for (const [name, value] of agent.cookies) copy.cookies.set(name, value);
    return copy;
  }

  test('a block through one process is refused by the other once PostgreSQL tells it', async () => {
    const { user, agent } = await signedIn(t);
    const there = onOther(agent);
    await warmed(there);
    const told = once(other.channel.events, 'bump');
    await t.c.oversight.blockUser(admin, user.id, 'spam');
    await told;
    assert.equal(await recipientsPage(there), 303);
  });

  test('a new recipient added through one process is listed by the other', async () => {
    const { agent } = await signedIn(t);
    const there = onOther(agent);
    const email = uniqueEmail('listed');
    assert.ok(!(await there.get('/recipients')).body.includes(email));
    const told = once(other.channel.events, 'bump');
    assert.equal((await agent.post('/recipients', { email })).statusCode, 303);
    await told;
    assert.ok((await there.get('/recipients')).body.includes(email));
  });

  test('while its channel is down a process answers from the database, and drops its cache when it is back', async () => {
    const { user, agent } = await signedIn(t);
    const there = onOther(agent);
    await warmed(there);
    const lost = once(other.channel.events, 'connection');
    const back = new Promise<void>((resolve) =>
      other.channel.events.on('connection', function listen(up: boolean) {
        if (!up) return;
        other.channel.events.off('connection', listen);
        resolve();
      }),
    );
    // Every cache channel's connection ends, as when PostgreSQL restarts; the first process's bumps are then heard by no one.
    await queryRows(
      t.c.db,
      sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'herald cache channel'`,
    );
    assert.deepEqual(await lost, [false]);
    await t.c.oversight.blockUser(admin, user.id, 'while the channel was down');
    assert.equal(await recipientsPage(there), 303, 'refused while the channel is down');
    await back;
    assert.equal(await recipientsPage(there), 303, 'still refused once the channel is back');
    const { agent: fresh } = await signedIn(t);
    await warmed(onOther(fresh));
  });
});
