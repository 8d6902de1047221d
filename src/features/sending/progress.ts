/** A run's progress figures: one formula for the run page, its event stream, the API and the CLI. */

export interface RunProgress {
  queued: number;
  sending: number;
  sent: number;
  failed: number;
  suppressed: number;
  unknown: number;
  remaining: number;
  rate: number;
  etaSeconds: number | null;
}

export type DeliveryCounts = Record<'queued' | 'sending' | 'sent' | 'failed' | 'suppressed' | 'unknown', number>;

/** How many deliveries of a run were settled (sent or failed) at a moment (ms since the epoch). */
export interface ProgressSample {
  at: number;
  done: number;
}

/**
 * A run's figures with its rate between two samples and the ETA that rate gives. One look (the
 * page, the API) measures from the run's start; the event stream over its last seconds, so a stall
 * shows as a falling rate instead of an old average.
 */
export function measureProgress(
  counts: DeliveryCounts,
  sending: boolean,
  since: ProgressSample,
  now: ProgressSample,
): RunProgress {
  const remaining = counts.queued + counts.sending;
  const rate = Math.max(0, now.done - since.done) / Math.max(1, (now.at - since.at) / 1000);
  return { ...counts, remaining, rate, etaSeconds: sending && rate > 0 ? Math.ceil(remaining / rate) : null };
}
