import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rename, rm, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { english, type Translate } from '../../i18n/i18n.ts';
import type { Actor } from '../../permissions.ts';
import type { UsersService } from '../users/users.service.ts';
import { exportAttemptsCsv } from './attempts.csv.ts';
import type { AttemptExportRow } from './stats.repository.ts';
import type { StatsOverview, StatsService } from './stats.service.ts';

/** The CLI acts with the operator's authority (every user's rows) unless `--owner` narrows it. */
const operator: Actor = { userId: 0, role: 'admin', email: '(cli)', fullName: 'herald CLI', via: 'cli' };

interface Deps {
  stats: StatsService;
  users: UsersService;
}

interface Result {
  code: number;
  output: string;
}

export interface ExportAttemptsOptions {
  mailingId?: string | undefined;
  runId?: string | undefined;
  status?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  owner?: string | undefined;
  /** Absolute path of the CSV file to write. */
  output: string;
}

/**
 * `herald export-attempts`: the attempts CSV of the page, with strict filters, written to a file
 * next to the target and renamed into place once complete (a failed export leaves no half file).
 */
export async function exportAttemptsFile(deps: Deps, options: ExportAttemptsOptions, t: Translate = english): Promise<Result> {
  const actor = options.owner ? await deps.users.getActorByEmail(options.owner) : operator;
  const filter = {
    mailingId: options.mailingId,
    runId: options.runId,
    status: options.status,
    from: options.from,
    to: options.to,
  };
  const { batches, withOwner } = deps.stats.exportAttempts(actor, filter, { strict: true, ownOnly: Boolean(options.owner) });
  let count = 0;
  async function* counted(): AsyncGenerator<AttemptExportRow[]> {
    for await (const batch of batches) {
      count += batch.length;
      yield batch;
    }
  }
  const partial = `${options.output}.${process.pid}.part`;
  try {
    await pipeline(exportAttemptsCsv(counted(), withOwner), createWriteStream(partial, { mode: 0o600 }));
    await rename(partial, options.output);
  } catch (error) {
    await unlink(partial).catch(() => {});
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'EPERM') {
      return { code: 1, output: t('Error: cannot write {{file}} ({{code}}).', { file: options.output, code }) };
    }
    throw error;
  }
  const output = options.owner
    ? t('{{count}} attempts of {{owner}} written to {{file}}.', { count, owner: actor.email, file: options.output })
    : t('{{count}} attempts written to {{file}}.', { count, file: options.output });
  return { code: 0, output };
}

/** `herald stats [--owner <email>]`: the figures of one user, or of everyone with the table of users. */
export async function describeStats(deps: Deps, owner: string | undefined, t: Translate = english): Promise<Result> {
  const actor = owner ? await deps.users.getActorByEmail(owner) : operator;
  const overview = await deps.stats.getOverview(actor, { scope: owner ? 'own' : 'all' });
  const title = owner ? t('Statistics of {{email}}:', { email: actor.email }) : t('Statistics of everyone:');
  const lines = [title, ...describeOverview(overview, t)];
  if (!owner) lines.push('', ...(await describeUsers(deps.stats, t)));
  return { code: 0, output: lines.join('\n') };
}

/** Labels and figures in two columns, the figures lined up after the longest label of the language. */
function columns(rows: [string, number][]): string[] {
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  return rows.map(([label, figure]) => `  ${label.padEnd(width)}${figure}`);
}

function describeOverview(o: StatsOverview, t: Translate): string[] {
  const lines = [
    ...columns([
      [t('successful attempts'), o.totals.successful],
      [t('failed attempts'), o.totals.failed],
      [t('messages sent'), o.totals.sent],
    ]),
    '',
    t('Attempts per day, last {{count}} days ({{timeZone}}): successful / failed', { count: o.days, timeZone: o.timeZone }),
    ...o.daily.map((d) => `  ${d.day}  ${d.successful} / ${d.failed}`),
    '',
  ];
  if (o.mailings.length === 0) return [...lines, t('No mailings.')];
  lines.push(
    o.mailingCount > o.mailings.length
      ? t('The {{shown}} mailings with the most attempts, of {{total}}: successful / failed / sent', {
          shown: o.mailings.length,
          total: o.mailingCount,
        })
      : t('Mailings: successful / failed / sent'),
  );
  for (const m of o.mailings)
    lines.push(`  #${m.mailingId} ${m.name} (${m.ownerEmail}): ${m.successful} / ${m.failed} / ${m.sent}`);
  return lines;
}

async function describeUsers(stats: StatsService, t: Translate): Promise<string[]> {
  const lines = [t('Users: successful / failed / sent')];
  for (let page = 1; ; page++) {
    const { page: users } = await stats.listUserFigures(operator, { sort: 'email', page, pageSize: 200 });
    for (const u of users.items) lines.push(`  ${u.email} (${u.role}): ${u.successful} / ${u.failed} / ${u.sent}`);
    if (page * users.pageSize >= users.total) return lines;
  }
}

/**
 * Runs an export into a private temporary file and copies it to `out` (stdout): the process that
 * writes the file may be the running server the command was forwarded to, which cannot reach
 * this process's stdout. The file is removed afterwards.
 */
export async function exportThroughTemporaryFile(
  run: (file: string) => Promise<Result>,
  out: NodeJS.WritableStream,
): Promise<Result> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'herald-export-'));
  const file = path.join(dir, 'attempts.csv');
  try {
    const result = await run(file);
    if (result.code === 0) await pipeline(createReadStream(file), out, { end: false });
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
