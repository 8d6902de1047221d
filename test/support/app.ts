import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { type Container, createContainer } from '../../src/container.ts';
import type { OutgoingMail } from '../../src/features/mail/mail.service.ts';
import type { Clock } from '../../src/lib/clock.ts';
import { createDatabase } from './postgres.ts';
import { TestSmtpServer } from './smtp.ts';

/** Which engine this run of the suite uses: PGlite by default, PostgreSQL when the runner says so. */
export const testDb = process.env.HERALD_TEST_PG_URL ? 'postgres' : 'pglite';

export interface TestApp {
  app: FastifyInstance;
  c: Container;
  smtp: TestSmtpServer | null;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * Builds Herald as production does, on PGlite in memory or a fresh PostgreSQL database, with a
 * real SMTP server on loopback (or the dev mailbox when `devMailbox` is set).
 */
export async function createTestApp(
  options: { devMailbox?: boolean; env?: Record<string, string>; clock?: Clock; logger?: Logger; pgliteDir?: string } = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'herald-test-'));
  const smtp = options.devMailbox ? null : await new TestSmtpServer().start();
  const databaseUrl = process.env.HERALD_TEST_PG_URL ? await createDatabase(process.env.HERALD_TEST_PG_URL) : undefined;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.HERALD_TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: dataDir,
    BASE_URL: 'http://localhost:3000',
    SECRET_KEY: 'test-secret-key-that-is-long-enough-0123456789',
    ...(smtp ? { SMTP_URL: smtp.url } : {}),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...options.env,
  });
  const c = await createContainer(config, {
    pgliteDir: options.pgliteDir ?? 'memory://',
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const app = await buildApp(c);
  await app.ready();
  await c.startWorkers();
  return {
    app,
    c,
    smtp,
    dataDir,
    async close() {
      await app.close();
      await c.close();
      await smtp?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits for the dev mailbox to capture a mail to `to` (dev-mailbox mode). */
export async function nextCapturedMail(c: Container, to: string): Promise<OutgoingMail> {
  for (;;) {
    const [mail] = (await once(c.mail.events, 'delivered')) as [OutgoingMail];
    if (mail.to === to) return mail;
  }
}
