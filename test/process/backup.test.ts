/**
 * `herald backup` and `herald restore` as real processes on the embedded database: a backup, a
 * change, a restore that brings the old data (and cover images) back and a server that starts on
 * them; a backup taken by a running `herald start` through the control channel; a restore refused
 * while the server runs; garbage, damaged, foreign and too-new files refused with nothing changed;
 * a restore whose database cannot be opened leaving the old one whole; an older backup migrated;
 * overwriting refused without --force; bad arguments; Russian output.
 *
 * On PostgreSQL (HERALD_TEST_PG_URL, the runner's second pass) both commands only refuse, pointing
 * to pg_dump and pg_restore; that refusal is also checked in the embedded pass with a DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { knownMigrations, readBackup, writeBackupFile } from '../../src/db/backup.ts';
import { HeraldProcess, killStartedHeralds, pollUntil, withLimit } from '../support/herald-process.ts';
import { freePort } from '../support/net.ts';
import { createDatabase } from '../support/postgres.ts';

const pgServerUrl = process.env.HERALD_TEST_PG_URL;
const embedded = !pgServerUrl;
const slow = { timeout: 240_000 };
const embeddedOnly = embedded ? slow : { ...slow, skip: 'embedded database only' };
const COMMAND_LIMIT_MS = 90_000;
const READY_LIMIT_MS = 90_000;
const COUNTS = /Users: 4, recipients: 50, mailings: 6, cover images: 1\./;

let workDir: string;
let dataDir: string;
let coversDir: string;
let env: Record<string, string>;
/** A cover image as the blog's store names it; its bytes need only be some bytes. */
const coverName = `${randomBytes(16).toString('hex')}.png`;
const coverBytes = randomBytes(2048);

before(async () => {
  workDir = mkdtempSync(path.join(os.tmpdir(), 'herald-backup-'));
  dataDir = path.join(workDir, 'data');
  coversDir = path.join(dataDir, 'uploads', 'covers');
  env = {
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // The neutral locale: the CLI speaks its default, English, whatever the runner's locale.
    LANG: 'C.UTF-8',
    ...(pgServerUrl ? { DATABASE_URL: await createDatabase(pgServerUrl) } : {}),
  };
});

after(async () => {
  await killStartedHeralds();
  rmSync(workDir, { recursive: true, force: true });
});

/** Runs `herald <args>` to its end (with `extra` variables, such as a language). */
async function cli(args: string[], extra: Record<string, string> = {}) {
  const herald = new HeraldProcess(args, { cwd: workDir, env: { ...env, ...extra } });
  const exit = await withLimit(herald.exited, COMMAND_LIMIT_MS, () => `herald ${args.join(' ')} did not end\n${herald.tail()}`);
  return { code: exit.code, stdout: herald.stdout, stderr: herald.stderr };
}

/** `herald start` on a free port, ready once /healthz answers. */
async function startServer() {
  const port = await freePort();
  const server = new HeraldProcess(['start'], { cwd: workDir, env: { ...env, PORT: String(port) }, label: 'herald start' });
  const base = `http://127.0.0.1:${port}`;
  await server.whileRunning(
    pollUntil(
      async () => {
        try {
          const response = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
          await response.arrayBuffer();
          return response.ok ? true : null;
        } catch {
          return null;
        }
      },
      READY_LIMIT_MS,
      () => `herald start did not answer /healthz\n${server.tail()}`,
    ),
  );
  return { server, base };
}

/** Every file under `dir` with its bytes' digest: equal digests, nothing changed. */
function treeDigest(dir: string): string {
  const hash = createHash('sha256');
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(at, entry.name);
      hash.update(`${path.relative(dir, full)}\n`);
      if (entry.isDirectory()) walk(full);
      else hash.update(readFileSync(full));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

const file = (name: string) => path.join(workDir, name);

/** A tar archive made by the system's tar, holding one text file. */
function foreignTar(): Buffer {
  const source = path.join(workDir, 'notes');
  mkdirSync(source, { recursive: true });
  writeFileSync(path.join(source, 'notes.txt'), 'not a database\n');
  const made = spawnSync('tar', ['-cf', '-', '-C', source, 'notes.txt']);
  assert.equal(made.status, 0, String(made.stderr));
  return made.stdout;
}

describe('herald backup and restore on PostgreSQL', () => {
  test('both refuse, pointing to pg_dump and pg_restore, and write nothing', slow, async () => {
    const extra: Record<string, string> = embedded ? { DATABASE_URL: 'postgres://herald@127.0.0.1:1/herald' } : {};
    const backup = await cli(['backup', file('pg.tar')], extra);
    assert.equal(backup.code, 2, backup.stderr);
    assert.match(
      backup.stderr,
      /serve the embedded database\. With DATABASE_URL set, back up PostgreSQL with pg_dump and restore with pg_restore/,
    );
    assert.equal(existsSync(file('pg.tar')), false);
    const restore = await cli(['restore', file('pg.tar')], extra);
    assert.equal(restore.code, 2, restore.stderr);
    assert.match(restore.stderr, /pg_dump .* pg_restore/);
  });
});

describe('herald backup and restore (embedded PGlite)', { skip: embedded ? false : 'embedded database only' }, () => {
  before(async () => {
    const seeded = await cli(['seed-demo']);
    assert.equal(seeded.code, 0, seeded.stderr);
    mkdirSync(coversDir, { recursive: true });
    writeFileSync(path.join(coversDir, coverName), coverBytes);
  });

  test('before any database exists there is nothing to back up', embeddedOnly, async () => {
    const result = await cli(['backup', file('none.tar')], { DATA_DIR: path.join(workDir, 'empty') });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^Error: there is no database in .*empty to back up\.\n$/);
    assert.equal(existsSync(file('none.tar')), false);
  });

  test('backup, change, restore: the old data and covers are back, and Herald starts on them', embeddedOnly, async () => {
    const backup = await cli(['backup', file('one.tar')]);
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, /^Backup written to .*one\.tar \(\d+(\.\d)? MB\)\. /);
    assert.match(backup.stdout, COUNTS);
    assert.equal(statSync(file('one.tar')).mode & 0o777, 0o600, 'a backup holds password hashes: owner only');
    assert.deepEqual(
      readdirSync(workDir).filter((name) => name.includes('.tmp')),
      [],
      'no temporary file is left',
    );

    // The change: a new account, the cover replaced by another.
    const admin = await cli(['create-admin', '--email', 'later@example.test', '--password', 'a-long-password-1']);
    assert.equal(admin.code, 0, admin.stderr);
    rmSync(path.join(coversDir, coverName));
    const laterCover = `${randomBytes(16).toString('hex')}.jpg`;
    writeFileSync(path.join(coversDir, laterCover), randomBytes(100));
    assert.equal((await cli(['set-role', 'later@example.test', 'user'])).code, 0);

    const restore = await cli(['restore', file('one.tar')]);
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, /^Restored .*one\.tar, made .* \(UTC\)\. /);
    assert.match(restore.stdout, COUNTS);
    assert.doesNotMatch(restore.stdout, /migration/, 'a backup of this schema needs no migration');

    const gone = await cli(['set-role', 'later@example.test', 'user']);
    assert.equal(gone.code, 1, 'the account made after the backup is gone');
    assert.deepEqual(readdirSync(coversDir), [coverName]);
    assert.deepEqual(readFileSync(path.join(coversDir, coverName)), coverBytes);
    assert.deepEqual(
      readdirSync(dataDir).filter((name) => name.includes('restor')),
      [],
      'nothing staged or set aside is left',
    );

    const { server, base } = await startServer();
    const login = await fetch(`${base}/login`);
    assert.equal(login.status, 200);
    await login.arrayBuffer();
    assert.equal((await server.stop('SIGTERM')).code, 0);
  });

  test('while herald start runs: the server takes the backup; restore is refused and changes nothing', embeddedOnly, async () => {
    const { server } = await startServer();
    const backup = await cli(['backup', file('live.tar')]);
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, COUNTS);
    assert.equal(server.exit, null, 'the server still runs: it took the backup itself');

    const refused = await cli(['backup', file('live.tar')]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /live\.tar already exists\. Add --force to replace it\./);

    const restore = await cli(['restore', file('one.tar')]);
    assert.equal(restore.code, 1);
    assert.match(
      restore.stderr,
      new RegExp(`^Error: the data directory is in use by PID ${server.pid} \\(herald start\\)\\. Stop it before restoring`),
    );
    assert.equal(server.exit, null);
    assert.equal((await server.stop('SIGTERM')).code, 0);

    // The live snapshot is a consistent database: it restores and counts the same.
    const restored = await cli(['restore', file('live.tar')]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, COUNTS);
  });

  test('an existing file is replaced only with --force', embeddedOnly, async () => {
    writeFileSync(file('keep.tar'), 'precious');
    const refused = await cli(['backup', file('keep.tar')]);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, `Error: ${file('keep.tar')} already exists. Add --force to replace it.\n`);
    assert.equal(readFileSync(file('keep.tar'), 'utf8'), 'precious');

    const forced = await cli(['backup', file('keep.tar'), '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal((await readBackup(file('keep.tar'))).manifest.counts.users, 4);
  });

  test('garbage, foreign and damaged files are refused and nothing changes', embeddedOnly, async () => {
    const before = treeDigest(dataDir);
    const original = readFileSync(file('one.tar'));
    const cases: [string, Buffer, RegExp][] = [
      ['garbage.tar', randomBytes(10_000), /garbage\.tar is not a Herald backup\./],
      ['empty.tar', Buffer.alloc(0), /empty\.tar is not a Herald backup\./],
      // A tar archive, but not Herald's.
      ['foreign.tar', foreignTar(), /foreign\.tar is not a Herald backup\./],
      // Ours, cut short (a copy that did not finish): its manifest, written last, is missing.
      ['cut.tar', original.subarray(0, 600_000), /the backup .*cut\.tar is damaged: its part herald-backup\.json is missing/],
      // One byte of the database changed: its checksum no longer matches.
      [
        'altered.tar',
        (() => {
          const copy = Buffer.from(original);
          copy[4096] = (copy[4096] ?? 0) ^ 0xff;
          return copy;
        })(),
        /the backup .*altered\.tar is damaged: its part pgdata\.tar\.gz is missing, cut short or altered\./,
      ],
    ];
    for (const [name, bytes, expected] of cases) {
      writeFileSync(file(name), bytes);
      const result = await cli(['restore', file(name)]);
      assert.equal(result.code, 1, `${name}: ${result.stdout}`);
      assert.match(result.stderr, expected);
      assert.equal(result.stdout, '');
    }
    const directory = await cli(['restore', workDir]);
    assert.equal(directory.code, 1);
    assert.match(directory.stderr, /is not a file\./);
    const missing = await cli(['restore', file('missing.tar')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read .*missing\.tar\./);
    assert.equal(treeDigest(dataDir), before, 'the data directory is untouched');
  });

  test('a backup whose database cannot be opened leaves the old one whole', embeddedOnly, async () => {
    const real = await readBackup(file('one.tar'));
    // A well-formed backup whose database is a gzip of noise: only opening it can find that out.
    await writeBackupFile(
      file('broken-db.tar'),
      { manifest: real.manifest, pgdata: gzipSync(randomBytes(50_000)), covers: [], secretKey: real.secretKey },
      false,
    );
    const before = treeDigest(dataDir);
    const result = await cli(['restore', file('broken-db.tar')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^Error: the database in .*broken-db\.tar could not be opened \(.*\)\. Nothing was changed\.\n$/);
    assert.equal(treeDigest(dataDir), before, 'the old database, covers and key are as they were');
    const backup = await cli(['backup', file('after-broken.tar')]);
    assert.match(backup.stdout, COUNTS);
  });

  test('a backup from a newer Herald is refused; an older one is migrated on restore', embeddedOnly, async () => {
    const real = await readBackup(file('one.tar'));
    const known = knownMigrations();
    await writeBackupFile(
      file('newer.tar'),
      { manifest: { ...real.manifest, migrations: known + 1 }, pgdata: real.pgdata, covers: real.covers },
      false,
    );
    const before = treeDigest(dataDir);
    const newer = await cli(['restore', file('newer.tar')]);
    assert.equal(newer.code, 1);
    assert.match(
      newer.stderr,
      new RegExp(`was made by a newer Herald \\(schema version ${known + 1}; this one knows up to ${known}\\)`),
    );
    assert.equal(treeDigest(dataDir), before);

    // The backup as the Herald before the last migration (0008) made it: the attempts' foreign key
    // and its index still there, the migration's row gone.
    const scratch = path.join(workDir, 'older-pgdata');
    const older = await PGlite.create({ dataDir: scratch, loadDataDir: new Blob([new Uint8Array(real.pgdata)]) });
    await older.exec(`
      ALTER TABLE attempts ADD CONSTRAINT attempts_delivery_id_deliveries_id_fk
        FOREIGN KEY (delivery_id) REFERENCES deliveries(id) ON DELETE CASCADE;
      CREATE INDEX attempts_delivery_id_idx ON attempts (delivery_id);
      DELETE FROM drizzle.__drizzle_migrations WHERE created_at = (SELECT max(created_at) FROM drizzle.__drizzle_migrations);
      CHECKPOINT;
    `);
    const dump = Buffer.from(await (await older.dumpDataDir('gzip')).arrayBuffer());
    await older.close();
    rmSync(scratch, { recursive: true, force: true });
    await writeBackupFile(
      file('older.tar'),
      { manifest: { ...real.manifest, migrations: known - 1 }, pgdata: dump, covers: real.covers },
      false,
    );

    const restore = await cli(['restore', file('older.tar')]);
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, COUNTS);
    assert.match(restore.stdout, /\n1 migration applied to bring the backup up to this Herald’s schema\.\n$/);

    // No Herald runs now: the restored database is looked at directly.
    const restored = await PGlite.create({ dataDir: path.join(dataDir, 'pgdata') });
    try {
      const left = await restored.query<{ name: string }>(
        `SELECT indexname AS name FROM pg_indexes WHERE indexname = 'attempts_delivery_id_idx'
         UNION ALL SELECT conname FROM pg_constraint WHERE conname = 'attempts_delivery_id_deliveries_id_fk'`,
      );
      assert.deepEqual(left.rows, [], 'the migration dropped the foreign key and its index');
      const applied = await restored.query<{ n: number }>('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
      assert.equal(applied.rows[0]?.n, known);
    } finally {
      await restored.close();
    }
  });

  test('bad arguments are refused with usage errors', embeddedOnly, async () => {
    const cases: [string[], RegExp][] = [
      [['backup'], /error: missing required argument 'file'/],
      [['restore'], /error: missing required argument 'file'/],
      [['restore', 'a.tar', 'b.tar'], /error: too many arguments/],
      [['backup', file('x.tar'), '--bogus'], /error: unknown option '--bogus'/],
    ];
    for (const [args, expected] of cases) {
      const result = await cli(args);
      assert.equal(result.code, 2, `herald ${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, expected);
    }
    const nowhere = await cli(['backup', path.join(workDir, 'no-such-dir', 'x.tar')]);
    assert.equal(nowhere.code, 1);
    assert.match(nowhere.stderr, /^Error: cannot write .*no-such-dir\/x\.tar \(ENOENT\)\.\n$/);
    assert.equal(existsSync(file('x.tar')), false);
  });

  test('speaks Russian when asked', embeddedOnly, async () => {
    const result = await cli(['restore', file('garbage.tar')], { HERALD_LANGUAGE: 'ru' });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `Ошибка: ${file('garbage.tar')} не является резервной копией Herald.\n`);
    const backup = await cli(['backup', file('ru.tar')], { HERALD_LANGUAGE: 'ru' });
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(
      backup.stdout,
      /^Резервная копия записана в .*ru\.tar \(\d+(,\d)? МБ\)\. Пользователей: 4, получателей: 50, рассылок: 6, обложек: 1\.\n$/,
    );
  });
});
