/**
 * Cover images: checked by their content (never the client's content type or file name), at most
 * 5 MB, stored under a random name in one folder, and served with the type found at upload.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../errors.ts';
import { msg } from '../../i18n/i18n.ts';

export const COVER_MAX_BYTES = 5 * 1024 * 1024;

/** A cover as the form sent it: its bytes, or only the fact that it was larger than the limit. */
export type CoverUpload = { bytes: Buffer } | { tooLarge: true };

const coverTypes = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
} as const;
export type CoverType = keyof typeof coverTypes;

const startsWith = (bytes: Buffer, signature: number[], at = 0) => signature.every((b, i) => bytes[at + i] === b);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

/** The image type the bytes are, by their magic number; null for anything else. */
export function detectCoverType(bytes: Buffer): CoverType | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'image/gif';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'image/webp';
  return null;
}

/** True when the bytes look like SVG (XML text with an <svg> element), to say why it is refused. */
const looksLikeSvg = (bytes: Buffer) => /<svg[\s>]/i.test(bytes.subarray(0, 4096).toString('utf8'));

/** The cover's type, or VALIDATION_FAILED on the `cover` field saying what is wrong. */
export function checkCover(upload: CoverUpload): CoverType {
  if ('tooLarge' in upload) throw AppError.validation({ cover: msg('The cover image must be at most 5 MB.') });
  if (upload.bytes.length === 0) throw AppError.validation({ cover: msg('The cover file is empty.') });
  const type = detectCoverType(upload.bytes);
  if (type) return type;
  if (looksLikeSvg(upload.bytes)) {
    throw AppError.validation({
      cover: msg('SVG images are not accepted (they can carry scripts); use JPEG, PNG, WebP or GIF.'),
    });
  }
  throw AppError.validation({ cover: msg('The cover must be a JPEG, PNG, WebP or GIF image.') });
}

/** Names the store gives: 32 hex digits and the type's extension, so a name never leads elsewhere. */
export const isCoverFileName = (name: string) => /^[0-9a-f]{32}\.(jpg|png|webp|gif)$/.test(name);

/** The folder of cover files: save under a random name, read, remove. */
export function createCoverStore(dir: string) {
  const fullPath = (file: string) => {
    if (!isCoverFileName(file)) throw new Error(`not a cover file name: ${file}`);
    return path.join(dir, file);
  };
  return {
    /** Writes a checked cover and returns its file name; a half-written file is never visible under it. */
    async save(bytes: Buffer, type: CoverType): Promise<string> {
      await mkdir(dir, { recursive: true });
      const file = `${randomBytes(16).toString('hex')}.${coverTypes[type]}`;
      const temporary = path.join(dir, `.${file}.part`);
      await writeFile(temporary, bytes, { flag: 'wx' });
      await rename(temporary, fullPath(file));
      return file;
    },

    /** The file's bytes, or null when it is gone. */
    async read(file: string): Promise<Buffer | null> {
      if (!isCoverFileName(file)) return null;
      try {
        return await readFile(fullPath(file));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },

    /** Deletes a cover file; one already gone is fine. */
    async remove(file: string | null): Promise<void> {
      if (file && isCoverFileName(file)) await rm(fullPath(file), { force: true });
    },
  };
}

export type CoverStore = ReturnType<typeof createCoverStore>;
