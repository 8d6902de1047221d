/**
 * Quoted-printable (RFC 2045 §6.7) for message parts that are spliced together per recipient:
 * each piece (a static stretch of the message, or one recipient's value) is encoded on its own
 * and pieces are joined by soft line breaks, so the static pieces are encoded once per run and a
 * recipient's e-mail costs only the encoding of their few short values.
 *
 * The output is 7-bit ASCII, its lines are at most 76 characters, and it never holds two
 * whitespace characters in a row or whitespace at the end of a line: DKIM's relaxed body
 * canonicalisation (which folds such runs) then leaves it unchanged, so the body hash can be
 * computed over the bytes as written.
 */

const CRLF = '\r\n';
/** Joins two encoded pieces: a soft line break, which decoders remove. */
export const SOFT_BREAK = `=${CRLF}`;
const MAX_LINE = 76;
const HEX = '0123456789ABCDEF';

const encodedByte = (byte: number) => `=${HEX[byte >> 4]}${HEX[byte & 15]}`;

/**
 * One piece as quoted-printable. Its line ends (LF, CR or CRLF) become CRLF; it starts and ends
 * with a line of its own, so pieces can be joined with `SOFT_BREAK` in any order.
 */
export function encodeQuotedPrintable(text: string): string {
  const bytes = Buffer.from(text.replace(/\r\n?/g, '\n'), 'utf8');
  let out = '';
  let line = '';
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (byte === 10) {
      out += line + CRLF;
      line = '';
      continue;
    }
    let token: string;
    if (byte === 32) {
      // A space after a space, or before a line end, is encoded: no whitespace run or trailing whitespace is written.
      const next = bytes[i + 1];
      token = line.endsWith(' ') || next === undefined || next === 10 ? '=20' : ' ';
    } else {
      token = byte > 32 && byte < 127 && byte !== 61 ? String.fromCharCode(byte) : encodedByte(byte);
    }
    // Keep room for the '=' of a soft break.
    if (line.length + token.length > MAX_LINE - 1) {
      out += line + SOFT_BREAK;
      line = '';
    }
    line += token;
  }
  return out + line;
}
