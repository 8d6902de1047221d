/**
 * The whole e-mail as it goes over the wire (RFC 5322 + MIME), built per recipient from a skeleton
 * compiled once per run: the message is rendered once (see `compileMessage`), and the From line,
 * the boundary, the part headers, and every part or header that is the same for everyone are
 * made once. A recipient's e-mail then costs the join of a few strings (the quoted-printable of
 * their values, or the base64 of a personalised part in a non-Latin script), and, with DKIM, one
 * body hash and one RSA signature.
 *
 * Everything written is 7-bit ASCII with CRLF line ends: headers with non-ASCII text use RFC 2047
 * encoded-words, parts are quoted-printable or base64 (neither can write the random `--boundary`
 * line), header lines are folded to 78 characters where the standard says they should be, and no
 * line comes near the 998-octet limit. A recipient's name never leaves its display name: it is quoted, or
 * encoded, and stripped of control characters, so no name can add a header or an address.
 */
import { createHash, createPrivateKey, type KeyObject, randomBytes, randomUUID, sign } from 'node:crypto';
import { compileMessage, type MessageTemplate, type RenderedMessage, splice } from '../messages/messages.render.ts';
import { encodeQuotedPrintable, SOFT_BREAK } from './quoted-printable.ts';

export interface MimeOptions {
  /** MAIL_FROM as configured, e.g. `Herald <herald@example.com>`. */
  from: string;
  dkim?: { domain: string; selector: string; privateKey: string } | undefined;
}

export interface MimeRecipient {
  email: string;
  name: string;
  unsubscribeUrl: string;
  /** Without the angle brackets, e.g. from `newMessageId`. */
  messageId: string;
  date: Date;
}

export interface CompiledMime {
  /**
   * The rendered parts (for the dev mailbox) and the wire bytes: CRLF line ends only, and no line
   * that starts with '.' (quoted-printable writes such a dot as `=2E`), so DATA has nothing to add.
   */
  build(recipient: MimeRecipient): { rendered: RenderedMessage; raw: Buffer };
  /** The envelope sender address taken from MAIL_FROM. */
  readonly envelopeFrom: string;
}

const CRLF = '\r\n';
/** The recommended line length (RFC 5322 §2.1.1); 998 is the hard limit. */
const LINE = 78;

/** The header names a DKIM signature covers, in the order the e-mail carries them. */
const signedHeaders = [
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

/** A Message-ID's left and right parts: dot-atom text (RFC 5322 §3.6.4). */
const messageIdPattern = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,400}@[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,255}$/;
/** An address Herald writes as it is: ASCII atoms and dots, a domain name; nothing that could end or split it. */
const addressPattern = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9.-]{1,253}$/;
const urlPattern = /^https?:\/\/[\x21-\x3b\x3d\x3f-\x7e]{1,900}$/;

/** A fresh Message-ID (without angle brackets) on the sender's domain. */
export function newMessageId(domain: string): string {
  return `${randomUUID()}@${domain}`;
}

/** The display name and address of a mailbox such as MAIL_FROM: `Name <a@b>`, `"Name" <a@b>`, `<a@b>` or `a@b`. */
export function parseMailbox(text: string): { name: string; address: string } {
  // Control characters are refused outright (the address pattern cannot match with them around).
  const match = /\p{Cc}/u.test(text) ? null : /^\s*(?:"((?:[^"\\]|\\.)*)"|([^<>"]*?))\s*<([^<>]*)>\s*$/.exec(text);
  const name = match ? (match[1]?.replace(/\\(.)/g, '$1') ?? match[2] ?? '') : '';
  const address = (match ? match[3] : text)?.trim() ?? '';
  if (!addressPattern.test(address)) throw new Error(`"${text}" is not a mailbox Herald can send from (Name <address@domain>).`);
  return { name: name.trim(), address };
}

/** Printable ASCII that no reader could take for an encoded-word: safe to write as it is. */
function isPlainText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) return false;
  }
  return !text.includes('=?');
}

/** UTF-8 length of one code point. */
const utf8Length = (codePoint: number) => (codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4);

/**
 * The text as RFC 2047 encoded-words (UTF-8, base64), cut between characters so each decodes
 * alone; the first fits in `firstRoom` characters, the others on a folded line of their own.
 */
function encodedWords(text: string, firstRoom: number): string[] {
  const words: string[] = [];
  let room = firstRoom;
  let chunk = '';
  let bytes = 0;
  for (const char of text) {
    const size = utf8Length(char.codePointAt(0) as number);
    // `=?UTF-8?B?` and `?=` take 12 characters; base64 writes 4 for every 3 bytes.
    if (bytes > 0 && 12 + Math.ceil((bytes + size) / 3) * 4 > room) {
      words.push(`=?UTF-8?B?${Buffer.from(chunk).toString('base64')}?=`);
      room = LINE - 1;
      chunk = '';
      bytes = 0;
    }
    chunk += char;
    bytes += size;
  }
  if (chunk !== '') words.push(`=?UTF-8?B?${Buffer.from(chunk).toString('base64')}?=`);
  return words;
}

/** A header line of plain text folded before spaces to fit LINE, or null when a word is too long to fold. */
function foldAtSpaces(line: string, nameLength: number): string | null {
  let out = '';
  let rest = line;
  let minimum = nameLength + 2;
  while (rest.length > LINE) {
    let at = LINE;
    while (at >= minimum && !(rest[at] === ' ' && rest[at - 1] !== ' ')) at--;
    if (at < minimum) return null;
    out += rest.slice(0, at) + CRLF;
    rest = rest.slice(at);
    minimum = 1;
  }
  return out + rest;
}

/** `Subject:` as written when it is plain and foldable, else as encoded-words. */
export function subjectHeader(subject: string): string {
  if (subject === '') return 'Subject:';
  const plain = isPlainText(subject) ? foldAtSpaces(`Subject: ${subject}`, 'Subject'.length) : null;
  return plain ?? `Subject: ${encodedWords(subject, LINE - 'Subject: '.length).join(`${CRLF} `)}`;
}

/** A mailbox header: the name quoted (or encoded when not plain or too long), then the address. */
function mailboxHeader(field: 'From' | 'To', name: string, address: string): string {
  const display = name.replace(/\p{Cc}+/gu, ' ').trim();
  const head = `${field}: `;
  if (display === '') return head + address;
  const quoted = `"${display.replace(/[\\"]/g, '\\$&')}"`;
  const words =
    isPlainText(display) && head.length + quoted.length <= LINE ? [quoted] : encodedWords(display, LINE - head.length);
  const lastLength = words.length === 1 ? head.length + (words[0] as string).length : 1 + (words.at(-1) as string).length;
  const separator = lastLength + 3 + address.length <= LINE ? ' ' : `${CRLF} `;
  return `${head}${words.join(`${CRLF} `)}${separator}<${address}>`;
}

/** RFC 5322 date-time in UTC, e.g. `Thu, 01 Jan 2026 09:30:00 +0000`. */
function dateHeader(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new Error('The Date of an e-mail must be a valid date.');
  return `Date: ${date.toUTCString().replace('GMT', '+0000')}`;
}

/** `dateHeader`, made once per second: the e-mails of a second share their Date line. */
function dateHeaders(): (date: Date) => string {
  let second = Number.NaN;
  let line = '';
  return (date) => {
    const at = Math.floor(date.getTime() / 1000);
    if (at !== second) {
      line = dateHeader(date);
      second = at;
    }
    return line;
  };
}

/**
 * A text part in base64, in lines of 76 characters, without a final line end. Its line breaks
 * become CRLF first, the canonical form of text that RFC 2045 §6.8 asks to encode.
 */
function base64Lines(text: string): string {
  // Most texts hold no CR at all, and replaceAll is the quicker way to turn their LFs into CRLFs.
  const canonical = text.includes('\r') ? text.replace(/\r\n|\r|\n/g, CRLF) : text.replaceAll('\n', CRLF);
  const encoded = Buffer.from(canonical, 'utf8').toString('base64');
  let out = encoded.slice(0, 76);
  for (let i = 76; i < encoded.length; i += 76) out += CRLF + encoded.slice(i, i + 76);
  return out;
}

/** A piece of an e-mail being assembled: ASCII text, or bytes prepared once per run. */
type Piece = string | Buffer;

/** One recipient's slot values, with each value's quoted-printable made once however many slots show it. */
class SlotValues {
  private readonly quoted: (string | undefined)[] = [];
  constructor(readonly values: string[]) {}
  /** The value of a slot as a quoted-printable piece, soft break in front. */
  quotedPrintable(slot: number): string {
    let piece = this.quoted[slot];
    if (piece === undefined) {
      piece = SOFT_BREAK + encodeQuotedPrintable(this.values[slot] as string);
      this.quoted[slot] = piece;
    }
    return piece;
  }
}

interface PartWriter {
  /** The whole part (headers and body) when it is the same for every recipient, else null. */
  readonly fixed: string | null;
  /** Appends the whole part for one recipient's slot values to `out`. */
  write(values: SlotValues, out: Piece[]): void;
}

/**
 * One part of the multipart body, in the shorter of two encodings. Quoted-printable (short for
 * mostly-ASCII text) encodes the template's static pieces once and a recipient's values alone,
 * joined by soft line breaks; base64 (short for other scripts) encodes each personalised part whole.
 */
function writePart(boundary: string, type: string, template: MessageTemplate, sample: string, personalised: boolean): PartWriter {
  const head = (encoding: string) =>
    `--${boundary}${CRLF}Content-Type: ${type}; charset=utf-8${CRLF}Content-Transfer-Encoding: ${encoding}${CRLF}${CRLF}`;
  const base64 = base64Lines(sample);
  const quoted = template.parts.map(encodeQuotedPrintable);
  const quotedLength = quoted.reduce((sum, piece) => sum + piece.length, 0);
  if (quotedLength > base64.length) {
    const base64Head = head('base64');
    if (!personalised) return { fixed: base64Head + base64, write: (_, out) => out.push(base64Head, base64) };
    return { fixed: null, write: (values, out) => out.push(base64Head, base64Lines(splice(template, values.values))) };
  }
  const quotedHead = head('quoted-printable');
  if (!personalised) {
    const whole = quotedHead + encodeQuotedPrintable(sample);
    return { fixed: whole, write: (_, out) => out.push(whole) };
  }
  // The static pieces as bytes, so an e-mail copies them instead of joining long strings.
  const [first, ...rest] = quoted.map((piece, i) => Buffer.from(i === 0 ? quotedHead + piece : SOFT_BREAK + piece, 'latin1'));
  const { slots } = template;
  return {
    fixed: null,
    write(values, out) {
      out.push(first as Buffer);
      for (let i = 0; i < slots.length; i++) {
        out.push(values.quotedPrintable(slots[i] as number), rest[i] as Buffer);
      }
    },
  };
}

/** The DKIM body hash of the pieces from `from` on, hashed where they lie instead of joined first. */
function bodyHashOf(pieces: Piece[], from: number): string {
  const hash = createHash('sha256');
  for (let i = from; i < pieces.length; i++) {
    const piece = pieces[i] as Piece;
    if (typeof piece === 'string') hash.update(piece, 'latin1');
    else hash.update(piece);
  }
  return hash.digest('base64');
}

/** The pieces as one buffer: one allocation, each piece copied once (every string piece is ASCII). */
function joinPieces(pieces: Piece[]): Buffer {
  let length = 0;
  for (const piece of pieces) length += piece.length;
  const joined = Buffer.allocUnsafe(length);
  let offset = 0;
  for (const piece of pieces)
    offset += typeof piece === 'string' ? joined.write(piece, offset, 'latin1') : piece.copy(joined, offset);
  return joined;
}

function checked(value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value))
    throw new Error(`${what} cannot be written in an e-mail header: ${JSON.stringify(value.slice(0, 100))}`);
  return value;
}

/** Relaxed header canonicalisation (RFC 6376 §3.4.2) of one header line, without its line end. */
function relaxedHeader(line: string): string {
  const colon = line.indexOf(':');
  const value = line
    .slice(colon + 1)
    .replace(/\r\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ | $/g, '');
  return `${line.slice(0, colon).toLowerCase().trimEnd()}:${value}`;
}

/**
 * A DKIM signer (RFC 6376, rsa-sha256, relaxed/relaxed) over `signedHeaders`. The body it hashes
 * is already in relaxed canonical form: Herald writes no trailing or repeated whitespace and ends
 * the body with exactly one CRLF.
 */
function createDkimSigner(dkim: NonNullable<MimeOptions['dkim']>) {
  const key: KeyObject = createPrivateKey(dkim.privateKey);
  checked(dkim.domain, /^[A-Za-z0-9.-]{1,253}$/, 'DKIM_DOMAIN');
  checked(dkim.selector, /^[A-Za-z0-9._-]{1,63}$/, 'DKIM_SELECTOR');
  const names = `${signedHeaders.slice(0, 6).join(':')}:${CRLF} ${signedHeaders.slice(6).join(':')}`;
  return (headers: string[], bh: string, date: Date): string => {
    const t = Math.floor(date.getTime() / 1000);
    const unsigned = `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=${dkim.domain}; s=${dkim.selector};${CRLF} t=${t}; h=${names};${CRLF} bh=${bh};${CRLF} b=`;
    let data = '';
    for (const header of headers) data += relaxedHeader(header) + CRLF;
    data += relaxedHeader(unsigned);
    const b = sign('sha256', Buffer.from(data), key).toString('base64');
    let folded = b.slice(0, 73);
    for (let i = 73; i < b.length; i += 76) folded += `${CRLF} ${b.slice(i, i + 76)}`;
    return unsigned + folded + CRLF;
  };
}

/**
 * Compiles a run's message and Herald's sending identity into a skeleton; `build` makes one
 * recipient's e-mail from it. Throws when the message is not a valid template, MAIL_FROM is not a
 * mailbox, or the DKIM key cannot be read; `build` throws on a recipient value that cannot be
 * written safely (an address with spaces or brackets, a Message-ID or URL with line breaks).
 */
export function compileMime(
  message: { subject: string; body: string; format: 'markdown' | 'text' },
  options: MimeOptions,
): CompiledMime {
  const compiled = compileMessage(message);
  const from = parseMailbox(options.from);
  const fromLine = mailboxHeader('From', from.name, from.address);
  const mailto = `mailto:${encodeURIComponent(from.address).replaceAll('%40', '@')}?subject=unsubscribe`;
  const boundary = `herald-${randomBytes(16).toString('hex')}`;
  const closing = `${CRLF}--${boundary}--${CRLF}`;
  const contentType = `Content-Type: multipart/alternative;${CRLF} boundary="${boundary}"`;

  // What does not mention the recipient is rendered and encoded once.
  const sample = compiled.render({ name: '', email: '', unsubscribeUrl: '' });
  const { personalised } = compiled;
  const staticSubject = personalised.subject ? null : subjectHeader(sample.subject);
  const text = writePart(boundary, 'text/plain', compiled.templates.text, sample.text, personalised.text);
  const html = writePart(boundary, 'text/html', compiled.templates.html, sample.html, personalised.html);
  const staticBody =
    text.fixed !== null && html.fixed !== null ? Buffer.from(text.fixed + CRLF + html.fixed + closing, 'latin1') : null;
  const signer = options.dkim ? createDkimSigner(options.dkim) : null;
  const staticBodyHash = signer && staticBody !== null ? createHash('sha256').update(staticBody).digest('base64') : null;
  const dateLine = dateHeaders();

  return {
    envelopeFrom: from.address,
    build(recipient) {
      const email = checked(recipient.email, addressPattern, 'The recipient address');
      const url = checked(recipient.unsubscribeUrl, urlPattern, 'The unsubscribe URL');
      const messageId = checked(recipient.messageId, messageIdPattern, 'The Message-ID');
      const values = compiled.values({ name: recipient.name, email, unsubscribeUrl: url });
      const headers = [
        fromLine,
        mailboxHeader('To', recipient.name, email),
        staticSubject ?? subjectHeader(values.subject),
        dateLine(recipient.date),
        `Message-ID: <${messageId}>`,
        'MIME-Version: 1.0',
        contentType,
        `List-Unsubscribe: <${url}>,${CRLF} <${mailto}>`,
        'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
      ];
      // The header block goes first, once the body (and so its DKIM hash) is known: the e-mail is copied together once.
      const pieces: Piece[] = [''];
      if (staticBody) pieces.push(staticBody);
      else {
        const slots = new SlotValues(values.slots);
        text.write(slots, pieces);
        pieces.push(CRLF);
        html.write(slots, pieces);
        pieces.push(closing);
      }
      const signature = signer ? signer(headers, staticBodyHash ?? bodyHashOf(pieces, 1), recipient.date) : '';
      pieces[0] = signature + headers.join(CRLF) + CRLF + CRLF;
      // Every character is ASCII by now (encoded-words, checked values, base64), so latin1 is the quickest exact encoding.
      const raw = joinPieces(pieces);
      return {
        get rendered() {
          return compiled.render({ name: recipient.name, email, unsubscribeUrl: url });
        },
        raw,
      };
    },
  };
}
