import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { freePort } from '../../test/support/net.ts';
import { type RedisServer, startRedis } from '../../test/support/redis.ts';
import {
  ALL,
  type Cache,
  cached,
  createMemoryCache,
  createRedisCache,
  invalidateOwner,
  namespaceOf,
  ownerNamespace,
} from './cache.ts';
import { createRedisClient, settled } from './redis.ts';

const logger = pino({ level: 'silent' });

let server: RedisServer;
const clients: Redis[] = [];
before(async () => {
  server = await startRedis();
});
after(async () => {
  for (const client of clients) client.disconnect();
  await server.stop();
});

/** A client of the test's Redis, on its own database so the cases do not see each other's keys. */
async function redisClient(db: number): Promise<Redis> {
  const client = createRedisClient(`${server.url}/${db}`, logger);
  clients.push(client);
  await settled(client);
  return client;
}

/** Counts how often the value was really computed. */
function counter() {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    compute: (value: unknown) => async () => {
      calls++;
      return value;
    },
  };
}

const factories: [string, (db: number) => Promise<Cache>][] = [
  ['memory', async () => createMemoryCache()],
  ['redis', async (db) => createRedisCache(await redisClient(db), logger)],
];

for (const [kind, make] of factories) {
  describe(`${kind} cache`, () => {
    test('stores JSON values and computes a missing one once', async () => {
      const cache = await make(1);
      const count = counter();
      const value = { figures: [1, 2, 3], name: 'x' };
      assert.deepEqual(await cache.getOrCompute('k', 60, count.compute(value)), value);
      assert.deepEqual(await cache.getOrCompute('k', 60, count.compute('other')), value);
      assert.equal(count.calls, 1);
      assert.equal(await cache.get('absent'), undefined);
    });

    test('a bump of a namespace makes values keyed by it be computed again; other namespaces keep theirs', async () => {
      const cache = await make(2);
      const count = counter();
      const ofA = { name: 'home', dependsOn: [ownerNamespace(1)], ttlSeconds: 60 };
      const ofB = { name: 'home', dependsOn: [ownerNamespace(2)], ttlSeconds: 60 };
      const ofAll = { name: 'home', dependsOn: [ALL], ttlSeconds: 60 };
      assert.equal(await cached(cache, ofA, count.compute('a1')), 'a1');
      assert.equal(await cached(cache, ofB, count.compute('b1')), 'b1');
      assert.equal(await cached(cache, ofAll, count.compute('all1')), 'all1');
      assert.equal(await cached(cache, ofA, count.compute('a-stale')), 'a1', 'keys differ by what varies');
      assert.equal(count.calls, 3);

      await invalidateOwner(cache, 1);
      assert.equal(await cached(cache, ofA, count.compute('a2')), 'a2', 'the owner’s own change shows');
      assert.equal(await cached(cache, ofAll, count.compute('all2')), 'all2', 'everyone’s figures change too');
      assert.equal(await cached(cache, ofB, count.compute('b-stale')), 'b1', 'another owner keeps theirs');
    });

    test('misses of one key at the same time share one computation; a failed one is not kept', async () => {
      const cache = await make(3);
      let calls = 0;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const slow = async () => {
        calls++;
        await gate;
        return { n: 42 };
      };
      const waiting = Array.from({ length: 10 }, () => cache.getOrCompute('popular', 60, slow));
      release();
      for (const value of await Promise.all(waiting)) assert.deepEqual(value, { n: 42 });
      assert.equal(calls, 1, 'ten concurrent misses, one computation');

      await assert.rejects(
        cache.getOrCompute('flaky', 60, async () => {
          throw new Error('database down');
        }),
        /database down/,
      );
      assert.equal(await cache.getOrCompute('flaky', 60, async () => 'recovered'), 'recovered');
    });

    test('the namespace of a scope is its owner’s, or everyone’s', () => {
      assert.equal(namespaceOf({ kind: 'own', ownerId: 7 }), 'owner:7');
      assert.equal(namespaceOf({ kind: 'all' }), ALL);
    });
  });
}

describe('redis cache', () => {
  test('is shared by two clients: a bump through one is seen by the other', async () => {
    const [one, two] = [createRedisCache(await redisClient(3), logger), createRedisCache(await redisClient(3), logger)];
    const options = { name: 'shared', dependsOn: [ownerNamespace(9)], ttlSeconds: 60 };
    assert.equal(await cached(one, options, async () => 'first'), 'first');
    assert.equal(await cached(two, options, async () => 'not computed'), 'first');
    await invalidateOwner(one, 9);
    assert.equal(await cached(two, options, async () => 'second'), 'second');
  });

  test('a lost version counter never brings an old value back', async () => {
    const client = await redisClient(4);
    const cache = createRedisCache(client, logger);
    const options = { name: 'home', dependsOn: [ownerNamespace(1)], ttlSeconds: 60 };
    assert.equal(await cached(cache, options, async () => 'old'), 'old');
    await client.del('herald:cache:version:owner:1'); // as an eviction would
    assert.equal(await cached(cache, options, async () => 'new'), 'new');
    await invalidateOwner(cache, 1);
    await client.del('herald:cache:version:owner:1');
    await invalidateOwner(cache, 1); // a bump of a lost counter starts above every earlier version too
    assert.equal(await cached(cache, options, async () => 'newer'), 'newer');
  });

  test('values expire after their TTL', async () => {
    const client = await redisClient(5);
    const cache = createRedisCache(client, logger);
    await cache.set('short', { a: 1 }, 30);
    const ttl = await client.ttl('herald:cache:short');
    assert.ok(ttl > 0 && ttl <= 30, `TTL ${ttl}`);
  });

  test('an unreachable Redis degrades to computing every time, never to an error', async () => {
    const client = createRedisClient(`redis://127.0.0.1:${await freePort()}`, logger);
    clients.push(client);
    await settled(client);
    const cache = createRedisCache(client, logger);
    const count = counter();
    const options = { name: 'home', dependsOn: [ALL], ttlSeconds: 60 };
    assert.equal(await cached(cache, options, count.compute('v')), 'v');
    assert.equal(await cached(cache, options, count.compute('v')), 'v');
    assert.equal(count.calls, 2, 'nothing can be cached safely without versions');
    await invalidateOwner(cache, 1);
    await cache.set('k', 1, 10);
    assert.equal(await cache.get('k'), undefined);
  });
});

describe('values are JSON', () => {
  test('a miss answers what a hit answers, and undefined is not cached', async () => {
    const cache = createMemoryCache();
    const at = new Date('2026-01-01T00:00:00Z');
    assert.deepEqual(await cache.getOrCompute('date', 60, async () => ({ at })), { at: at.toISOString() });
    assert.deepEqual(await cache.getOrCompute('date', 60, async () => ({ at })), { at: at.toISOString() });
    const count = counter();
    assert.equal(await cache.getOrCompute('nothing', 60, count.compute(undefined)), undefined);
    assert.equal(await cache.getOrCompute('nothing', 60, count.compute(undefined)), undefined);
    assert.equal(count.calls, 2);
  });
});
