import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from './clock.ts';

/**
 * Counts events per key inside a sliding window (failed logins per address and per IP).
 * In memory for one process (`createMemoryThrottle`), or shared by every process through Redis
 * (`createRedisThrottle`).
 */
export interface Throttle {
  /** Records one event for the key and returns how many the window now holds. */
  hit(key: string): Promise<number>;
  count(key: string): Promise<number>;
  /** Seconds until the oldest event in the window expires. */
  retryAfter(key: string): Promise<number>;
  reset(key: string): Promise<void>;
}

export function createMemoryThrottle(windowSeconds: number, clock: Clock, maxKeys = 100_000): Throttle {
  const events = new Map<string, number[]>();
  const windowMs = windowSeconds * 1000;
  const live = (key: string): number[] => {
    const now = clock.now().getTime();
    const kept = (events.get(key) ?? []).filter((at) => now - at < windowMs);
    if (kept.length) events.set(key, kept);
    else events.delete(key);
    return kept;
  };
  return {
    async hit(key) {
      const kept = live(key);
      kept.push(clock.now().getTime());
      events.set(key, kept);
      if (events.size > maxKeys) {
        const oldest = events.keys().next().value;
        if (oldest !== undefined) events.delete(oldest);
      }
      return kept.length;
    },
    async count(key) {
      return live(key).length;
    },
    async retryAfter(key) {
      const first = live(key)[0];
      if (first === undefined) return 0;
      return Math.max(1, Math.ceil((first + windowMs - clock.now().getTime()) / 1000));
    },
    async reset(key) {
      events.delete(key);
    },
  };
}

/**
 * The same sliding window in Redis (a sorted set of event times per key, under
 * `herald:throttle:<name>:`), so every process counts together. When Redis fails, the process
 * counts alone in `fallback` until it answers again: degraded, never unlimited, never a 500.
 */
export function createRedisThrottle(options: {
  redis: Redis;
  name: string;
  windowSeconds: number;
  clock: Clock;
  fallback: Throttle;
  logger: Logger;
}): Throttle {
  const { redis, clock, fallback } = options;
  const windowMs = options.windowSeconds * 1000;
  const prefix = `herald:throttle:${options.name}:`;
  let warned = false;
  /** Runs a Redis call, or the fallback's when Redis fails. */
  const guarded = async <T>(viaRedis: () => Promise<T>, viaFallback: () => Promise<T>): Promise<T> => {
    try {
      const value = await viaRedis();
      warned = false;
      return value;
    } catch (error) {
      if (!warned) options.logger.warn({ err: error }, 'login throttle: Redis unavailable, counting in this process');
      warned = true;
      return viaFallback();
    }
  };
  /** Drops the events that left the window, then runs more commands in the same transaction. */
  const windowed = (key: string) => redis.multi().zremrangebyscore(prefix + key, 0, clock.now().getTime() - windowMs);
  const reply = <T>(results: [Error | null, unknown][] | null, index: number): T => {
    const [error, value] = results?.[index] ?? [new Error('no reply from Redis'), null];
    if (error) throw error;
    return value as T;
  };
  return {
    hit: (key) =>
      guarded(
        async () => {
          const now = clock.now().getTime();
          const member = `${now}-${randomBytes(6).toString('hex')}`;
          const results = await windowed(key)
            .zadd(prefix + key, now, member)
            .zcard(prefix + key)
            .pexpire(prefix + key, windowMs)
            .exec();
          return reply<number>(results, 2);
        },
        () => fallback.hit(key),
      ),
    count: (key) =>
      guarded(
        async () =>
          reply<number>(
            await windowed(key)
              .zcard(prefix + key)
              .exec(),
            1,
          ),
        () => fallback.count(key),
      ),
    retryAfter: (key) =>
      guarded(
        async () => {
          const oldest = reply<string[]>(
            await windowed(key)
              .zrange(prefix + key, 0, 0, 'WITHSCORES')
              .exec(),
            1,
          );
          const first = oldest[1] === undefined ? undefined : Number(oldest[1]);
          if (first === undefined) return 0;
          return Math.max(1, Math.ceil((first + windowMs - clock.now().getTime()) / 1000));
        },
        () => fallback.retryAfter(key),
      ),
    reset: (key) =>
      guarded(
        async () => {
          await redis.del(prefix + key);
          await fallback.reset(key);
        },
        () => fallback.reset(key),
      ),
  };
}
