import type { Config } from '../config.ts';
import type { Container } from '../container.ts';
import { type BackupCounts, BackupError, createBackup, restoreBackup } from '../db/backup.ts';
import { DataDirLockedError, type LockInfo, readLiveHolder } from '../db/data-dir-lock.ts';
import { formats, type Language, msg, type Translate } from '../i18n/i18n.ts';
import type { CommandResult } from './commands.ts';

/** `herald backup` and `herald restore` on PostgreSQL: its own tools do it better. */
export const postgresRefusal = msg(
  'Error: `herald backup` and `herald restore` serve the embedded database. With DATABASE_URL set, back up PostgreSQL with pg_dump and restore with pg_restore (see docs/OPERATIONS.md).',
);

const describeCounts = (counts: BackupCounts, covers: number, t: Translate) =>
  t('Users: {{users}}, recipients: {{recipients}}, mailings: {{mailings}}, cover images: {{covers}}.', { ...counts, covers });

/** `herald backup <file>`: here or in the running server that holds the embedded database. */
export async function backupCommand(
  c: Container,
  options: { file: string; force: boolean },
  t: Translate,
  language: Language,
): Promise<CommandResult> {
  if (c.database.kind !== 'pglite') return { code: 2, output: t(postgresRefusal) };
  try {
    const summary = await createBackup(c.database.pglite, {
      ...options,
      dataDir: c.config.dataDir,
      uploadDir: c.config.uploadDir,
    });
    const megabytes = formats(language).number(Math.max(0.1, Math.round(summary.size / 100_000) / 10));
    return {
      code: 0,
      output: `${t('Backup written to {{file}} ({{size}} MB).', { file: summary.file, size: megabytes })} ${describeCounts(summary.counts, summary.covers, t)}`,
    };
  } catch (error) {
    if (error instanceof BackupError) return { code: 1, output: t(error.message) };
    throw error;
  }
}

const heldMessage = (holder: LockInfo, t: Translate) =>
  t(
    'Error: the data directory is in use by PID {{pid}} ({{command}}). Stop it before restoring: a restore replaces the database it has open.',
    {
      pid: holder.pid,
      command: holder.command,
    },
  );

/** `herald restore <file>`: only in this process, never while another one holds the data directory. */
export async function restoreCommand(config: Config, file: string, t: Translate, language: Language): Promise<CommandResult> {
  if (config.databaseUrl) return { code: 2, output: t(postgresRefusal) };
  const holder = readLiveHolder(config.dataDir);
  if (holder) return { code: 1, output: heldMessage(holder, t) };
  try {
    const summary = await restoreBackup({
      file,
      dataDir: config.dataDir,
      uploadDir: config.uploadDir,
      command: 'herald restore',
    });
    const lines = [
      `${t('Restored {{file}}, made {{createdAt}} (UTC).', { file, createdAt: formats(language).dateTime(new Date(summary.manifest.createdAt)) })} ${describeCounts(summary.counts, summary.covers, t)}`,
    ];
    if (summary.migrated > 0)
      lines.push(t('{{count}} migrations applied to bring the backup up to this Herald’s schema.', { count: summary.migrated }));
    return { code: 0, output: lines.join('\n') };
  } catch (error) {
    if (error instanceof BackupError) return { code: 1, output: t(error.message) };
    if (error instanceof DataDirLockedError) return { code: 1, output: heldMessage(error.holder, t) };
    throw error;
  }
}
