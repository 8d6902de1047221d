import { z } from 'zod';
import { msg } from '../../i18n/i18n.ts';
import { hasControlChar, listParam, pageNumber, pageSize, searchText, singleLine } from '../../lib/validation.ts';
import { checkTemplate } from './messages.render.ts';
import { messageSorts } from './messages.repository.ts';

export const SUBJECT_MAX = 300;
export const BODY_MAX = 100_000;

/** A template error is an issue of the field it is in, never a crash. */
const validTemplate = (value: string, ctx: z.RefinementCtx) => {
  const error = checkTemplate(value);
  if (error) ctx.addIssue({ code: 'custom', message: error });
};

export const messageFormats = ['markdown', 'text'] as const;

export const messageSchema = z.object({
  subject: singleLine(SUBJECT_MAX, 'Subject').superRefine(validTemplate),
  body: z
    .string(msg('Body is required.'))
    .max(BODY_MAX, msg('Body must be at most {{max, number}} characters.', { max: BODY_MAX }))
    .refine((v) => v.trim() !== '', msg('Body is required.'))
    .refine((v) => !hasControlChar(v, true), msg('Body must not contain control characters.'))
    .transform((v) => v.replace(/\r\n?/g, '\n'))
    .superRefine(validTemplate),
  format: z.enum(messageFormats, msg('Choose Markdown or plain text.')).default('markdown'),
});
export type MessageInput = z.infer<typeof messageSchema>;

/** List parameters from a query string; anything odd falls back to the default rather than failing. */
export const messageListSchema = z.object({
  q: searchText,
  sort: listParam(z.enum(messageSorts), 'updatedAt'),
  direction: listParam(z.enum(['asc', 'desc']), 'desc'),
  page: pageNumber,
  pageSize: pageSize(200, 25),
});
