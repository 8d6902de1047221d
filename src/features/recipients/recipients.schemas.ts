import { z } from 'zod';
import { msg } from '../../i18n/i18n.ts';
import { emailAddress, hasControlChar, listParam, pageNumber, pageSize, searchText } from '../../lib/validation.ts';
import { recipientSorts } from './recipients.repository.ts';

export const recipientSchema = z.object({
  email: emailAddress,
  fullName: z
    .string()
    .trim()
    .max(200, msg('Full name must be at most 200 characters.'))
    .refine((v) => !hasControlChar(v), msg('Full name must be a single line.'))
    .default(''),
  comment: z
    .string()
    .trim()
    .max(2000, msg('Comment must be at most 2000 characters.'))
    .refine((v) => !hasControlChar(v, true), msg('Comment must not contain control characters.'))
    // Line breaks are stored as LF whatever sent them (browsers send CRLF), so exports re-import exactly.
    .transform((v) => v.replace(/\r\n?/g, '\n'))
    .default(''),
});
export type RecipientInput = z.infer<typeof recipientSchema>;

/** List parameters from a query string; anything odd falls back to the default rather than failing. */
export const recipientListSchema = z.object({
  q: searchText,
  sort: listParam(z.enum(recipientSorts), 'createdAt'),
  direction: listParam(z.enum(['asc', 'desc']), 'desc'),
  page: pageNumber,
  pageSize: pageSize(200, 25),
});
