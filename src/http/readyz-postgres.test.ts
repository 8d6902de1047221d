/**
 * Readiness against a real PostgreSQL server that goes away: /readyz turns 503 (so a load
 * balancer stops sending traffic), /healthz stays 200 (the process itself is fine, no restart),
 * and /metrics says the database is down. This file starts (and stops) its own server, since
 * stopping the suite's shared one would break the other files; it runs with the PostgreSQL engine.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { testDb } from '../../test/support/app.ts';
import { createDatabase, type PostgresServer, startPostgres } from '../../test/support/postgres.ts';
import { buildApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { type Container, createContainer } from '../container.ts';

const TOKEN = 'metrics-token-0123456789abcdef';
const skip = testDb === 'postgres' ? false : 'runs with the PostgreSQL engine (HERALD_TEST_ONLY=postgres)';

let server: PostgresServer | undefined;
let c: Container | undefined;
let app: FastifyInstance | undefined;
let dataDir: string | undefined;

before(async () => {
  if (skip) return;
  server = await startPostgres();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'herald-readyz-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.HERALD_TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: dataDir,
    SECRET_KEY: 'test-secret-key-that-is-long-enough-0123456789',
    DATABASE_URL: await createDatabase(server.url),
    METRICS_TOKEN: TOKEN,
  });
  // A web process (`herald web`): no scheduler, sender or job workers of its own.
  c = await createContainer(config);
  app = await buildApp(c);
  await app.ready();
});

after(async () => {
  await app?.close();
  await c?.close();
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('/readyz answers 503 once PostgreSQL stops, while /healthz stays 200', { skip }, async () => {
  const get = (url: string) =>
    app!.inject({ method: 'GET', url, headers: url === '/metrics' ? { authorization: `Bearer ${TOKEN}` } : {} });
  const ready = await get('/readyz');
  assert.deepEqual([ready.statusCode, ready.json()], [200, { status: 'ready' }]);

  await server!.stop();
  server = undefined;

  const down = await get('/readyz');
  assert.deepEqual([down.statusCode, down.json()], [503, { status: 'unavailable' }]);
  assert.equal(down.headers['cache-control'], 'no-store');
  const health = await get('/healthz');
  assert.deepEqual([health.statusCode, health.json()], [200, { status: 'ok' }]);
  const metrics = await get('/metrics');
  assert.equal(metrics.statusCode, 200);
  assert.match(metrics.body, /^herald_database_up 0$/m);
});
