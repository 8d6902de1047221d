import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { OwnerScope } from './scope.ts';

/**
 * Herald's server-side cache of JSON values. Correctness comes from versioned namespaces, not
 * from deleting keys: a cached value's key embeds the versions of the namespaces its data depends
 * on (`owner:<id>` for one user's data, `all` for everyone's), and every write bumps them. A value
 * cached before a write is simply never asked for again, in any process sharing the store.
 */
export interface Cache {
  readonly kind: 'memory' | 'redis';
  /** The value, or undefined when absent, expired or the store is unreachable. */
  get<T>(key: string): Promise<T | undefined>;
  /** Stores a JSON value for `ttlSeconds`; an unreachable store is ignored. */
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  /** The current version of a namespace, or null when the store is unreachable (then nothing may be cached). */
  version(namespace: string): Promise<string | null>;
  /** Moves namespaces to a new version, so every value keyed by the old one stops being read. */
  bump(...namespaces: string[]): Promise<void>;
  /** The cached value of `key`, or `compute()` stored for `ttlSeconds`; JSON either way (a Date comes back as a string). */
  getOrCompute<T>(key: string, ttlSeconds: number, compute: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The namespace of everyone's data (what managers, admins and anonymous visitors see). */
export const ALL = 'all';
/** The namespace of the blog's public data, moved on by every write to a post. */
export const POSTS = 'posts';
/**
 * The namespace of who is signed in: sessions, API tokens and accounts (role, block, profile),
 * moved on by every write that ends a session, revokes a token or changes an account.
 */
export const AUTH = 'auth';
/** The namespace of one user's data. */
export const ownerNamespace = (ownerId: number) => `owner:${ownerId}`;
/** The namespace a scoped query's result depends on: one owner's, or everyone's. */
export const namespaceOf = (scope: OwnerScope) => (scope.kind === 'all' ? ALL : ownerNamespace(scope.ownerId));

/** A key that embeds the current version of each namespace, or null when versions are unavailable. */
export async function versionedKey(cache: Cache, name: string, namespaces: string[]): Promise<string | null> {
  const parts: string[] = [];
  for (const namespace of namespaces) {
    const version = await cache.version(namespace);
    if (version === null) return null;
    parts.push(`${namespace}@${version}`);
  }
  return `${name}|${parts.join('|')}`;
}

/**
 * The cached value of `name` as of the current versions of `dependsOn`, computed when missing.
 * Versions are read before computing, so a value computed from data older than a bump is stored
 * under the old version and never served again.
 */
export async function cached<T>(
  cache: Cache,
  options: { name: string; dependsOn: string[]; ttlSeconds: number },
  compute: () => Promise<T>,
): Promise<T> {
  const key = await versionedKey(cache, options.name, options.dependsOn);
  if (key === null) return compute();
  return cache.getOrCompute(key, options.ttlSeconds, compute);
}

/** Called after every successful write to an owner's data: their view and everyone's view change. */
export const invalidateOwner = (cache: Cache, ownerId: number) => cache.bump(ownerNamespace(ownerId), ALL);

/**
 * How processes that each keep their own cache tell one another which namespaces moved on
 * (PostgreSQL's NOTIFY, src/db/bump-channel.ts). A bump published by one process reaches every
 * subscriber, the publisher included.
 */
export interface BumpChannel {
  publish(namespaces: string[]): Promise<void>;
  /** `onConnection(false)` when bumps may be missed from now on, `(true)` once they arrive again. */
  subscribe(onBump: (namespaces: string[]) => void, onConnection: (connected: boolean) => void): void;
}

/**
 * The cache of one process: lru-cache with a bounded number of entries. With a `channel`, the
 * versions follow every process's bumps; while the channel is down, nothing is read from or
 * written to the cache (a missed bump could otherwise serve data older than a write), and when
 * it comes back every value cached before is dropped.
 */
export function createMemoryCache(options: { maxEntries?: number; channel?: BumpChannel; logger?: Logger } = {}): Cache {
  // A string is kept as it is (immutable, and JSON gives it back unchanged); anything else as JSON.
  const values = new LRUCache<string, { json: string } | { text: string }>({ max: options.maxEntries ?? 10_000 });
  // Versions are never evicted (one number per namespace): losing one could bring an old value back.
  const versions = new Map<string, number>();
  const advance = (namespaces: Iterable<string>) => {
    for (const namespace of namespaces) versions.set(namespace, (versions.get(namespace) ?? 0) + 1);
  };
  const { channel } = options;
  let connected = channel === undefined;
  channel?.subscribe(advance, (up) => {
    if (up) {
      values.clear();
      advance([...versions.keys()]);
    }
    connected = up;
  });
  const cache: Cache = {
    kind: 'memory',
    async get<T>(key: string) {
      const entry = connected ? values.get(key) : undefined;
      if (entry === undefined) return undefined;
      return ('text' in entry ? entry.text : JSON.parse(entry.json)) as T;
    },
    async set(key, value, ttlSeconds) {
      // Stored as JSON so callers get fresh copies, in the same shapes as from Redis.
      if (!connected) return;
      const entry = typeof value === 'string' ? { text: value } : { json: JSON.stringify(value) };
      values.set(key, entry, { ttl: ttlSeconds * 1000 });
    },
    async version(namespace) {
      return connected ? String(versions.get(namespace) ?? 0) : null;
    },
    async bump(...namespaces) {
      advance(namespaces);
      // The write is done: a failure to tell the others is logged, not thrown at the writer.
      await channel?.publish(namespaces).catch((error: unknown) => {
        options.logger?.warn({ err: error, namespaces }, 'other processes could not be told of a cache change');
      });
    },
    getOrCompute: (key, ttlSeconds, compute) => getOrCompute(cache, key, ttlSeconds, compute),
    async close() {
      values.clear();
    },
  };
  return cache;
}

/**
 * A version counter that does not exist starts at the Redis server's time in microseconds, not
 * at 0: a counter that was lost (eviction, FLUSHDB) then restarts above every version used before.
 */
const START_COUNTER = `if redis.call('EXISTS', KEYS[i]) == 0 then
    local t = redis.call('TIME')
    redis.call('SET', KEYS[i], t[1] .. string.format('%06d', tonumber(t[2])))
  end`;
const VERSION_SCRIPT = `local i = 1
  ${START_COUNTER}
  return redis.call('GET', KEYS[1])`;
const BUMP_SCRIPT = `for i = 1, #KEYS do
  ${START_COUNTER}
  redis.call('INCR', KEYS[i])
end
return #KEYS`;

/**
 * The cache shared by every process through Redis: `SET … EX` for values, `INCR` for versions (in
 * small Lua scripts), keys under `herald:cache:`. Any Redis error degrades to computing the value
 * (a warning is logged once until Redis answers again), never to an error page.
 */
export function createRedisCache(redis: Redis, logger: Logger): Cache {
  const prefix = 'herald:cache:';
  let warned = false;
  const degrade =
    <T>(fallback: T) =>
    (error: unknown): T => {
      if (!warned) {
        warned = true;
        logger.warn({ err: error }, 'the Redis cache is unavailable; values are computed without it');
      }
      return fallback;
    };
  const healthy = <T>(value: T): T => {
    warned = false;
    return value;
  };
  const versionKey = (namespace: string) => `${prefix}version:${namespace}`;
  const cache: Cache = {
    kind: 'redis',
    get: <T>(key: string) =>
      redis
        .get(prefix + key)
        .then((json) => healthy(json === null ? undefined : (JSON.parse(json) as T)))
        .catch(degrade<T | undefined>(undefined)),
    set: (key, value, ttlSeconds) =>
      redis
        .set(prefix + key, JSON.stringify(value), 'EX', Math.max(1, Math.round(ttlSeconds)))
        .then(() => undefined)
        .catch(degrade(undefined)),
    version: (namespace) =>
      redis
        .eval(VERSION_SCRIPT, 1, versionKey(namespace))
        .then((value) => healthy(String(value)))
        .catch(degrade<string | null>(null)),
    async bump(...namespaces) {
      if (namespaces.length === 0) return;
      await redis
        .eval(BUMP_SCRIPT, namespaces.length, ...namespaces.map(versionKey))
        .then(healthy)
        .catch(degrade(null));
    },
    getOrCompute: (key, ttlSeconds, compute) => getOrCompute(cache, key, ttlSeconds, compute),
    async close() {},
  };
  return cache;
}

/** Computations under way, per cache and key: concurrent misses of one key share one. */
const inFlightOf = new WeakMap<Cache, Map<string, Promise<unknown>>>();

/**
 * The cached value, or one computation shared by every caller that misses the same key at the
 * same time (in this process): when a popular value expires, the database computes it once, not
 * once per waiting request.
 */
async function getOrCompute<T>(cache: Cache, key: string, ttlSeconds: number, compute: () => Promise<T>): Promise<T> {
  const hit = await cache.get<T>(key);
  if (hit !== undefined) return hit;
  const inFlight = inFlightOf.get(cache) ?? new Map<string, Promise<unknown>>();
  inFlightOf.set(cache, inFlight);
  const pending = inFlight.get(key) as Promise<T> | undefined;
  if (pending) return pending;
  const computing = (async () => {
    const value = await compute();
    if (value === undefined) return value; // not JSON, so never cached (null is)
    await cache.set(key, value, ttlSeconds);
    // A miss answers what a hit would: a caller relying on a Date (not JSON) fails at once, not on the second request.
    return JSON.parse(JSON.stringify(value)) as T;
  })().finally(() => inFlight.delete(key));
  inFlight.set(key, computing);
  return computing;
}
