import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './net.ts';

/**
 * A real PostgreSQL 15 server for the test run: initdb + pg_ctl in a temp directory on 127.0.0.1
 * and a free port. PostgreSQL refuses to run as root, so as root it runs as `nobody`.
 */
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface PostgresServer {
  url: string;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<PostgresServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'herald-pg-'));
  const dataDir = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot ? { uid: 65534, gid: 65534 } : {};
  if (asRoot) {
    chmodSync(dir, 0o755);
    chownSync(dir, 65534, 65534);
  }
  const port = await freePort();
  const pwFile = path.join(dir, 'pw');
  writeFileSync(pwFile, 'herald\n');
  if (asRoot) chownSync(pwFile, 65534, 65534);
  const init = spawnSync(
    path.join(PG_BIN, 'initdb'),
    ['-D', dataDir, '-U', 'herald', '--pwfile', pwFile, '-A', 'scram-sha-256', '-E', 'UTF8', '--no-instructions'],
    { ...ids, encoding: 'utf8', cwd: dir },
  );
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(path.join(PG_BIN, 'pg_ctl'), ['-D', dataDir, '-o', options, '-l', path.join(dir, 'log'), '-w', 'start'], {
      ...ids,
      cwd: dir,
      stdio: 'ignore',
    });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pg_ctl start exited ${code}`))));
  });
  return {
    url: `postgres://herald:herald@127.0.0.1:${port}/postgres`,
    async stop() {
      spawnSync(path.join(PG_BIN, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], {
        ...ids,
        cwd: dir,
        stdio: 'ignore',
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh, empty database on the test server, so each test file is isolated from the others. */
export async function createDatabase(serverUrl: string): Promise<string> {
  const name = `herald_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
