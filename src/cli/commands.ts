import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Container } from '../container.ts';
import { isAppError } from '../errors.ts';
import { describePosts } from '../features/blog/blog.cli.ts';
import { CsvFormatError, type ImportReport, importRecipientsCsv } from '../features/recipients/recipients.csv.ts';
import { describeStats, type ExportAttemptsOptions, exportAttemptsFile } from '../features/stats/stats.cli.ts';
import { defaultLanguage, isLanguage, type Language, type Translate, translator } from '../i18n/i18n.ts';
import { backupCommand } from './backup.ts';
import { seedDemo } from './seed-demo.ts';
import { sendDue, sendMailing } from './send.ts';

/**
 * A CLI command as data, so the same thing runs in this process or is forwarded to a running
 * server; it carries the caller's language, so the server answers in it.
 */
export type CliCommand = (
  | { name: 'migrate' }
  | { name: 'create-admin'; email: string; password: string; fullName: string }
  | { name: 'set-role'; email: string; role: string; reason?: string | undefined }
  | { name: 'import-recipients'; file: string; owner: string }
  | { name: 'send'; mailingId: string }
  | { name: 'send-due' }
  | { name: 'seed-demo'; force: boolean }
  | ({ name: 'export-attempts' } & ExportAttemptsOptions)
  | { name: 'stats'; owner?: string | undefined }
  | { name: 'posts'; all: boolean }
  | { name: 'backup'; file: string; force: boolean }
) & { language?: Language | undefined };

/** Reports how far a long command is: `done` of `total` units (bytes of a file, rows…). */
export type ProgressListener = (done: number, total: number) => void;

export interface CommandResult {
  code: number;
  output: string;
}

/** A command's language (English when it names none or an unknown one). */
const languageOf = (command: CliCommand): Language => (isLanguage(command.language) ? command.language : defaultLanguage);

/** The translate function of a command's language. */
export const translatorOf = (command: CliCommand): Translate => translator(languageOf(command));

const describeError = (error: unknown, t: Translate): CommandResult => {
  if (isAppError(error)) {
    const fields = error.fields ? Object.entries(error.fields).map(([field, message]) => `  ${field}: ${t(message)}`) : [];
    return { code: 1, output: [t('Error: {{message}}', { message: t(error.message) }), ...fields].join('\n') };
  }
  throw error;
};

/** Carries out a command against a container; refusals become exit code 1 with the reason. */
export async function executeCommand(
  c: Container,
  command: CliCommand,
  onProgress: ProgressListener = () => {},
): Promise<CommandResult> {
  const t = translatorOf(command);
  try {
    switch (command.name) {
      case 'migrate':
        // Opening the container applied every pending migration already.
        return { code: 0, output: t('The database schema is up to date.') };
      case 'create-admin': {
        const user = await c.auth.createAdmin({
          email: command.email,
          fullName: command.fullName,
          password: command.password,
          passwordConfirm: command.password,
        });
        return { code: 0, output: t('Admin {{email}} created (id {{id}}).', { email: user.email, id: user.id }) };
      }
      case 'set-role': {
        const user = await c.users.changeRole(null, command.email, command.role, command.reason);
        return { code: 0, output: t('{{email}} is now {{role}}.', { email: user.email, role: user.role }) };
      }
      case 'send':
        return await sendMailing(c, command.mailingId, onProgress, t);
      case 'send-due':
        return await sendDue(c, t);
      case 'import-recipients':
        return await importRecipientsFile(c, command.file, command.owner, onProgress, t);
      case 'seed-demo':
        return await seedDemo(c, { force: command.force }, t);
      case 'export-attempts':
        return await exportAttemptsFile(c, command, t);
      case 'stats':
        return await describeStats(c, command.owner, t);
      case 'posts':
        return await describePosts(c.blog, command.all, t);
      case 'backup':
        return await backupCommand(c, { file: command.file, force: command.force }, t, languageOf(command));
    }
  } catch (error) {
    return describeError(error, t);
  }
}

/** `herald import-recipients`: the same import as the page, with progress by bytes read. */
async function importRecipientsFile(
  c: Container,
  file: string,
  owner: string,
  onProgress: ProgressListener,
  t: Translate,
): Promise<CommandResult> {
  const actor = await c.users.getActorByEmail(owner);
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) return { code: 1, output: t('Error: {{file}} is not a file.', { file }) };
    size = info.size;
  } catch {
    return { code: 1, output: t('Error: cannot read {{file}}.', { file }) };
  }
  const stream = createReadStream(file);
  let read = 0;
  stream.on('data', (chunk) => {
    read += chunk.length;
  });
  try {
    const report = await importRecipientsCsv(c.recipients, actor, stream, () => onProgress(read, size));
    onProgress(size, size);
    return { code: 0, output: describeReport(report, actor.email, t) };
  } catch (error) {
    if (error instanceof CsvFormatError) return { code: 1, output: t('Error: {{message}}', { message: t(error.message) }) };
    throw error;
  } finally {
    stream.destroy();
  }
}

/** The import's figures, then the first invalid rows with their reasons (the reasons are messages, told in the reader's language). */
function describeReport(report: ImportReport, owner: string, t: Translate): string {
  const figures = [
    t('{{count}} rows imported', { count: report.imported }),
    t('{{count}} duplicate rows skipped', { count: report.duplicateCount }),
    t('{{count}} rows skipped as invalid', { count: report.invalidCount }),
  ];
  const lines = [
    `${t('{{count}} rows read for {{owner}}', { count: report.rows, owner })}: ${figures.join(', ')}.`,
    ...report.invalid.slice(0, 20).map((row) => `  ${t('line {{line}}: {{reason}}', { line: row.line, reason: t(row.reason) })}`),
  ];
  if (report.invalidCount > 20) lines.push(`  ${t('… and {{count}} more invalid rows.', { count: report.invalidCount - 20 })}`);
  return lines.join('\n');
}
