import type { Clock } from './clock.ts';

/**
 * Counts events per key inside a sliding window (failed logins per address and per IP).
 * In memory for one process; a shared store can implement the same interface.
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
