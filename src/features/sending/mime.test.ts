import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, type KeyObject, verify } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { describe, test } from 'node:test';
import { simpleParser } from 'mailparser';
import DKIM from 'nodemailer/lib/dkim';
import { renderMessage } from '../messages/messages.render.ts';
import { compileMime, type MimeRecipient, newMessageId, parseMailbox } from './mime.ts';

const from = 'Herald <herald@example.com>';
const markdown = {
  subject: 'News for {{name}}',
  body: '# Hello {{name}}\n\nYour address is {{email}}.\n\n[Unsubscribe]({{unsubscribe_url}})',
  format: 'markdown' as const,
};
const recipient = (overrides: Partial<MimeRecipient> = {}): MimeRecipient => ({
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  unsubscribeUrl: 'https://herald.example/unsubscribe/WzEsImFkYUBleGFtcGxlLmNvbSJd.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg',
  messageId: newMessageId('example.com'),
  date: new Date('2026-03-01T09:30:00Z'),
  ...overrides,
});

/** Names and subjects that try to break out of their header, or are simply hard to encode. */
const hostileNames = [
  'Zoë Ångström',
  '山田太郎',
  '👩‍💻 Dev 🎉',
  'Eve\r\nBcc: evil@example.net',
  'Eve\nCc: evil@example.net',
  '"Mallory" <evil@example.net>, other@example.net',
  'back\\slash "quote"',
  '<evil@example.net>',
  'a, b; c: d',
  '=?UTF-8?B?PGV2aWxAZXhhbXBsZS5uZXQ+?=',
  'x'.repeat(300),
  `${'word '.repeat(40)}end`,
  '\u0000nul\u0007bell\ttab',
  '',
];

const headerLines = (raw: Buffer) => raw.toString('latin1').split('\r\n\r\n')[0]?.split('\r\n') ?? [];
/** Header field names in the order the e-mail carries them (folded lines belong to the field above). */
const fieldNames = (raw: Buffer) =>
  headerLines(raw).flatMap((line) => (/^[ \t]/.test(line) ? [] : [line.split(':')[0]?.toLowerCase()]));

describe('compileMime: the e-mail each recipient gets', () => {
  test('subject, text and HTML decode to exactly what the renderer made, for every kind of name', async () => {
    const mime = compileMime(markdown, { from });
    for (const name of hostileNames) {
      const { rendered, raw } = mime.build(recipient({ name }));
      const expected = renderMessage(markdown, { name, email: 'ada@example.com', unsubscribeUrl: recipient().unsubscribeUrl });
      assert.deepEqual(rendered, expected);
      const parsed = await simpleParser(raw);
      assert.equal(parsed.subject, expected.subject, name);
      // Text travels with CRLF line ends (canonical MIME text); mailparser gives them back as LF.
      assert.equal(parsed.text, expected.text.replace(/\r\n?/g, '\n'), name);
      assert.equal(parsed.html, expected.html.replace(/\r\n?/g, '\n'), name);
    }
  });

  test('a hostile name adds no header and no recipient, and shows as typed in To', async () => {
    const mime = compileMime(markdown, { from });
    const expectedFields = [
      'from',
      'to',
      'subject',
      'date',
      'message-id',
      'mime-version',
      'content-type',
      'list-unsubscribe',
      'list-unsubscribe-post',
    ];
    for (const name of hostileNames) {
      const { raw } = mime.build(recipient({ name }));
      assert.deepEqual(fieldNames(raw), expectedFields, name);
      const parsed = await simpleParser(raw);
      const to = Array.isArray(parsed.to) ? parsed.to : [parsed.to];
      assert.equal(to.length, 1, name);
      assert.deepEqual(
        to[0]?.value.map((a) => a.address),
        ['ada@example.com'],
        name,
      );
      // Control characters become spaces; everything else is shown as typed.
      assert.equal(to[0]?.value[0]?.name, name.replace(/\p{Cc}+/gu, ' ').trim(), name);
      assert.equal(parsed.cc, undefined);
      assert.equal(parsed.bcc, undefined);
    }
  });

  test('a subject template with hostile text stays one Subject header', async () => {
    const mime = compileMime({ subject: 'Hi {{name}} =?UTF-8?B?SGk=?= "x" <y>', body: 'b', format: 'text' }, { from });
    const { raw } = mime.build(recipient({ name: 'Eve\r\nBcc: evil@example.net' }));
    const parsed = await simpleParser(raw);
    assert.equal(parsed.subject, 'Hi Eve Bcc: evil@example.net =?UTF-8?B?SGk=?= "x" <y>');
    assert.equal(fieldNames(raw).filter((f) => f === 'subject').length, 1);
    assert.equal(parsed.bcc, undefined);
  });

  test('one List-Unsubscribe with the link and a mailto, the one-click marker, and the other headers', async () => {
    const r = recipient();
    const { raw } = compileMime(markdown, { from }).build(r);
    const fields = fieldNames(raw);
    assert.equal(fields.filter((f) => f === 'list-unsubscribe').length, 1);
    assert.equal(fields.filter((f) => f === 'list-unsubscribe-post').length, 1);
    const parsed = await simpleParser(raw);
    const unfolded = (name: string) => parsed.headerLines.find((h) => h.key === name)?.line.replace(/\r\n[ \t]/g, ' ') ?? '';
    assert.equal(
      unfolded('list-unsubscribe'),
      `List-Unsubscribe: <${r.unsubscribeUrl}>, <mailto:herald@example.com?subject=unsubscribe>`,
    );
    assert.equal(unfolded('list-unsubscribe-post'), 'List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    assert.equal(unfolded('mime-version'), 'MIME-Version: 1.0');
    assert.equal(unfolded('date'), 'Date: Sun, 01 Mar 2026 09:30:00 +0000');
    assert.equal(parsed.date?.toISOString(), '2026-03-01T09:30:00.000Z');
    assert.equal(parsed.messageId, `<${r.messageId}>`);
    assert.match(unfolded('content-type'), /^Content-Type: multipart\/alternative; boundary="[^"]+"$/);
    assert.deepEqual(
      parsed.attachments.map((a) => a.filename),
      [],
    );
  });

  test('every e-mail has its own Message-ID', async () => {
    const mime = compileMime(markdown, { from });
    const ids = new Set<string | undefined>();
    for (let i = 0; i < 50; i++) {
      const parsed = await simpleParser(mime.build(recipient({ messageId: newMessageId('example.com') })).raw);
      ids.add(parsed.messageId);
    }
    assert.equal(ids.size, 50);
    assert.match(newMessageId('example.com'), /^[0-9a-f-]{36}@example\.com$/);
  });

  test('on the wire: CRLF only, ASCII only, header lines folded to 78, no line over 998', () => {
    const long = {
      subject: `${'Quarterly news '.repeat(12)}for {{name}}`,
      body: `${'x'.repeat(3000)} {{name}}\n${'é'.repeat(2000)}`,
      format: 'markdown' as const,
    };
    for (const name of hostileNames) {
      const { raw } = compileMime(long, {
        from: 'Hérald Mailing Service of the Example Organisation <herald@example.com>',
      }).build(recipient({ name }));
      const text = raw.toString('latin1');
      assert.doesNotMatch(text, /[^\r]\n|\r[^\n]/, 'a bare CR or LF');
      assert.doesNotMatch(text, /[^\r\n\x20-\x7e]/, 'a byte other than printable ASCII and CRLF');
      for (const line of text.split('\r\n')) assert.ok(line.length <= 998, `${line.length}`);
      for (const line of headerLines(raw)) {
        if (!line.startsWith('List-Unsubscribe: ')) assert.ok(line.length <= 78, `${line.length}: ${line}`);
      }
    }
  });

  test('no line on the wire starts with a dot, so SMTP has nothing to stuff, and the dots decode as written', async () => {
    const body = `.lead\n\n..two\n\n.\n\n${'x'.repeat(74)}.{{name}}.\n\n{{name}}\n\n    .indented`;
    for (const format of ['text', 'markdown'] as const) {
      const mime = compileMime({ subject: '.{{name}}', body, format }, { from });
      for (const name of ['.', '..', '.\r\n.', `.${'y'.repeat(80)}.`, 'Ada']) {
        const built = mime.build(recipient({ name }));
        const text = built.raw.toString('latin1');
        assert.ok(!text.startsWith('.') && !text.includes('\n.'), `${format}, ${JSON.stringify(name)}: a line starts with a dot`);
        const parsed = await simpleParser(built.raw);
        assert.equal(parsed.text, built.rendered.text.replace(/\r\n?/g, '\n'));
        assert.equal(parsed.html, built.rendered.html.replace(/\r\n?/g, '\n'));
      }
    }
  });

  test('the boundary appears only where it delimits the parts, whatever the body says', async () => {
    const body = '--herald-\n\n--{{name}}--\n\n=?UTF-8?B?x?=\n\n.\n\n..';
    const { raw } = compileMime({ subject: 'S', body, format: 'text' }, { from }).build(recipient({ name: 'herald-' }));
    const text = raw.toString('latin1');
    const boundary = /boundary="([^"]+)"/.exec(text)?.[1] ?? '';
    assert.ok(boundary.length > 20);
    assert.equal(text.split(boundary).length - 1, 4, 'once in Content-Type, twice opening a part, once closing');
    const parsed = await simpleParser(raw);
    assert.equal(parsed.text, '--herald-\n\n--herald---\n\n=?UTF-8?B?x?=\n\n.\n\n..');
  });

  test('a message without placeholders is the same for everyone but the personal headers', async () => {
    const mime = compileMime({ subject: 'Static ✓', body: 'Same for **all**.', format: 'markdown' }, { from });
    const a = mime.build(recipient({ email: 'a@example.com', name: 'A' }));
    const b = mime.build(recipient({ email: 'b@example.com', name: 'B' }));
    const bodyOf = (raw: Buffer) => raw.toString('latin1').split('\r\n\r\n').slice(1).join('\r\n\r\n');
    assert.equal(bodyOf(a.raw), bodyOf(b.raw));
    const parsed = await simpleParser(b.raw);
    assert.equal(parsed.subject, 'Static ✓');
    assert.match(parsed.html || '', /<strong>all<\/strong>/);
    assert.equal((Array.isArray(parsed.to) ? parsed.to[0] : parsed.to)?.value[0]?.address, 'b@example.com');
  });

  test('a Latin-script part is quoted-printable with only the values encoded per recipient; a Cyrillic one is base64', async () => {
    const latin = compileMime(markdown, { from }).build(recipient()).raw.toString('latin1');
    assert.equal((latin.match(/Content-Transfer-Encoding: quoted-printable/g) ?? []).length, 2);
    assert.ok(latin.includes('Your address is'), 'plain words travel as they are');
    const cyrillic = {
      subject: 'Новости',
      body: `Здравствуйте, {{name}}! ${'Это письмо о новостях. '.repeat(20)}`,
      format: 'text' as const,
    };
    const raw = compileMime(cyrillic, { from }).build(recipient({ name: 'Ада' })).raw;
    assert.equal((raw.toString('latin1').match(/Content-Transfer-Encoding: base64/g) ?? []).length, 2);
    const parsed = await simpleParser(raw);
    assert.ok(parsed.text?.startsWith('Здравствуйте, Ада! Это письмо'));
  });

  test('From is MAIL_FROM as configured, and the envelope sender is its address', async () => {
    const cases: [string, string, string][] = [
      ['Herald <herald@example.com>', 'Herald', 'herald@example.com'],
      ['"Herald, Inc." <news@example.com>', 'Herald, Inc.', 'news@example.com'],
      ['Hérald 📨 <news@example.com>', 'Hérald 📨', 'news@example.com'],
      ['<bare@example.com>', '', 'bare@example.com'],
      ['plain@example.com', '', 'plain@example.com'],
    ];
    for (const [mailFrom, name, address] of cases) {
      const mime = compileMime(markdown, { from: mailFrom });
      assert.equal(mime.envelopeFrom, address);
      const parsed = await simpleParser(mime.build(recipient()).raw);
      assert.deepEqual(parsed.from?.value, [{ name, address }], mailFrom);
      assert.ok(
        parsed.headerLines.some(
          (h) => h.key === 'list-unsubscribe' && h.line.includes(`<mailto:${address}?subject=unsubscribe>`),
        ),
      );
    }
    for (const bad of ['Herald', 'Herald <>', 'a@b, c@d', 'x <a b@c>', 'Evil\r\nBcc: x@y <a@b>']) {
      assert.throws(() => compileMime(markdown, { from: bad }), /not a mailbox/, bad);
    }
    assert.deepEqual(parseMailbox(' "Quoted \\"Q\\"" <q@example.com> '), { name: 'Quoted "Q"', address: 'q@example.com' });
  });

  test('a recipient value that cannot be written safely is refused, not sent', () => {
    const mime = compileMime(markdown, { from });
    const refused: Partial<MimeRecipient>[] = [
      { email: 'ada@example.com>\r\nBcc: evil@example.net' },
      { email: 'two words@example.com' },
      { email: 'a@b@example.com' },
      { email: 'no-at-sign' },
      { email: 'x@example.com, y@example.net' },
      { unsubscribeUrl: 'https://herald.example/u>, <https://evil.example/' },
      { unsubscribeUrl: 'https://herald.example/u\r\nBcc: evil@example.net' },
      { unsubscribeUrl: 'javascript:alert(1)' },
      { messageId: '<id@example.com>' },
      { messageId: 'id@example.com\r\nBcc: evil@example.net' },
      { date: new Date(Number.NaN) },
    ];
    for (const overrides of refused) assert.throws(() => mime.build(recipient(overrides)), JSON.stringify(overrides));
  });
});

/**
 * A DKIM verifier written here from RFC 6376 (relaxed/relaxed, rsa-sha256), independent of
 * mime.ts; it is itself checked against nodemailer's signer below.
 */
function verifyDkim(
  raw: Buffer,
  publicKey: KeyObject,
): { tags: Record<string, string>; bodyHashMatches: boolean; signatureValid: boolean } {
  const text = raw.toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  const fields = text.slice(0, split).split(/\r\n(?![ \t])/);
  const body = text.slice(split + 4);
  const relaxedField = (field: string) => {
    const colon = field.indexOf(':');
    const value = field
      .slice(colon + 1)
      .replace(/\r\n(?=[ \t])/g, '')
      .replace(/[ \t]+/g, ' ')
      .trim();
    return `${field.slice(0, colon).trim().toLowerCase()}:${value}`;
  };
  const signature = fields.find((f) => /^dkim-signature\s*:/i.test(f)) ?? '';
  const tags = Object.fromEntries(
    signature
      .slice(signature.indexOf(':') + 1)
      .split(';')
      .filter((t) => t.trim() !== '')
      .map((t) => {
        const [key, ...value] = t.split('=');
        return [key?.trim() ?? '', value.join('=').replace(/[ \t\r\n]+/g, '')];
      }),
  );
  const lines = body.split('\r\n').map((line) => line.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  const relaxedBody = lines.length === 0 ? '' : `${lines.join('\r\n')}\r\n`;
  const bodyHash = createHash('sha256').update(relaxedBody, 'latin1').digest('base64');
  const remaining = [...fields];
  let data = '';
  for (const name of (tags.h ?? '').split(':')) {
    const index = remaining.findLastIndex((f) => f.slice(0, f.indexOf(':')).trim().toLowerCase() === name.toLowerCase());
    if (index === -1) continue;
    data += `${relaxedField(remaining[index] as string)}\r\n`;
    remaining.splice(index, 1);
  }
  data += relaxedField(signature.replace(/((?:^|;)[ \t\r\n]*b[ \t\r\n]*=)[^;]*/, '$1'));
  const signatureValid = verify('sha256', Buffer.from(data, 'latin1'), publicKey, Buffer.from(tags.b ?? '', 'base64'));
  return { tags, bodyHashMatches: bodyHash === tags.bh, signatureValid };
}

describe('compileMime: DKIM', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const dkim = { domain: 'example.com', selector: 'herald2026', privateKey: pem };

  test('the verifier used here accepts what nodemailer signs, and catches a changed byte', async () => {
    const message = [
      'From: Herald <herald@example.com>',
      'To:   "Ada"   <ada@example.com>',
      'Subject: Folded',
      '  subject line\t here',
      '',
      'Body with trailing space   ',
      'and  runs \t of whitespace',
      '',
      '',
    ].join('\r\n');
    const signer = new DKIM({
      domainName: 'example.com',
      keySelector: 'sel',
      privateKey: pem,
      headerFieldNames: 'from:to:subject',
    });
    const signed = await buffer(signer.sign(message));
    const result = verifyDkim(signed, publicKey);
    assert.ok(result.bodyHashMatches, 'body hash');
    assert.ok(result.signatureValid, 'signature');
    const tampered = Buffer.from(signed.toString('latin1').replace('Folded', 'Fooled'), 'latin1');
    assert.equal(verifyDkim(tampered, publicKey).signatureValid, false);
  });

  test('each e-mail carries a valid signature over the listed headers and the body', () => {
    const mime = compileMime(markdown, { from, dkim });
    for (const name of ['Ada Lovelace', 'Zoë 👩‍💻', 'Eve\r\nBcc: evil@example.net', 'x'.repeat(300)]) {
      const r = recipient({ name });
      const { raw } = mime.build(r);
      assert.equal(fieldNames(raw)[0], 'dkim-signature');
      const { tags, bodyHashMatches, signatureValid } = verifyDkim(raw, publicKey);
      assert.ok(bodyHashMatches, name);
      assert.ok(signatureValid, name);
      assert.equal(tags.v, '1');
      assert.equal(tags.a, 'rsa-sha256');
      assert.equal(tags.c, 'relaxed/relaxed');
      assert.equal(tags.d, 'example.com');
      assert.equal(tags.s, 'herald2026');
      assert.equal(tags.t, String(r.date.getTime() / 1000));
      assert.equal(tags.h, 'from:to:subject:date:message-id:mime-version:content-type:list-unsubscribe:list-unsubscribe-post');
    }
  });

  test("the body hash is the one nodemailer's signer computes for the same e-mail", async () => {
    const ours = compileMime(markdown, { from, dkim }).build(recipient()).raw;
    // nodemailer adds its own signature above Herald's; both hash the same body.
    const both = await buffer(new DKIM({ domainName: 'example.com', keySelector: 'other', privateKey: pem }).sign(ours));
    const bodyHashes = [
      ...both
        .toString('latin1')
        .replace(/\r\n[ \t]/g, '')
        .matchAll(/\bbh=([^;]+);/g),
    ].map((m) => m[1]);
    assert.equal(bodyHashes.length, 2);
    assert.equal(bodyHashes[0], bodyHashes[1]);
  });

  test('changing one byte of the body, or the Subject, breaks the signature', () => {
    const { raw } = compileMime(markdown, { from, dkim }).build(recipient());
    const text = raw.toString('latin1');
    const lastLine = text.lastIndexOf('\r\n--');
    const bodyByte = lastLine - 1;
    const flipped = text.slice(0, bodyByte) + (text[bodyByte] === 'A' ? 'B' : 'A') + text.slice(bodyByte + 1);
    assert.equal(verifyDkim(Buffer.from(flipped, 'latin1'), publicKey).bodyHashMatches, false);
    const subject = text.replace(/^Subject: .*$/m, 'Subject: Something else');
    assert.notEqual(subject, text);
    assert.equal(verifyDkim(Buffer.from(subject, 'latin1'), publicKey).signatureValid, false);
    assert.ok(verifyDkim(raw, publicKey).signatureValid);
  });

  test('a message without placeholders is signed correctly too (its body hash is computed once)', () => {
    const mime = compileMime({ subject: 'Same', body: 'Same for everyone.', format: 'text' }, { from, dkim });
    for (const email of ['a@example.com', 'b@example.com']) {
      const result = verifyDkim(mime.build(recipient({ email })).raw, publicKey);
      assert.ok(result.bodyHashMatches && result.signatureValid, email);
    }
  });

  test('whitespace runs, tabs and trailing spaces in the body keep the signature valid', async () => {
    const spaced = { subject: 'Spaces', body: 'Hello  {{name}},\n\n\tindented   line \nend ', format: 'text' as const };
    const { raw } = compileMime(spaced, { from, dkim }).build(recipient());
    const { bodyHashMatches, signatureValid } = verifyDkim(raw, publicKey);
    assert.ok(bodyHashMatches && signatureValid);
    const parsed = await simpleParser(raw);
    assert.equal(parsed.text?.trimEnd(), 'Hello  Ada Lovelace,\n\n\tindented   line \nend');
  });

  test('an unreadable key or a bad domain is refused when compiling', () => {
    assert.throws(() => compileMime(markdown, { from, dkim: { ...dkim, privateKey: 'not a key' } }));
    assert.throws(() => compileMime(markdown, { from, dkim: { ...dkim, domain: 'example.com; s=evil' } }), /DKIM_DOMAIN/);
  });
});
