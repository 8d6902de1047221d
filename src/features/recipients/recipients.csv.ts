import { type Readable, Transform } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import { msg } from '../../i18n/i18n.ts';
import type { Actor } from '../../permissions.ts';
import type { RecipientView } from './recipients.repository.ts';
import { recipientSchema } from './recipients.schemas.ts';
import type { RecipientsService } from './recipients.service.ts';

const BATCH = 1000;
const REPORT_LIMIT = 1000;
const MAX_LINE = 64 * 1024;
const headerAliases: Record<'email' | 'fullName' | 'comment', string[]> = {
  email: ['email', 'e-mail', 'mail', 'email address', 'e-mail address', 'address', 'почта', 'адрес', 'электронная почта'],
  fullName: ['name', 'full name', 'fullname', 'full_name', 'фио', 'имя'],
  comment: ['comment', 'comments', 'note', 'notes', 'комментарий'],
};

/** Import errors and row reasons are msg() descriptors: the import page and the CLI each show them in their reader's language. */
export interface ImportReport {
  rows: number;
  imported: number;
  /** Lines whose address was already in the list or earlier in the file. */
  duplicates: { line: number; email: string }[];
  duplicateCount: number;
  invalid: { line: number; reason: string }[];
  invalidCount: number;
}

export class CsvFormatError extends Error {}

/** Why csv-parse skipped a row, by its error code; an unexpected code is quoted as the parser words it. */
const malformedReasons: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: msg('Malformed CSV: a quote is opened and never closed.'),
  INVALID_OPENING_QUOTE: msg('Malformed CSV: a quote inside an unquoted cell; quote the whole cell and double the quote.'),
  CSV_INVALID_CLOSING_QUOTE: msg('Malformed CSV: text follows the closing quote of a cell.'),
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: msg('Malformed CSV: text follows the closing quote of a cell.'),
  CSV_MAX_RECORD_SIZE: msg('Malformed CSV: the line is longer than 64 KB.'),
};
const malformedReason = (error: CsvError) =>
  malformedReasons[error.code] ?? msg('Malformed CSV: {{reason}}.', { reason: error.message.split(':')[0] ?? error.code });

/** Cells an export neutralised (one more leading quote before a formula character) are read back as they were. */
const unneutralise = (value: string) => (/^'+[=+\-@\t\r]/.test(value) ? value.slice(1) : value);

/** CRLF → LF, also across chunk boundaries. */
function crlfToLf(): Transform {
  let pendingCr = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      let text = chunk.toString('latin1');
      if (pendingCr) text = `\r${text}`;
      pendingCr = text.endsWith('\r');
      if (pendingCr) text = text.slice(0, -1);
      done(null, Buffer.from(text.replace(/\r\n/g, '\n'), 'latin1'));
    },
    flush(done) {
      done(null, pendingCr ? Buffer.from('\r', 'latin1') : null);
    },
  });
}

/**
 * Streams a CSV file into the actor's recipients: header mapped by name, rows validated, invalid
 * and duplicate rows reported with their line numbers and skipped, new rows inserted in batches.
 */
export async function importRecipientsCsv(
  service: RecipientsService,
  actor: Actor,
  input: Readable,
  onProgress: (rows: number) => void = () => {},
): Promise<ImportReport> {
  const report: ImportReport = { rows: 0, imported: 0, duplicates: [], duplicateCount: 0, invalid: [], invalidCount: 0 };
  const seen = new Set<string>();
  let columns: Record<'email' | 'fullName' | 'comment', number> | null = null;
  let batch: { line: number; email: string; fullName: string; comment: string }[] = [];

  const addInvalid = (line: number, reason: string) => {
    report.invalidCount++;
    if (report.invalid.length < REPORT_LIMIT) report.invalid.push({ line, reason });
  };
  const addDuplicate = (line: number, email: string) => {
    report.duplicateCount++;
    if (report.duplicates.length < REPORT_LIMIT) report.duplicates.push({ line, email });
  };
  let inputFailed: Error | null = null;
  const flush = async () => {
    if (inputFailed) throw inputFailed;
    if (batch.length === 0) return;
    const inserted = await service.insertBatch(actor, batch);
    for (const row of batch) {
      if (inserted.has(row.email)) report.imported++;
      else addDuplicate(row.line, row.email);
    }
    batch = [];
    onProgress(report.rows);
  };

  const parser = parse({
    bom: true,
    relax_column_count: true,
    relax_quotes: false,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: MAX_LINE,
    info: true,
    raw: true,
  });
  // Line breaks are made LF first: csv-parse counts a CRLF inside quotes as two lines.
  const source = input.pipe(crlfToLf());
  // An input that fails (the client went away, the upload hit its limit) fails the import.
  input.once('error', (error) => {
    inputFailed = error;
    parser.destroy(error);
  });
  source.once('error', (error) => parser.destroy(error));
  source.pipe(parser);
  parser.on('skip', (error: CsvError & { lines?: number }) => {
    report.rows++;
    addInvalid(Number(error.lines ?? 0), malformedReason(error));
    // csv-parse cannot resume after an over-long record: stop with a clear message instead of losing rows silently.
    if (error.code === 'CSV_MAX_RECORD_SIZE') {
      parser.destroy(
        new CsvFormatError(
          msg(
            'Line {{line}} is longer than 64 KB; this does not look like a recipients file. The import stopped there ({{imported}} rows were imported before it).',
            { line: error.lines ?? '?', imported: report.imported },
          ),
        ),
      );
    }
  });

  try {
    type Parsed = { record: string[]; info: { lines: number }; raw: string };
    for await (const { record, info, raw } of parser as AsyncIterable<Parsed>) {
      if (!columns) {
        columns = mapHeader(record);
        continue;
      }
      report.rows++;
      // Report the line the row starts on, even when quoted cells span several lines.
      // (A skipped blank line before the row shows as a leading line break of its raw text.)
      const line = info.lines - (raw.replace(/^\n+/, '').replace(/\n$/, '').match(/\n/g)?.length ?? 0);
      const cell = (index: number) => (index >= 0 ? unneutralise(record[index] ?? '') : '');
      const values = { email: cell(columns.email), fullName: cell(columns.fullName), comment: cell(columns.comment) };
      if (Object.values(values).some((value) => value.includes('\uFFFD'))) {
        addInvalid(line, msg('The row is not valid UTF-8 text; save the file as UTF-8.'));
        continue;
      }
      const parsed = recipientSchema.safeParse(values);
      if (!parsed.success) {
        addInvalid(line, parsed.error.issues[0]?.message ?? msg('Invalid row.'));
        continue;
      }
      if (seen.has(parsed.data.email)) {
        addDuplicate(line, parsed.data.email);
        continue;
      }
      seen.add(parsed.data.email);
      batch.push({ line, ...parsed.data });
      if (batch.length >= BATCH) await flush();
    }
  } catch (error) {
    if (error instanceof CsvError)
      throw new CsvFormatError(msg('The file is not valid CSV: {{reason}}', { reason: error.message }));
    throw error;
  }
  if (!columns) throw new CsvFormatError(msg('The file is empty: it needs a header line with an e-mail column.'));
  await flush();
  return report;
}

function mapHeader(header: string[]): Record<'email' | 'fullName' | 'comment', number> {
  const names = header.map((h) => h.trim().toLowerCase());
  const find = (key: keyof typeof headerAliases) => names.findIndex((name) => headerAliases[key].includes(name));
  const email = find('email');
  if (email < 0) {
    const found = header
      .slice(0, 5)
      .map((h) => h.slice(0, 40))
      .join(', ');
    throw new CsvFormatError(
      msg('The first line must be a header with an e-mail column (one of: {{names}}); found: {{found}}.', {
        names: headerAliases.email.slice(0, 3).join(', '),
        found,
      }),
    );
  }
  return { email, fullName: find('fullName'), comment: find('comment') };
}

/** Spreadsheet programs run cells that start with these as formulas; a leading quote disarms them. */
export const neutralise = (value: string) => (/^'*[=+\-@\t\r]/.test(value) ? `'${value}` : value);

/** Streams recipients as CSV (header email,name,comment; plus owner when listing everyone's). */
export function exportRecipientsCsv(batches: AsyncIterable<RecipientView[]>, withOwner: boolean): Readable {
  const columns = withOwner ? ['email', 'name', 'comment', 'owner'] : ['email', 'name', 'comment'];
  const csv = stringify({ header: true, columns, bom: true });
  (async () => {
    try {
      for await (const batch of batches) {
        for (const r of batch) {
          const row = [r.email, r.fullName, r.comment, ...(withOwner ? [r.ownerEmail] : [])].map(neutralise);
          if (!csv.write(row)) await new Promise((resolve) => csv.once('drain', resolve));
        }
      }
      csv.end();
    } catch (error) {
      csv.destroy(error as Error);
    }
  })();
  return csv;
}
