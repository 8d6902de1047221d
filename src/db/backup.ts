/**
 * Backups of the embedded database: one tar archive holding a snapshot of PGlite's data directory
 * (`pgdata.tar.gz`, from PGlite's own `dumpDataDir`), the blog's cover images (`covers/…`), the
 * generated secret key (`secret.key`, when DATA_DIR has one) and, last, `herald-backup.json`: the
 * format, the schema version, the counts and a SHA-256 of every other part. Any `tar` lists it.
 *
 * A backup is written to a temporary file beside the target and renamed into place, so the target
 * is either complete or absent. A restore checks the whole archive before touching anything, builds
 * the new database beside the old one, and only then swaps them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { type FileHandle, link, mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { PGlite } from '@electric-sql/pglite';
import { z } from 'zod';
import { isCoverFileName } from '../features/blog/covers.ts';
import { msg } from '../i18n/i18n.ts';
import { type Db, runMigrations } from './client.ts';
import { acquireDataDirLock } from './data-dir-lock.ts';

export const BACKUP_FORMAT = 'herald-backup';
export const BACKUP_VERSION = 1;
const MANIFEST = 'herald-backup.json';
const PGDATA = 'pgdata.tar.gz';
const SECRET = 'secret.key';
const COVERS = 'covers/';
const BLOCK = 512;
/** Larger than any manifest Herald writes; a bigger one is not read into memory. */
const MANIFEST_MAX_BYTES = 16 * 1024 * 1024;

/** A refusal or failure with a message to translate (a `msg`, a whole sentence starting "Error:"). */
export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

export interface BackupCounts {
  users: number;
  recipients: number;
  mailings: number;
}

const entrySchema = z.object({
  name: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const manifestSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  version: z.literal(BACKUP_VERSION),
  createdAt: z.string(),
  /** How many of Herald's migrations the database had: its schema version. */
  migrations: z.number().int().nonnegative(),
  counts: z.object({ users: z.number().int(), recipients: z.number().int(), mailings: z.number().int() }),
  entries: z.array(entrySchema),
});

export type BackupManifest = z.infer<typeof manifestSchema>;

/** A backup's parts as bytes, checked against the manifest. */
export interface BackupContents {
  manifest: BackupManifest;
  pgdata: Buffer;
  covers: { name: string; bytes: Buffer }[];
  secretKey: Buffer | undefined;
}

const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle');

/** How many migrations this Herald has: the schema version a restored database is brought to. */
export function knownMigrations(): number {
  const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
    entries: unknown[];
  };
  return journal.entries.length;
}

async function appliedMigrations(pglite: PGlite): Promise<number> {
  try {
    const result = await pglite.query<{ n: number }>('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
    return result.rows[0]?.n ?? 0;
  } catch {
    return 0;
  }
}

async function countRows(pglite: PGlite): Promise<BackupCounts> {
  const result = await pglite.query<BackupCounts>(
    `SELECT (SELECT count(*)::int FROM users) AS users,
            (SELECT count(*)::int FROM recipients) AS recipients,
            (SELECT count(*)::int FROM mailings) AS mailings`,
  );
  const row = result.rows[0];
  if (!row) throw new Error('no counts');
  return row;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

// ---- tar (POSIX ustar), only what Herald writes: regular files with short names ----

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function tarHeader(name: string, size: number, mtime: Date): Buffer {
  const header = Buffer.alloc(BLOCK);
  header.write(name, 0, 100, 'utf8');
  header.write(octal(0o600, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii');
  header.write(octal(0, 8), 116, 'ascii');
  header.write(octal(size, 12), 124, 'ascii');
  header.write(octal(Math.floor(mtime.getTime() / 1000), 12), 136, 'ascii');
  header.write('        ', 148, 'ascii');
  header.write('0', 156, 'ascii');
  header.write('ustar\u000000', 257, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return header;
}

/** A header's name and size; null when the block is not a ustar header of a regular file. */
function parseHeader(header: Buffer): { name: string; size: number } | null {
  if (header.toString('ascii', 257, 262) !== 'ustar') return null;
  const field = (start: number, length: number) =>
    header
      .toString('ascii', start, start + length)
      .replace(/\0.*$/s, '')
      .trim();
  const stored = Number.parseInt(field(148, 8), 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
  if (stored !== sum) return null;
  const type = header.toString('ascii', 156, 157);
  if (type !== '0' && type !== '\0') return null;
  const size = Number.parseInt(field(124, 12), 8);
  const name = header.toString('utf8', 0, 100).replace(/\0.*$/s, '');
  if (!Number.isSafeInteger(size) || size < 0 || name === '') return null;
  return { name, size };
}

const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

/**
 * Writes `contents` as a backup archive to `file`: into a temporary file in the same directory,
 * flushed, then linked into place (refused when `file` exists) or, with `force`, renamed over it.
 * Returns the archive's size in bytes.
 */
export async function writeBackupFile(
  file: string,
  parts: {
    manifest: Omit<BackupManifest, 'entries'>;
    pgdata: Buffer;
    covers: { name: string; bytes: Buffer }[];
    secretKey?: Buffer | undefined;
  },
  force: boolean,
): Promise<number> {
  if (!force && existsSync(file)) throw exists(file);
  const now = new Date();
  const entries: [string, Buffer][] = [
    [PGDATA, parts.pgdata],
    ...parts.covers.map(({ name, bytes }): [string, Buffer] => [`${COVERS}${name}`, bytes]),
    ...(parts.secretKey ? [[SECRET, parts.secretKey] as [string, Buffer]] : []),
  ];
  const manifest: BackupManifest = {
    ...parts.manifest,
    entries: entries.map(([name, bytes]) => ({ name, size: bytes.length, sha256: sha256(bytes) })),
  };
  entries.push([MANIFEST, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)]);

  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  let size = 0;
  try {
    try {
      handle = await open(temporary, 'wx', 0o600);
    } catch (error) {
      throw cannotWrite(file, error);
    }
    for (const [name, bytes] of entries) {
      await handle.write(tarHeader(name, bytes.length, now));
      await handle.write(bytes);
      await handle.write(Buffer.alloc(padding(bytes.length)));
      size += BLOCK + bytes.length + padding(bytes.length);
    }
    await handle.write(Buffer.alloc(2 * BLOCK));
    size += 2 * BLOCK;
    await handle.sync();
    await handle.close();
    handle = undefined;
    if (force) await rename(temporary, file);
    else {
      try {
        // A link fails when the target exists: no other writer's file is ever replaced without --force.
        await link(temporary, file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw exists(file);
        throw error;
      }
      await unlink(temporary);
    }
  } catch (error) {
    await handle?.close().catch(() => {});
    await rm(temporary, { force: true });
    if (error instanceof BackupError) throw error;
    throw cannotWrite(file, error);
  }
  return size;
}

const exists = (file: string) => new BackupError(msg('Error: {{file}} already exists. Add --force to replace it.', { file }));
const cannotWrite = (file: string, error: unknown) =>
  new BackupError(
    msg('Error: cannot write {{file}} ({{code}}).', { file, code: (error as NodeJS.ErrnoException).code ?? 'EIO' }),
  );

export interface BackupSummary {
  file: string;
  size: number;
  counts: BackupCounts;
  covers: number;
}

/**
 * Backs up an open embedded database (the running server's, or one the CLI opened under the lock)
 * with the cover images of `uploadDir` and the secret key of `dataDir`.
 */
export async function createBackup(
  pglite: PGlite,
  options: { file: string; force: boolean; dataDir: string; uploadDir: string },
): Promise<BackupSummary> {
  // Refused before the snapshot, which takes a while; the final link refuses a file that appears meanwhile.
  if (!options.force && existsSync(options.file)) throw exists(options.file);
  // The counts and the snapshot come from the same instant only if nothing writes between them;
  // the counts are for the operator's eyes, the snapshot is what matters.
  const counts = await countRows(pglite);
  const migrations = await appliedMigrations(pglite);
  // A checkpoint first, so the snapshot needs little WAL replay; PGlite takes it between queries.
  await pglite.exec('CHECKPOINT');
  const tarball = await pglite.dumpDataDir('none');
  // Compressed outside PGlite's query lock (and off the event loop), so a running server keeps answering.
  const pgdata = await promisify(gzip)(Buffer.from(await tarball.arrayBuffer()));
  const covers = await readCovers(path.join(options.uploadDir, 'covers'));
  const secretKey = await readFile(path.join(options.dataDir, SECRET)).catch(() => undefined);
  const size = await writeBackupFile(
    options.file,
    {
      manifest: { format: BACKUP_FORMAT, version: BACKUP_VERSION, createdAt: new Date().toISOString(), migrations, counts },
      pgdata,
      covers,
      secretKey,
    },
    options.force,
  );
  return { file: options.file, size, counts, covers: covers.length };
}

/** The cover files (by their store's names only); a cover removed while it is read is left out. */
async function readCovers(dir: string): Promise<{ name: string; bytes: Buffer }[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter(isCoverFileName).sort();
  } catch {
    return [];
  }
  const covers: { name: string; bytes: Buffer }[] = [];
  for (const name of names) {
    const bytes = await readFile(path.join(dir, name)).catch(() => undefined);
    if (bytes) covers.push({ name, bytes });
  }
  return covers;
}

/** Reads and checks a whole backup; throws BackupError (nothing is changed by reading). */
export async function readBackup(file: string): Promise<BackupContents> {
  let handle: FileHandle;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new BackupError(msg('Error: {{file}} is not a file.', { file }));
    handle = await open(file, 'r');
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(msg('Error: cannot read {{file}}.', { file }));
  }
  const notBackup = () => new BackupError(msg('Error: {{file}} is not a Herald backup.', { file }));
  const damaged = (part: string) =>
    new BackupError(
      msg('Error: the backup {{file}} is damaged: its part {{part}} is missing, cut short or altered.', { file, part }),
    );
  try {
    const { size: fileSize } = await handle.stat();
    // Where each part's bytes are: the archive is indexed first, then only the parts the manifest names are read.
    const index = new Map<string, { offset: number; size: number }>();
    let offset = 0;
    const seen = new Set<string>();
    let first = true;
    for (;;) {
      const header = Buffer.alloc(BLOCK);
      const { bytesRead } = await handle.read(header, 0, BLOCK, offset);
      if (bytesRead < BLOCK) {
        if (first) throw notBackup();
        break;
      }
      if (header.every((byte) => byte === 0)) break;
      const entry = parseHeader(header);
      if (!entry) {
        if (first) throw notBackup();
        break;
      }
      first = false;
      seen.add(entry.name);
      if (offset + BLOCK + entry.size > fileSize) break;
      index.set(entry.name, { offset: offset + BLOCK, size: entry.size });
      offset += BLOCK + entry.size + padding(entry.size);
    }
    const read = async (name: string, limit = Number.POSITIVE_INFINITY) => {
      const where = index.get(name);
      if (!where || where.size > limit) return undefined;
      const bytes = Buffer.alloc(where.size);
      const { bytesRead } = await handle.read(bytes, 0, where.size, where.offset);
      return bytesRead === where.size ? bytes : undefined;
    };
    const manifestBytes = await read(MANIFEST, MANIFEST_MAX_BYTES);
    if (!manifestBytes) {
      // A Herald archive cut short loses its manifest (written last): say so rather than "not a backup".
      if (seen.has(PGDATA)) throw damaged(MANIFEST);
      throw notBackup();
    }
    let manifest: BackupManifest;
    try {
      const parsed = manifestSchema.safeParse(JSON.parse(manifestBytes.toString('utf8')));
      if (!parsed.success) throw notBackup();
      manifest = parsed.data;
    } catch {
      throw notBackup();
    }
    const contents: BackupContents = { manifest, pgdata: Buffer.alloc(0), covers: [], secretKey: undefined };
    let sawDatabase = false;
    for (const entry of manifest.entries) {
      const isCover = entry.name.startsWith(COVERS) && isCoverFileName(entry.name.slice(COVERS.length));
      if (entry.name !== PGDATA && entry.name !== SECRET && !isCover) throw notBackup();
      const bytes = await read(entry.name);
      if (!bytes || bytes.length !== entry.size || sha256(bytes) !== entry.sha256) throw damaged(entry.name);
      if (entry.name === PGDATA) {
        contents.pgdata = bytes;
        sawDatabase = true;
      } else if (entry.name === SECRET) contents.secretKey = bytes;
      else contents.covers.push({ name: entry.name.slice(COVERS.length), bytes });
    }
    if (!sawDatabase) throw damaged(PGDATA);
    return contents;
  } finally {
    await handle.close();
  }
}

export interface RestoreSummary {
  manifest: BackupManifest;
  counts: BackupCounts;
  covers: number;
  /** Migrations applied to bring an older backup's schema up to this Herald's. */
  migrated: number;
}

/**
 * Replaces DATA_DIR's database (and the covers, and the secret key when the backup has one) with
 * a backup's. The caller has made sure no server runs; the data-directory lock is taken here, so
 * none starts meanwhile. The new database is built and migrated beside the old one; the old one
 * is moved aside, and removed only once the new one is in place.
 */
export async function restoreBackup(options: {
  file: string;
  dataDir: string;
  uploadDir: string;
  command: string;
}): Promise<RestoreSummary> {
  const backup = await readBackup(options.file);
  const known = knownMigrations();
  if (backup.manifest.migrations > known) {
    throw new BackupError(
      msg(
        'Error: {{file}} was made by a newer Herald (schema version {{found}}; this one knows up to {{known}}). Upgrade Herald, then restore.',
        { file: options.file, found: backup.manifest.migrations, known },
      ),
    );
  }
  const lock = acquireDataDirLock(options.dataDir, options.command);
  try {
    const pgdata = path.join(options.dataDir, 'pgdata');
    const covers = path.join(options.uploadDir, 'covers');
    const secret = path.join(options.dataDir, SECRET);
    await recoverInterruptedSwap([pgdata, covers, secret]);

    const stagedDb = `${pgdata}${STAGED}`;
    const stagedCovers = `${covers}${STAGED}`;
    await rm(stagedDb, { recursive: true, force: true });
    await rm(stagedCovers, { recursive: true, force: true });
    try {
      const { counts, migrated } = await loadDatabase(stagedDb, backup.pgdata, options.file);
      await mkdir(stagedCovers, { recursive: true, mode: 0o700 });
      for (const cover of backup.covers) await writeFile(path.join(stagedCovers, cover.name), cover.bytes, { mode: 0o600 });
      const swaps: [string, string][] = [
        [stagedDb, pgdata],
        [stagedCovers, covers],
      ];
      if (backup.secretKey) {
        await writeFile(`${secret}${STAGED}`, backup.secretKey, { mode: 0o600 });
        swaps.push([`${secret}${STAGED}`, secret]);
      }
      await swapIn(swaps);
      return { manifest: backup.manifest, counts, covers: backup.covers.length, migrated };
    } finally {
      await rm(stagedDb, { recursive: true, force: true });
      await rm(stagedCovers, { recursive: true, force: true });
      await rm(`${secret}${STAGED}`, { force: true });
    }
  } finally {
    lock.release();
  }
}

const STAGED = '.restoring';
const ASIDE = '.before-restore';

/** Opens the backup's database in `dir`, applies pending migrations, counts; closes it. */
async function loadDatabase(dir: string, tarball: Buffer, file: string): Promise<{ counts: BackupCounts; migrated: number }> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  let pglite: PGlite | undefined;
  try {
    pglite = await PGlite.create({ dataDir: dir, loadDataDir: new Blob([new Uint8Array(tarball)]) });
    const before = await appliedMigrations(pglite);
    await runMigrations({ kind: 'pglite', db: drizzle({ client: pglite }) as unknown as Db, pglite, close: async () => {} });
    const migrated = (await appliedMigrations(pglite)) - before;
    return { counts: await countRows(pglite), migrated };
  } catch (error) {
    throw new BackupError(
      msg('Error: the database in {{file}} could not be opened ({{reason}}). Nothing was changed.', {
        file,
        reason: (error as Error).message,
      }),
    );
  } finally {
    await pglite?.close().catch(() => {});
  }
}

/**
 * Moves each target aside and its staged replacement in; then drops what was set aside. Should a
 * move fail, what was moved is put back, so the old data stay whole.
 */
async function swapIn(swaps: [string, string][]): Promise<void> {
  const done: [string, string, boolean][] = [];
  try {
    for (const [staged, target] of swaps) {
      const hadTarget = existsSync(target);
      await rm(`${target}${ASIDE}`, { recursive: true, force: true });
      if (hadTarget) await rename(target, `${target}${ASIDE}`);
      done.push([staged, target, hadTarget]);
      await mkdir(path.dirname(target), { recursive: true });
      await rename(staged, target);
    }
  } catch (error) {
    for (const [staged, target, hadTarget] of done.reverse()) {
      if (existsSync(target) && !existsSync(staged)) await rename(target, staged).catch(() => {});
      if (hadTarget) await rename(`${target}${ASIDE}`, target).catch(() => {});
    }
    throw error;
  }
  for (const [, target] of swaps) await rm(`${target}${ASIDE}`, { recursive: true, force: true });
}

/** A restore stopped between its moves left the old data beside an absent target: put it back. */
async function recoverInterruptedSwap(targets: string[]): Promise<void> {
  for (const target of targets) {
    const aside = `${target}${ASIDE}`;
    if (!existsSync(aside)) continue;
    if (existsSync(target)) await rm(aside, { recursive: true, force: true });
    else await rename(aside, target);
  }
}
