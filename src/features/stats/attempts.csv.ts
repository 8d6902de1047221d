import type { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { neutralise } from '../recipients/recipients.csv.ts';
import type { AttemptExportRow } from './stats.repository.ts';

export const attemptCsvColumns = [
  'attempted_at',
  'mailing_id',
  'mailing',
  'run_id',
  'recipient',
  'name',
  'result',
  'code',
  'response',
  'duration_ms',
  'server',
] as const;

/**
 * Streams attempts as CSV (one header line, then one line per attempt; plus the owner's address
 * when listing everyone's). Batches are pulled only as fast as the reader takes the text, so a
 * large export never sits in memory whole. Text cells are disarmed against spreadsheet formulas.
 */
export function exportAttemptsCsv(batches: AsyncIterable<AttemptExportRow[]>, withOwner: boolean): Readable {
  const columns = withOwner ? [...attemptCsvColumns, 'owner'] : [...attemptCsvColumns];
  const csv = stringify({ header: true, columns, bom: true });
  // Resumes when the reader has taken the buffered text, or has gone away (then the export stops).
  const writable = () =>
    new Promise<void>((resolve) => {
      const go = () => {
        csv.off('drain', go);
        csv.off('close', go);
        resolve();
      };
      csv.on('drain', go);
      csv.on('close', go);
    });
  (async () => {
    try {
      for await (const batch of batches) {
        for (const a of batch) {
          const row = [
            a.attemptedAt.toISOString(),
            String(a.mailingId),
            neutralise(a.mailingName),
            String(a.runId),
            neutralise(a.email),
            neutralise(a.fullName),
            a.success ? 'success' : 'failure',
            a.code === null ? '' : String(a.code),
            neutralise(a.response),
            String(a.durationMs),
            neutralise(a.server),
            ...(withOwner ? [neutralise(a.ownerEmail)] : []),
          ];
          if (!csv.write(row)) await writable();
          if (csv.destroyed) return;
        }
      }
      csv.end();
    } catch (error) {
      csv.destroy(error as Error);
    }
  })();
  return csv;
}
