import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * The one Redis client of a process (cache, rate limits, login throttles). Commands fail at once
 * while Redis is unreachable instead of queueing, so a Redis outage makes pages slower to compute,
 * never slower to answer; the client keeps reconnecting in the background.
 */
export function createRedisClient(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 1000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  let warned = false;
  // Without a listener ioredis prints every failed reconnection; one warning per outage is enough.
  redis.on('error', (error) => {
    if (warned) return;
    warned = true;
    logger.warn({ err: error }, 'Redis is unreachable; caching and shared limits degrade until it answers');
  });
  redis.on('ready', () => {
    if (warned) logger.info('Redis answers again');
    warned = false;
  });
  return redis;
}

/**
 * Resolves when the client is ready, or at its first error, or after `timeoutMs`: start-up waits
 * for a reachable Redis (so the first requests already share limits) but never hangs on a dead one.
 */
export function settled(redis: Redis, timeoutMs = 2000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      redis.off('error', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once('ready', done);
    redis.once('error', done);
  });
}

/** A client that is ready, or, when Redis does not answer within 2 s, one that keeps trying in the background. */
export async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const redis = createRedisClient(url, logger);
  await settled(redis);
  return redis;
}
