import { z } from 'zod';
import { msg } from '../../i18n/i18n.ts';
import { listParam, pageNumber, pageSize } from '../../lib/validation.ts';
import { formatDay } from '../../views/format.ts';

/** Whose figures: the actor's own, or the whole instance (`stats:read_all`). */
export const statsQuerySchema = z.object({
  scope: z.enum(['own', 'all']).catch('own').describe('own (default) or all: every user’s (managers and admins)'),
});

/** Columns of the managers' table of users; the repository maps each to a fixed SQL expression. */
export const userFigureSorts = ['email', 'name', 'role', 'successful', 'failed', 'sent'] as const;
export type UserFigureSort = (typeof userFigureSorts)[number];

/** The managers' table: anything odd falls back to the default rather than failing. */
export const userFiguresQuerySchema = z.object({
  sort: listParam(z.enum(userFigureSorts), 'sent'),
  /** Without a direction, numbers sort largest first and text A to Z. */
  dir: z.enum(['asc', 'desc']).optional().catch(undefined),
  page: pageNumber,
  pageSize: pageSize(200, 50),
});

/** What an id or a day filter says when refused, one full sentence per field (so each translates whole). */
interface IdMessages {
  notNumber: string;
  notPositive: string;
  tooLarge: string;
}
interface DayMessages {
  badFormat: string;
  notReal: string;
}

/** An id typed as text (query string, command line) or given as a number. */
const id = (messages: IdMessages) =>
  z.preprocess(
    (value) => (typeof value === 'number' ? String(value) : value),
    z
      .string()
      .trim()
      .regex(/^-?\d+$/, messages.notNumber)
      .transform(Number)
      .pipe(z.number().positive(messages.notPositive).max(2_147_483_647, messages.tooLarge)),
  );

/** A calendar day as YYYY-MM-DD that names a real day (2026-02-30 does not). */
const day = (messages: DayMessages) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, messages.badFormat)
    .refine((value) => {
      const date = new Date(`${value}T00:00:00Z`);
      return !Number.isNaN(date.getTime()) && formatDay(date) === value;
    }, messages.notReal);

const filterFields = {
  mailingId: id({
    notNumber: msg('Mailing id must be a number.'),
    notPositive: msg('Mailing id must be a positive number.'),
    tooLarge: msg('Mailing id is too large.'),
  }).optional(),
  runId: id({
    notNumber: msg('Run id must be a number.'),
    notPositive: msg('Run id must be a positive number.'),
    tooLarge: msg('Run id is too large.'),
  }).optional(),
  status: z.enum(['success', 'failure'], msg('Status must be success or failure.')).optional(),
  /** First UTC day included. */
  from: day({ badFormat: msg('From must be a date as YYYY-MM-DD.'), notReal: msg('From is not a real date.') }).optional(),
  /** Last UTC day included. */
  to: day({ badFormat: msg('To must be a date as YYYY-MM-DD.'), notReal: msg('To is not a real date.') }).optional(),
};

/** The attempts export's filters, strictly: the CLI refuses a bad value with its message. */
export const attemptFilterSchema = z
  .object(filterFields)
  .refine((f) => !f.from || !f.to || f.from <= f.to, { message: msg('From must not be after To.'), path: ['from'] });

/** The same filters from a query string, as the attempts page reads them: a value that does not parse is ignored. */
export const attemptFilterQuerySchema = z.object({
  mailingId: filterFields.mailingId.catch(undefined),
  runId: filterFields.runId.catch(undefined),
  status: filterFields.status.catch(undefined),
  from: filterFields.from.catch(undefined),
  to: filterFields.to.catch(undefined),
});

export type AttemptFilter = z.infer<typeof attemptFilterSchema>;
