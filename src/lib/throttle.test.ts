import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FixedClock } from './clock.ts';
import { createMemoryThrottle } from './throttle.ts';

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
