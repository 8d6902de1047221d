import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Container } from '../container.ts';
import { isAppError } from '../errors.ts';
import { describePosts } from '../features/blog/blog.cli.ts';
import { CsvFormatError, type ImportReport, importRecipientsCsv } from '../features/recipients/recipients.csv.ts';
import { describeStats, type ExportAttemptsOptions, exportAttemptsFile } from '../features/stats/stats.cli.ts';
import { seedDemo } from './seed-demo.ts';
import { sendDue, sendMailing } from './send.ts';

/** A CLI command as data, so the same thing runs in this process or is forwarded to a running server. */
export type CliCommand =
  | { name: 'migrate' }
  | { name: 'create-admin'; email: string; password: string; fullName: string }
  | { name: 'set-role'; email: string; role: string; reason?: string | undefined }
  | { name: 'import-recipients'; file: string; owner: string }
  | { name: 'send'; mailingId: string }
  | { name: 'send-due' }
  | { name: 'seed-demo'; force: boolean }
  | ({ name: 'export-attempts' } & ExportAttemptsOptions)
  | { name: 'stats'; owner?: string | undefined }
  | { name: 'posts'; all: boolean };

/** Reports how far a long command is: `done` of `total` units (bytes of a file, rows…). */
export type ProgressListener = (done: number, total: number) => void;

export interface CommandResult {
  code: number;
  output: string;
}

const describeError = (error: unknown): CommandResult => {
  if (isAppError(error)) {
    const fields = error.fields ? Object.entries(error.fields).map(([field, message]) => `  ${field}: ${message}`) : [];
    return { code: 1, output: [`Error: ${error.message}`, ...fields].join('\n') };
  }
  throw error;
};

/** Carries out a command against a container; refusals become exit code 1 with the reason. */
export async function executeCommand(
  c: Container,
  command: CliCommand,
  onProgress: ProgressListener = () => {},
): Promise<CommandResult> {
  try {
    switch (command.name) {
      case 'migrate':
        // Opening the container applied every pending migration already.
        return { code: 0, output: 'The database schema is up to date.' };
      case 'create-admin': {
        const user = await c.auth.createAdmin({
          email: command.email,
          fullName: command.fullName,
          password: command.password,
          passwordConfirm: command.password,
        });
        return { code: 0, output: `Admin ${user.email} created (id ${user.id}).` };
      }
      case 'set-role': {
        const user = await c.users.changeRole(null, command.email, command.role, command.reason);
        return { code: 0, output: `${user.email} is now ${user.role}.` };
      }
      case 'send':
        return await sendMailing(c, command.mailingId, onProgress);
      case 'send-due':
        return await sendDue(c);
      case 'import-recipients':
        return await importRecipientsFile(c, command.file, command.owner, onProgress);
      case 'seed-demo':
        return await seedDemo(c, { force: command.force });
      case 'export-attempts':
        return await exportAttemptsFile(c, command);
      case 'stats':
        return await describeStats(c, command.owner);
      case 'posts':
        return await describePosts(c.blog, command.all);
    }
  } catch (error) {
    return describeError(error);
  }
}

/** `herald import-recipients`: the same import as the page, with progress by bytes read. */
async function importRecipientsFile(
  c: Container,
  file: string,
  owner: string,
  onProgress: ProgressListener,
): Promise<CommandResult> {
  const actor = await c.users.getActorByEmail(owner);
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) return { code: 1, output: `Error: ${file} is not a file.` };
    size = info.size;
  } catch {
    return { code: 1, output: `Error: cannot read ${file}.` };
  }
  const stream = createReadStream(file);
  let read = 0;
  stream.on('data', (chunk) => {
    read += chunk.length;
  });
  try {
    const report = await importRecipientsCsv(c.recipients, actor, stream, () => onProgress(read, size));
    onProgress(size, size);
    return { code: 0, output: describeReport(report, actor.email) };
  } catch (error) {
    if (error instanceof CsvFormatError) return { code: 1, output: `Error: ${error.message}` };
    throw error;
  } finally {
    stream.destroy();
  }
}

function describeReport(report: ImportReport, owner: string): string {
  const lines = [
    `${report.rows} rows read for ${owner}: ${report.imported} imported, ${report.duplicateCount} duplicates skipped, ${report.invalidCount} invalid rows skipped.`,
    ...report.invalid.slice(0, 20).map((row) => `  line ${row.line}: ${row.reason}`),
  ];
  if (report.invalidCount > 20) lines.push(`  … and ${report.invalidCount - 20} more invalid rows.`);
  return lines.join('\n');
}
