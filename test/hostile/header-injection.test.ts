/**
 * Header injection (issue #6, hostile input): CR, LF, NUL, `Bcc:` smuggling, encoded-word tricks,
 * very long lines and non-ASCII text put into message subjects, recipient names and addresses and
 * users' full names, through the API, the forms and the CSV import. Each either is refused with a
 * clear 422 and nothing written, or, where accepted, comes out encoded in the e-mail a real SMTP
 * server on loopback receives: the raw message is read header by header, and no header is added
 * and no recipient appears beside the one each e-mail is for.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'drizzle-orm';
import type { AddressObject } from 'mailparser';
import { queryRows } from '../../src/db/client.ts';
import { toActor } from '../../src/features/auth/auth.service.ts';
import type { UserRow } from '../../src/features/users/users.repository.ts';
import { createUser, ensureAdmin, loginAgent, uniqueEmail } from '../support/accounts.ts';
import { Agent, bearer } from '../support/agent.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import type { ReceivedMail } from '../support/smtp.ts';

const VICTIM = 'victim@example.com';

/** Text that would end a header line or the header block: refused wherever a single line goes. */
const lineBreakers = [
  `x\r\nBcc: ${VICTIM}`,
  `x\nBcc: ${VICTIM}`,
  `x\rBcc: ${VICTIM}`,
  `x\r\n\r\n<body>`,
  `x\u0000Bcc: ${VICTIM}`,
  '\r\n',
  `x\r\n Bcc: ${VICTIM}`,
  `x\tBcc: ${VICTIM}`,
  `x\u001b[31m`,
  `x\u007f`,
];

/** Hostile but single-line text: accepted, and must come out encoded. */
const acceptedText = [
  `Bcc: ${VICTIM}`,
  `"Evil" <${VICTIM}>`,
  `x, ${VICTIM}; y <${VICTIM}>`,
  '=?UTF-8?B?QmNjOiB2aWN0aW1AZXhhbXBsZS5jb20=?=',
  '=?utf-8?q?x=0D=0ABcc:_victim@example.com?=',
  '=?ISO-8859-1?Q?=0D=0A?= trailing',
  'Привет, мир — 👩‍👩‍👧‍👦 ünïcödé',
  '\u202eRTL override\u202c and \u2028line\u2029separator',
  'back\\slash "quote" (comment) [x] : ;',
  `${'long-word-'.repeat(19)}end`,
  `${'Длинная строка без пробелов'.repeat(6)}`.slice(0, 190),
];

let t: TestApp;
let owner: UserRow;
let api: ReturnType<typeof bearer>;

before(async () => {
  t = await createTestApp();
  await ensureAdmin(t);
  owner = await createUser(t.c, { email: uniqueEmail('sender') });
  api = bearer(t.app, (await t.c.auth.createApiToken(toActor(owner, 'session'), { name: 'headers' })).token);
});
after(() => t?.close());

/** Rows of the tables a refused input must leave alone. */
const counts = async () =>
  (
    await queryRows(
      t.c.db,
      sql`SELECT (SELECT count(*) FROM messages) AS messages, (SELECT count(*) FROM recipients) AS recipients,
                 (SELECT md5(string_agg(full_name || email, '|' ORDER BY id)) FROM users) AS users`,
    )
  )[0];

/** The header block of a raw e-mail, unfolded, as [lower-case name, value] pairs; checks its line ends and length. */
function headersOf(mail: ReceivedMail): [string, string][] {
  const end = mail.raw.indexOf('\r\n\r\n');
  assert.ok(end > 0, 'the e-mail has a header block');
  const head = mail.raw.slice(0, end);
  for (const line of head.split('\r\n')) {
    assert.match(line, /^[\x20-\x7e\t]*$/, `header lines are 7-bit ASCII (no bare CR or LF, no NUL): ${JSON.stringify(line)}`);
    assert.ok(line.length <= 998, 'no header line passes 998 octets');
  }
  return head
    .replace(/\r\n[ \t]/g, ' ')
    .split('\r\n')
    .map((line) => {
      const colon = line.indexOf(':');
      assert.ok(colon > 0, `a header line has a name: ${JSON.stringify(line)}`);
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
    });
}

const addresses = (field: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((object) => object.value.map((a) => a.address?.toLowerCase()));

/** The checks every received e-mail passes: one recipient, no added header, nothing smuggled. */
function assertClean(mail: ReceivedMail, to: string) {
  const headers = headersOf(mail);
  const names = headers.map(([name]) => name);
  for (const once of ['from', 'to', 'subject', 'date', 'message-id']) {
    assert.equal(names.filter((name) => name === once).length, 1, `one ${once} header in ${names.join(', ')}`);
  }
  for (const smuggled of ['bcc', 'cc', 'reply-to', 'sender', 'resent-to', 'x-injected']) {
    assert.ok(!names.includes(smuggled), `no ${smuggled} header`);
  }
  assert.deepEqual(mail.to, [to], 'the envelope names the one recipient');
  assert.deepEqual(addresses(mail.parsed.to), [to], 'the To header names the one recipient');
  assert.deepEqual(addresses(mail.parsed.cc), []);
  assert.deepEqual(addresses(mail.parsed.bcc), []);
  assert.ok(!mail.to.includes(VICTIM));
}

test('CR, LF, NUL and other control characters in a subject are refused with 422, nothing written', async () => {
  const agent = await loginAgent(t, owner.email);
  for (const subject of lineBreakers) {
    const was = await counts();
    const response = await api('POST', '/api/v1/messages', { subject, body: 'Body' });
    assert.equal(response.statusCode, 422, JSON.stringify(subject));
    assert.equal(response.json().code, 'VALIDATION_FAILED');
    assert.ok(response.json().errors.subject, JSON.stringify(response.json()));
    const form = await agent.post('/messages', { subject, body: 'Body', format: 'markdown' });
    assert.equal(form.statusCode, 422, `form: ${JSON.stringify(subject)}`);
    assert.match(form.body, /Subject (is required|must be a single line without control characters)/);
    assert.deepEqual(await counts(), was, JSON.stringify(subject));
  }
});

test('line breaks in a recipient name or address are refused with 422 (API, form and CSV import), nothing written', async () => {
  const agent = await loginAgent(t, owner.email);
  const badAddresses = [
    // Line breaks at the very end are whitespace, trimmed like any other.
    ...lineBreakers.filter((text) => text.trim() !== '').map((text) => `a@example.com${text}`),
    `a@example.com, ${VICTIM}`,
    `a@example.com;${VICTIM}`,
    `A <${VICTIM}>`,
    `"x\r\nBcc: ${VICTIM}"@example.com`,
    `a@example.com\u0000`,
    `${'a'.repeat(250)}@example.com`,
  ];
  // A name is optional: one of nothing but a line break is trimmed away (checked below).
  for (const fullName of lineBreakers.filter((text) => text.trim() !== '')) {
    const was = await counts();
    const response = await api('POST', '/api/v1/recipients', { email: uniqueEmail('r'), fullName });
    assert.equal(response.statusCode, 422, JSON.stringify(fullName));
    assert.ok(response.json().errors.fullName, JSON.stringify(response.json()));
    const form = await agent.post('/recipients', { email: uniqueEmail('r'), fullName });
    assert.equal(form.statusCode, 422, `form: ${JSON.stringify(fullName)}`);
    assert.deepEqual(await counts(), was);
  }
  for (const email of badAddresses) {
    const was = await counts();
    const response = await api('POST', '/api/v1/recipients', { email, fullName: 'Name' });
    assert.equal(response.statusCode, 422, JSON.stringify(email));
    assert.ok(response.json().errors.email, JSON.stringify(response.json()));
    assert.deepEqual(await counts(), was);
  }
  const blank = await api('POST', '/api/v1/recipients', { email: uniqueEmail('r'), fullName: '\r\n' });
  assert.equal(blank.statusCode, 201);
  assert.equal(blank.json().fullName, '');
  // A CSV field may hold a line break inside quotes: that row is reported, the others imported.
  const good = uniqueEmail('csv');
  const csv = `email,name\r\n${good},Fine\r\n${uniqueEmail('csv')},"x\r\nBcc: ${VICTIM}"\r\n"${uniqueEmail('csv')}\r\nBcc: ${VICTIM}",y\r\n`;
  const boundary = 'hostile-boundary';
  const part = `Content-Disposition: form-data; name="file"; filename="r.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}`;
  const upload = await t.app.inject({
    method: 'POST',
    url: `/recipients/import?_csrf=${encodeURIComponent(await agent.csrfToken())}`,
    payload: `--${boundary}\r\n${part}\r\n--${boundary}--\r\n`,
    headers: { cookie: agent.cookieHeader(), 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
  assert.equal(upload.statusCode, 200, upload.body.slice(0, 500));
  const rows = await queryRows<{ email: string; full_name: string }>(
    t.c.db,
    sql`SELECT email, full_name FROM recipients WHERE owner_id = ${owner.id} AND email LIKE 'csv-%'`,
  );
  assert.deepEqual(rows, [{ email: good, full_name: 'Fine' }]);
  for (const row of await queryRows<{ v: string }>(t.c.db, sql`SELECT full_name || email AS v FROM recipients`)) {
    assert.ok(!/[\r\n]/.test(row.v) && !row.v.includes('\u0000'), JSON.stringify(row.v));
  }
});

test('line breaks in a user’s full name are refused with 422 (profile API, profile form, registration), nothing written', async () => {
  const agent = await loginAgent(t, owner.email);
  const guest = new Agent(t.app, '10.2.0.1');
  for (const fullName of lineBreakers) {
    const was = await counts();
    const response = await api('PATCH', '/api/v1/me', { fullName, timeZone: 'UTC', language: 'en' });
    assert.equal(response.statusCode, 422, JSON.stringify(fullName));
    assert.ok(response.json().errors.fullName);
    const form = await agent.post('/profile/edit', { fullName, timeZone: 'UTC', language: 'en' });
    assert.equal(form.statusCode, 422, `profile form: ${JSON.stringify(fullName)}`);
    const password = 'a-long-register-password-9';
    const email = uniqueEmail('reg');
    const register = await guest.post('/register', { email, fullName, password, passwordConfirm: password });
    assert.equal(register.statusCode, 422, `register: ${JSON.stringify(fullName)}`);
    assert.deepEqual(await counts(), was);
  }
});

/** Creates the people as recipients of `owner`, each kept as stored (trimmed, which takes line separators at either end too). */
async function addRecipients(people: { email: string; fullName: string }[]) {
  const ids: number[] = [];
  for (const person of people) {
    const created = await api('POST', '/api/v1/recipients', person);
    assert.equal(created.statusCode, 201, `${JSON.stringify(person)} → ${created.body}`);
    ids.push(created.json().id);
    person.fullName = created.json().fullName;
  }
  return ids;
}

const seen = new Set<ReceivedMail>();

/** A mailing of `owner` with this subject to these recipients, sent now; resolves with each one's e-mail. */
async function sendMailing(subject: string, recipientIds: number[], emails: string[]) {
  const message = await api('POST', '/api/v1/messages', { subject, body: 'Hello {{name}}', format: 'text' });
  assert.equal(message.statusCode, 201, message.body);
  const mailing = await api('POST', '/api/v1/mailings', {
    name: `Hostile ${subject}`.slice(0, 200),
    messageId: message.json().id,
    recipientIds,
    timeZone: 'UTC',
    startsAt: '2031-01-01T09:00:00Z',
    endsAt: '2032-01-01T09:00:00Z',
    scheduleKind: 'once',
  });
  assert.equal(mailing.statusCode, 201, mailing.body);
  const run = await api('POST', `/api/v1/mailings/${mailing.json().id}/send`);
  assert.equal(run.statusCode, 201, run.body);
  const mails: ReceivedMail[] = [];
  for (const email of emails) {
    const mail = await t.smtp!.nextMail(email, () => true, seen);
    seen.add(mail);
    mails.push(mail);
  }
  return mails;
}

test('hostile text that is accepted comes out encoded: each e-mail has its headers and its one recipient', async () => {
  const people = acceptedText.map((fullName, i) => ({ email: uniqueEmail(`enc${i}`), fullName }));
  // Unusual but valid addresses are kept as they are.
  people.push({ email: `o'brien+tag-${Date.now()}@example.com`, fullName: 'Plain' });
  const ids = await addRecipients(people);
  for (const text of acceptedText) {
    const mails = await sendMailing(
      `{{name}} | ${text}`,
      ids,
      people.map((person) => person.email),
    );
    for (const [i, mail] of mails.entries()) {
      const person = people[i]!;
      assertClean(mail, person.email);
      assert.equal(mail.parsed.subject, `${person.fullName} | ${text}`, 'the subject reads as written');
      const [to] = (Array.isArray(mail.parsed.to) ? mail.parsed.to : [mail.parsed.to!])[0]!.value;
      assert.equal(to?.name, person.fullName, 'the name stays in the display name');
    }
  }
  assert.ok(!t.smtp!.received.some((mail) => mail.to.includes(VICTIM)), 'nothing was ever sent to the victim');
});

test('a user’s accepted hostile full name does not reach the headers of the mail they are sent', async () => {
  for (const fullName of acceptedText.slice(0, 4)) {
    const user = await createUser(t.c, { email: uniqueEmail('self') });
    const agent: Agent = await loginAgent(t, user.email);
    const me = bearer(t.app, (await t.c.auth.createApiToken(toActor(user, 'session'), { name: 'self' })).token);
    const changed = await me('PATCH', '/api/v1/me', { fullName, timeZone: 'UTC', language: 'en' });
    assert.equal(changed.statusCode, 200, changed.body);
    const message = await me('POST', '/api/v1/messages', { subject: `Test ${fullName}`, body: 'Hi {{name}}' });
    assert.equal(message.statusCode, 201);
    const sent = await agent.post(`/messages/${message.json().id}/test`);
    assert.equal(sent.statusCode, 303);
    const mail = await t.smtp!.nextMail(user.email);
    assertClean(mail, user.email);
    assert.equal(mail.parsed.subject, `[Test] Test ${fullName}`);
  }
});
