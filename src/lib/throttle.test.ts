import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { freePort } from '../../test/support/net.ts';
import { type RedisServer, startRedis } from '../../test/support/redis.ts';
import { FixedClock } from './clock.ts';
import { createRedisClient, settled } from './redis.ts';
import { createMemoryThrottle, createRedisThrottle } from './throttle.ts';

test('counts events inside the window and forgets them after it', async () => {
  const clock = new FixedClock(new Date('2026-01-01T00:00:00Z'));
  const throttle = createMemoryThrottle(60, clock);
  assert.equal(await throttle.hit('k'), 1);
  clock.advance(30_000);
  assert.equal(await throttle.hit('k'), 2);
  assert.equal(await throttle.count('other'), 0);
  assert.equal(await throttle.retryAfter('k'), 30);
  clock.advance(30_001);
  assert.equal(await throttle.count('k'), 1, 'the first event has left the window');
  await throttle.reset('k');
  assert.equal(await throttle.count('k'), 0);
});

test('memory stays bounded under many keys', async () => {
  const throttle = createMemoryThrottle(60, new FixedClock(new Date()), 100);
  for (let i = 0; i < 1000; i++) await throttle.hit(`key-${i}`);
  assert.equal(await throttle.count('key-0'), 0, 'the oldest keys were dropped');
  assert.equal(await throttle.count('key-999'), 1);
});

describe('Redis throttle', () => {
  let server: RedisServer;
  const clients: Redis[] = [];
  const logger = pino({ level: 'silent' });
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    for (const client of clients) client.disconnect();
    await server.stop();
  });
  /** A throttle as one process builds it: its own client, its own in-memory fallback. */
  const processThrottle = async (url: string, clock: FixedClock) => {
    const redis = createRedisClient(url, logger);
    clients.push(redis);
    await settled(redis);
    const fallback = createMemoryThrottle(60, clock);
    return createRedisThrottle({ redis, name: 'test', windowSeconds: 60, clock, fallback, logger });
  };

  test('keeps the same sliding window as the memory one, counted by every process together', async () => {
    const clock = new FixedClock(new Date('2026-01-01T00:00:00Z'));
    const one = await processThrottle(server.url, clock);
    const two = await processThrottle(server.url, clock);
    assert.equal(await one.hit('k'), 1);
    clock.advance(30_000);
    assert.equal(await two.hit('k'), 2, 'the second process sees the first one’s event');
    assert.equal(await one.count('other'), 0);
    assert.equal(await two.retryAfter('k'), 30);
    clock.advance(30_001);
    assert.equal(await one.count('k'), 1, 'the first event has left the window');
    await two.reset('k');
    assert.equal(await one.count('k'), 0);
    assert.equal(await one.retryAfter('k'), 0);
  });

  test('without Redis, each process still counts on its own', async () => {
    const clock = new FixedClock(new Date('2026-01-01T00:00:00Z'));
    const throttle = await processThrottle(`redis://127.0.0.1:${await freePort()}`, clock);
    assert.equal(await throttle.hit('k'), 1);
    assert.equal(await throttle.hit('k'), 2);
    assert.equal(await throttle.count('k'), 2);
    assert.equal(await throttle.retryAfter('k'), 60);
  });
});
