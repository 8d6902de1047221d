import { z } from 'zod';
import { AppError, type FieldErrors } from '../errors.ts';
import { msg } from '../i18n/i18n.ts';

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
/**
 * List parameters from a query string fall back to a default when absent or odd. An absent one
 * takes its default at once: going through `.catch` means a failed parse, and zod's failures cost
 * more than the rest of a cached list page.
 */
export const listParam = <T extends z.ZodType>(schema: T, fallback: z.output<T> & {}) =>
  schema.default(fallback as never).catch(fallback as never) as unknown as z.ZodType<z.output<T>>;

/** A page number: 1 when absent or odd. */
export const pageNumber = listParam(z.coerce.number().int().min(1).max(1_000_000), 1);

/** Rows per page, at most `max`. */
export const pageSize = (max: number, fallback: number) => listParam(z.coerce.number().int().min(1).max(max), fallback);

export const searchText = z
  .string()
  .trim()
  .max(200)
  .refine((value) => !hasControlChar(value))
  .optional()
  .catch(undefined);

/** What a single-line field says when refused, in whole sentences so each translates as one. */
interface SingleLineMessages {
  required: string;
  tooLong: (count: number) => string;
  notOneLine: string;
}

const singleLineMessages = {
  'This field': {
    required: msg('This field is required.'),
    tooLong: (count) => msg('This field must be at most {{count}} characters.', { count }),
    notOneLine: msg('This field must be a single line without control characters.'),
  },
  'Full name': {
    required: msg('Full name is required.'),
    tooLong: (count) => msg('Full name must be at most {{count}} characters.', { count }),
    notOneLine: msg('Full name must be a single line without control characters.'),
  },
  Name: {
    required: msg('Name is required.'),
    tooLong: (count) => msg('Name must be at most {{count}} characters.', { count }),
    notOneLine: msg('Name must be a single line without control characters.'),
  },
  Title: {
    required: msg('Title is required.'),
    tooLong: (count) => msg('Title must be at most {{count}} characters.', { count }),
    notOneLine: msg('Title must be a single line without control characters.'),
  },
  Subject: {
    required: msg('Subject is required.'),
    tooLong: (count) => msg('Subject must be at most {{count}} characters.', { count }),
    notOneLine: msg('Subject must be a single line without control characters.'),
  },
  Reason: {
    required: msg('Reason is required.'),
    tooLong: (count) => msg('Reason must be at most {{count}} characters.', { count }),
    notOneLine: msg('Reason must be a single line without control characters.'),
  },
} satisfies Record<string, SingleLineMessages>;

export type SingleLineLabel = keyof typeof singleLineMessages;

/** A single-line text: trimmed, no control characters (CR/LF would let a header be injected). */
export const singleLine = (max: number, label: SingleLineLabel = 'This field') => {
  const messages: SingleLineMessages = singleLineMessages[label];
  return z
    .string()
    .trim()
    .min(1, messages.required)
    .max(max, messages.tooLong(max))
    .refine((value) => !hasControlChar(value), messages.notOneLine);
};

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
  .min(1, msg('E-mail is required.'))
  .max(254, msg('E-mail must be at most 254 characters.'))
  .pipe(z.email(msg('Enter a valid e-mail address.')))
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
  .min(10, msg('Password must be at least 10 characters.'))
  .max(200, msg('Password must be at most 200 characters.'))
  .refine((value) => !commonPasswords.has(value.toLowerCase()), msg('This password is too common.'))
  .refine((value) => new Set(value).size >= 4, msg('Password must use at least 4 different characters.'));

const timeZones = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
export const timeZone = z.string().refine((value) => timeZones.has(value), msg('Choose a known time zone.'));
export const timeZoneList = [...timeZones].sort();

export const languages = ['en', 'ru'] as const;
export const language = z.enum(languages, msg('Choose English or Russian.'));

/** How far a too_small/too_big issue may go, in words for its kind of value. */
function boundMessage(issue: { origin: string; inclusive?: boolean }, bound: number | bigint | Date, small: boolean): string {
  const count = Number(bound);
  if (issue.origin === 'string') {
    if (small && count === 1) return msg('This field is required.');
    return small ? msg('At least {{count}} characters.', { count }) : msg('At most {{count}} characters.', { count });
  }
  if (issue.origin === 'array' || issue.origin === 'set') {
    return small ? msg('Choose at least {{count}} items.', { count }) : msg('Choose at most {{count}} items.', { count });
  }
  if (issue.origin === 'date') return small ? msg('The date is too early.') : msg('The date is too late.');
  if (issue.inclusive === false) {
    return small
      ? msg('Enter a number above {{limit}}.', { limit: count })
      : msg('Enter a number below {{limit}}.', { limit: count });
  }
  return small
    ? msg('Enter a number of at least {{limit}}.', { limit: count })
    : msg('Enter a number of at most {{limit}}.', { limit: count });
}

/**
 * zod's own messages are English sentences; these are catalogue keys, so a reader gets them in
 * their language. A message given in a schema wins over this (zod asks here only when there is none).
 */
export function zodMessage(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined || issue.input === null) return msg('This field is required.');
      if (['number', 'int', 'bigint', 'nan'].includes(issue.expected)) return msg('Enter a number.');
      if (issue.expected === 'date') return msg('Enter a valid date.');
      return msg('This value is not valid.');
    case 'too_small':
      return boundMessage(issue, issue.minimum, true);
    case 'too_big':
      return boundMessage(issue, issue.maximum, false);
    case 'invalid_format':
      if (issue.format === 'email') return msg('Enter a valid e-mail address.');
      if (issue.format === 'url') return msg('Enter a valid URL.');
      if (['date', 'datetime', 'time'].includes(issue.format)) return msg('Enter a valid date.');
      return msg('This value has the wrong format.');
    case 'invalid_value':
      return msg('Choose one of the offered values.');
    case 'not_multiple_of':
      return msg('Enter a multiple of {{divisor}}.', { divisor: Number(issue.divisor) });
    case 'unrecognized_keys':
      return msg('Unknown fields: {{keys}}.', { keys: issue.keys.join(', ') });
    default:
      return msg('This value is not valid.');
  }
}

/** Parses input with a schema or throws VALIDATION_FAILED with one message per field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  // zod 4 leaves the offending input out of its issues unless asked: without it every type
  // error (a word where a number goes) would read as a missing field.
  const result = schema.safeParse(input ?? {}, { reportInput: true, error: zodMessage });
  if (result.success) return result.data;
  const fields: FieldErrors = {};
  for (const issue of result.error.issues) {
    const key = issue.path.length ? issue.path.join('.') : '_form';
    fields[key] ??= issue.code === 'invalid_type' && issue.input === undefined ? msg('This field is required.') : issue.message;
  }
  throw AppError.validation(fields);
}
