import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simpleParser } from 'mailparser';
import { encodeQuotedPrintable, SOFT_BREAK } from './quoted-printable.ts';

/** A minimal decoder, written from RFC 2045 §6.7 apart from the encoder under test. */
function decode(encoded: string): string {
  const bytes = encoded
    .replace(/=\r\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

const samples = [
  'Hello Ada,\n\nYour newsletter is here.',
  'a  double  space, a\ttab, a trailing space \nand three   spaces',
  '    indented code\n\ttabbed',
  `${'long line without breaks '.repeat(20)}end`,
  'x'.repeat(500),
  'equals = sign, =3D looks encoded, ==',
  'Привет, Ада! Zoë Ångström 👩‍💻',
  '.\n.. dots at line starts\nFrom the start',
  `${'x'.repeat(74)}.after a soft break`,
  `${'x'.repeat(75)}.${'y'.repeat(74)}.`,
  'CRLF\r\nand CR\rand LF\nmixed',
  ' ',
  '',
  'ends with a space ',
];

test('quoted-printable decodes to the text with CRLF line ends', () => {
  for (const text of samples) {
    assert.equal(decode(encodeQuotedPrintable(text)), text.replace(/\r\n?|\n/g, '\r\n'), JSON.stringify(text));
  }
});

test('output is ASCII, lines are at most 76 characters, with no whitespace run, no trailing whitespace and no leading dot', () => {
  for (const text of samples) {
    const encoded = encodeQuotedPrintable(text);
    assert.ok(/^[\x20-\x7e\r\n]*$/.test(encoded), JSON.stringify(text));
    for (const line of encoded.split('\r\n')) {
      assert.ok(line.length <= 76, `${line.length}: ${line}`);
      assert.ok(!/[ \t]{2}/.test(line), `whitespace run in ${JSON.stringify(line)}`);
      assert.ok(!/[ \t]$/.test(line), `trailing whitespace in ${JSON.stringify(line)}`);
      assert.ok(!line.includes('\t'), 'tabs are encoded');
      assert.ok(!line.startsWith('.'), `a line starting with a dot would need SMTP dot-stuffing: ${JSON.stringify(line)}`);
    }
  }
});

test('pieces encoded apart and joined with soft breaks decode as one text, in a real MIME parser too', async () => {
  const pieces = ['Dear ', 'Zoë  Ångström', ',\n\nYour address is ', 'ada@example.com', '. '];
  const joined = pieces.map(encodeQuotedPrintable).join(SOFT_BREAK);
  assert.equal(decode(joined), pieces.join('').replace(/\n/g, '\r\n'));
  const mail = `From: a@example.com\r\nTo: b@example.com\r\nSubject: t\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${joined}\r\n`;
  const parsed = await simpleParser(Buffer.from(mail, 'latin1'));
  assert.equal(parsed.text?.trimEnd(), pieces.join('').trimEnd());
});
