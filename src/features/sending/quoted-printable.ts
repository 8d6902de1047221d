/**
 * Quoted-printable (RFC 2045 §6.7) for message parts that are spliced together per recipient:
 * each piece (a static stretch of the message, or one recipient's value) is encoded on its own
 * and pieces are joined by soft line breaks, so the static pieces are encoded once per run and a
 * recipient's e-mail costs only the encoding of their few short values.
 *
 * The output is 7-bit ASCII, its lines are at most 76 characters, and it never holds two
 * whitespace characters in a row or whitespace at the end of a line: DKIM's relaxed body
 * canonicalisation (which folds such runs) then leaves it unchanged, so the body hash can be
 * computed over the bytes as written. No line starts with '.', either (a dot there is written
 * `=2E`): SMTP's dot-stuffing has nothing to do in such a part, so the client need not scan it.
 */

const CRLF = '\r\n';
/** Joins two encoded pieces: a soft line break, which decoders remove. */
export const SOFT_BREAK = `=${CRLF}`;
const MAX_LINE = 76;
const HEX = '0123456789ABCDEF';

const encodedByte = (byte: number) => `=${HEX[byte >> 4]}${HEX[byte & 15]}`;

/** Any character outside ASCII: such text is encoded from its UTF-8 bytes. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the range is all of ASCII
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * One piece as quoted-printable. Its line ends (LF, CR or CRLF) become CRLF; it starts and ends
 * with a line of its own, so pieces can be joined with `SOFT_BREAK` in any order.
 *
 * It walks the text one character per byte (ASCII text as it is, other text as its UTF-8 bytes
 * read as Latin-1) and copies runs of characters that stand for themselves in one slice.
 */
export function encodeQuotedPrintable(text: string): string {
  const lf = text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
  const bytes = NON_ASCII.test(lf) ? Buffer.from(lf, 'utf8').toString('latin1') : lf;
  let out = '';
  /** Where the run of literal characters not yet copied to `out` starts. */
  let run = 0;
  let lineLength = 0;
  let afterSpace = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes.charCodeAt(i);
    if (byte === 10) {
      out += bytes.slice(run, i) + CRLF;
      run = i + 1;
      lineLength = 0;
      afterSpace = false;
      continue;
    }
    // A space after a space, or before a line end, is encoded: no whitespace run or trailing whitespace is written.
    let literal: boolean =
      byte === 32
        ? !afterSpace && i + 1 < bytes.length && bytes.charCodeAt(i + 1) !== 10
        : byte > 32 && byte < 127 && byte !== 61;
    // Keep room for the '=' of a soft break.
    if (lineLength + (literal ? 1 : 3) > MAX_LINE - 1) {
      out += bytes.slice(run, i) + SOFT_BREAK;
      run = i;
      lineLength = 0;
    }
    if (byte === 46 && lineLength === 0) literal = false;
    const length = literal ? 1 : 3;
    lineLength += length;
    afterSpace = byte === 32 && literal;
    if (!literal) {
      out += bytes.slice(run, i) + encodedByte(byte);
      run = i + 1;
    }
  }
  return out + bytes.slice(run);
}
