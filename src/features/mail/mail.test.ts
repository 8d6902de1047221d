import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import pino from 'pino';
import { createUser, loginAgent, PASSWORD, signedIn, uniqueEmail } from '../../../test/support/accounts.ts';
import { Agent } from '../../../test/support/agent.ts';
import { createTestApp, nextCapturedMail } from '../../../test/support/app.ts';
import { freePort } from '../../../test/support/net.ts';
import { createDatabase } from '../../../test/support/postgres.ts';
import { TestSmtpServer } from '../../../test/support/smtp.ts';
import { loadConfig } from '../../config.ts';
import { createContainer } from '../../container.ts';

const register = (agent: Agent, email: string) =>
  agent.post('/register', { email, fullName: 'Mail Tester', password: PASSWORD, passwordConfirm: PASSWORD });

describe('without SMTP_URL: the dev mailbox', () => {
  test('captures the mail, logs its link to the console, and shows it to admins only', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const t = await createTestApp({ devMailbox: true, logger });
    try {
      const admin = await createUser(t.c, { role: 'admin' });
      const email = uniqueEmail();
      const captured = nextCapturedMail(t.c, email);
      await register(new Agent(t.app), email);
      const mail = await captured;
      const link = mail.links?.[0] ?? '';
      assert.ok(link?.startsWith('http://localhost:3000/confirm/'));
      assert.ok(
        lines.some((line) => line.includes(link) && line.includes('dev mailbox')),
        'the link is on the console',
      );

      const adminAgent = await loginAgent(t, admin.email);
      const mailbox = await adminAgent.get('/dev/mailbox');
      assert.equal(mailbox.statusCode, 200);
      assert.ok(mailbox.body.includes(email));
      assert.ok(mailbox.body.includes(link));
      const id = /href="\/dev\/mailbox\/(\d+)"/.exec(mailbox.body)?.[1];
      const one = await adminAgent.get(`/dev/mailbox/${id}`);
      assert.equal(one.statusCode, 200);
      assert.match(one.body, /Confirm your e-mail address/);
      assert.equal((await adminAgent.get('/dev/mailbox/999999')).statusCode, 404);
      assert.equal((await adminAgent.get('/dev/mailbox/abc')).statusCode, 404);

      const { agent: userAgent } = await signedIn(t);
      assert.equal((await userAgent.get('/dev/mailbox')).statusCode, 403);
      const { agent: managerAgent } = await signedIn(t, { role: 'manager' });
      assert.equal((await managerAgent.get('/dev/mailbox')).statusCode, 403);
      assert.equal((await new Agent(t.app).get('/dev/mailbox')).statusCode, 303);

      // The newcomer's path: the link from the mailbox confirms the account.
      assert.equal((await new Agent(t.app).get(link.slice('http://localhost:3000'.length))).statusCode, 303);
      assert.equal((await new Agent(t.app).post('/login', { email, password: PASSWORD })).statusCode, 303);
    } finally {
      await t.close();
    }
  });
});

describe('with SMTP_URL', () => {
  test('mail reaches the SMTP server with From, To, text and HTML parts; no dev mailbox', async () => {
    const t = await createTestApp({ env: { MAIL_FROM: 'Herald Test <noreply@herald.test>' } });
    try {
      const admin = await createUser(t.c, { role: 'admin' });
      const email = uniqueEmail();
      await register(new Agent(t.app), email);
      const mail = await t.smtp!.nextMail(email);
      assert.equal(mail.parsed.from?.value[0]?.address, 'noreply@herald.test');
      assert.deepEqual(mail.to, [email]);
      assert.match(mail.parsed.text ?? '', /http:\/\/localhost:3000\/confirm\//);
      assert.match(String(mail.parsed.html), /<a href="http:\/\/localhost:3000\/confirm\//);
      assert.ok(mail.parsed.messageId);
      const adminAgent = await loginAgent(t, admin.email);
      assert.equal((await adminAgent.get('/dev/mailbox')).statusCode, 404);
    } finally {
      await t.close();
    }
  });

  test('a mail that fails while the SMTP server is down is retried and delivered once it is back', async () => {
    const port = await freePort();
    const t = await createTestApp({ devMailbox: true, env: { SMTP_URL: `smtp://127.0.0.1:${port}` } });
    const smtp = new TestSmtpServer();
    try {
      await createUser(t.c, { role: 'admin' });
      const email = uniqueEmail();
      const failed = once(t.c.mail.events, 'failed');
      const response = await register(new Agent(t.app), email);
      assert.equal(response.statusCode, 200, 'the request does not wait for SMTP');
      await failed;
      await smtp.start(port);
      const mail = await smtp.nextMail(email);
      assert.match(mail.parsed.subject ?? '', /Confirm/);
    } finally {
      await t.close();
      await smtp.stop();
    }
  });

  test('a queued mail survives a restart', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'herald-mail-'));
    const smtp = await new TestSmtpServer().start();
    const databaseUrl = process.env.HERALD_TEST_PG_URL ? await createDatabase(process.env.HERALD_TEST_PG_URL) : undefined;
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      SMTP_URL: smtp.url,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    });
    const email = uniqueEmail();
    try {
      const first = await createContainer(config);
      await first.mail.enqueue({ to: email, subject: 'Queued before the restart', text: 'hello' });
      await first.close();
      assert.equal(smtp.received.length, 0, 'nothing was sent by the first process');

      const second = await createContainer(config);
      try {
        await second.startWorkers();
        const mail = await smtp.nextMail(email);
        assert.equal(mail.parsed.subject, 'Queued before the restart');
      } finally {
        await second.close();
      }
    } finally {
      await smtp.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
