import { z } from 'zod';
import { AppError, type FieldErrors } from '../errors.ts';

/**
 * True when the text holds a control character (NUL, BEL, DEL…; CR and LF too unless
 * `multiline`, which also lets TAB through). PostgreSQL refuses NUL outright.
 */
export function hasControlChar(value: string, multiline = false): boolean {
  for (const c of value) {
    const code = c.charCodeAt(0);
    if (multiline && (code === 9 || code === 10 || code === 13)) continue;
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** A search box's text: odd input (too long, control characters) means no search rather than an error. */
export const searchText = z
  .string()
  .trim()
  .max(200)
  .refine((value) => !hasControlChar(value))
  .optional()
  .catch(undefined);

/** A single-line text: trimmed, no control characters (CR/LF would let a header be injected). */
export const singleLine = (max: number, label = 'This field') =>
  z
    .string()
    .trim()
    .min(1, `${label} is required.`)
    .max(max, `${label} must be at most ${max} characters.`)
    .refine((value) => !hasControlChar(value), `${label} must be a single line without control characters.`);

/** Why an oversight action was taken: optional, one line; empty or missing means no reason. */
export const reason = z.preprocess(
  (value) => (value === null || (typeof value === 'string' && value.trim() === '') ? undefined : value),
  singleLine(500, 'Reason').optional(),
);
export const reasonInputSchema = z.object({ reason });

/** E-mail addresses are stored trimmed and lower-cased, so one person has one address. */
export const emailAddress = z
  .string()
  .trim()
  .min(1, 'E-mail is required.')
  .max(254, 'E-mail must be at most 254 characters.')
  .pipe(z.email('Enter a valid e-mail address.'))
  .transform((value) => value.toLowerCase());

const commonPasswords = new Set([
  'password',
  'password1',
  'password12',
  'password123',
  'passw0rd',
  '1234567890',
  '12345678910',
  'qwertyuiop',
  'qwerty1234',
  'iloveyou12',
  '1q2w3e4r5t',
  'abcdefghij',
  'letmein123',
  'welcome123',
  'administrator',
  'changeme123',
]);

/** Strength rules: long enough, not a well-known password, not one repeated character. */
export const newPassword = z
  .string()
  .min(10, 'Password must be at least 10 characters.')
  .max(200, 'Password must be at most 200 characters.')
  .refine((value) => !commonPasswords.has(value.toLowerCase()), 'This password is too common.')
  .refine((value) => new Set(value).size >= 4, 'Password must use at least 4 different characters.');

const timeZones = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
export const timeZone = z.string().refine((value) => timeZones.has(value), 'Choose a known time zone.');
export const timeZoneList = [...timeZones].sort();

export const languages = ['en', 'ru'] as const;
export const language = z.enum(languages, 'Choose English or Russian.');

/** Parses input with a schema or throws VALIDATION_FAILED with one message per field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  // zod 4 leaves the offending input out of its issues unless asked: without it every type
  // error (a word where a number goes) would read as a missing field.
  const result = schema.safeParse(input ?? {}, { reportInput: true });
  if (result.success) return result.data;
  const fields: FieldErrors = {};
  for (const issue of result.error.issues) {
    const key = issue.path.length ? issue.path.join('.') : '_form';
    fields[key] ??= issue.code === 'invalid_type' && issue.input === undefined ? 'This field is required.' : issue.message;
  }
  throw AppError.validation(fields);
}
