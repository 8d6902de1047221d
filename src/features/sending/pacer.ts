/**
 * Pacing of a sender process: every e-mail waits for a slot under three limits at once — the
 * process-wide rate, the rate of the SMTP server it goes to, and the rate of its recipient's
 * domain. A "slow down" reply (4xx "too many", "try later") halves the pace of that domain (and of
 * the server when the server itself said so with 421); the pace climbs back by a quarter every
 * `recoverMs` without another such reply, up to the configured limit.
 *
 * Slots are reserved, not polled: `acquire` books the next free slot of each of the three limits
 * and waits until the latest of them, so no timer wakes up for nothing. Each limit is booked at its
 * own slot, so one slowed domain holds back only the e-mails to it, never the whole process (the
 * price: e-mails released together after such a wait may run ahead of the process rate by at most
 * the number of lanes in flight). Limits are per process; with several workers each paces itself.
 */

export interface PacerLimits {
  /** Messages per second for the whole process. */
  perProcess: number;
  /** Messages per second to one SMTP server. */
  perServer: number;
  /** Messages per second to one recipient domain. */
  perDomain: number;
}

interface Lane {
  /** Messages per second allowed now (lowered by slow-down replies). */
  rate: number;
  /** The configured limit it recovers to. */
  limit: number;
  /** Earliest time (ms) of the next free slot. */
  next: number;
  /** When the pace was last lowered or raised. */
  changedAt: number;
}

const floorRate = 0.2;
const maxLanes = 10_000;

export function createPacer(limits: PacerLimits, options: { now?: () => number; recoverMs?: number } = {}) {
  const now = options.now ?? Date.now;
  const recoverMs = options.recoverMs ?? 10_000;
  const lanes = new Map<string, Lane>();

  function lane(key: string, limit: number): Lane {
    let found = lanes.get(key);
    if (!found) {
      found = { rate: limit, limit, next: 0, changedAt: now() };
      lanes.set(key, found);
    }
    return found;
  }

  /** Brings a slowed lane back up a step for every quiet `recoverMs` since it last changed. */
  function recover(l: Lane, at: number): void {
    while (l.rate < l.limit && at - l.changedAt >= recoverMs) {
      l.rate = Math.min(l.limit, l.rate * 1.25);
      l.changedAt += recoverMs;
    }
  }

  /** Drops lanes at full pace with no booking ahead, so a run over many domains keeps memory flat. */
  function forgetIdle(at: number): void {
    for (const [key, l] of lanes) if (key !== '*' && l.next <= at && l.rate >= l.limit) lanes.delete(key);
  }

  function lanesFor(domain: string, server: string): Lane[] {
    return [
      lane('*', limits.perProcess),
      lane(`server:${server}`, limits.perServer),
      lane(`domain:${domain.toLowerCase()}`, limits.perDomain),
    ];
  }

  function slowDown(l: Lane, at: number): void {
    // The replies to e-mails already in flight say the same thing again: halve once a second at most.
    if (l.rate < l.limit && at - l.changedAt < 1000) return;
    recover(l, at);
    l.rate = Math.max(floorRate, l.rate / 2);
    l.changedAt = at;
    // The next slot moves out by the new interval, so the lane pauses at once.
    l.next = Math.max(l.next, at + 1000 / l.rate);
  }

  /** Books the next slot for an e-mail to `domain` through `server`; returns how many ms until it. */
  function reserve(domain: string, server: string): number {
    const at = now();
    const chosen = lanesFor(domain, server);
    let slot = at;
    for (const l of chosen) {
      recover(l, at);
      const own = Math.max(at, l.next);
      l.next = own + 1000 / l.rate;
      slot = Math.max(slot, own);
    }
    if (lanes.size > maxLanes) forgetIdle(at);
    return slot - at;
  }

  return {
    reserve,

    /**
     * Books the next slot for an e-mail to `domain` through `server`: a promise to wait for when
     * the slot is at least a millisecond (a timer's resolution) away, else nothing to wait for.
     * An e-mail so leaves at most 1 ms before its slot, and the slots after it keep their spacing.
     */
    acquire(domain: string, server: string): Promise<void> | undefined {
      const wait = reserve(domain, server);
      return wait >= 1 ? new Promise((resolve) => setTimeout(resolve, wait)) : undefined;
    },

    /** A "slow down" reply: halve the domain's pace, and the server's when the server said it (421). */
    slowDown(domain: string, server: string, serverWide: boolean): void {
      const at = now();
      const [, serverLane, domainLane] = lanesFor(domain, server);
      slowDown(domainLane as Lane, at);
      if (serverWide) slowDown(serverLane as Lane, at);
    },

    /** The current pace of a domain and a server, in messages per second (for logs, pages and tests). */
    rates(domain: string, server: string): { domain: number; server: number } {
      const at = now();
      const [, serverLane, domainLane] = lanesFor(domain, server) as [Lane, Lane, Lane];
      recover(serverLane, at);
      recover(domainLane, at);
      return { domain: domainLane.rate, server: serverLane.rate };
    },
  };
}

export type Pacer = ReturnType<typeof createPacer>;

/** The domain of an address, lower-cased (after the last @; the whole text when there is none). */
export function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}
