import { z } from 'zod';
import { msg } from '../../i18n/i18n.ts';
import { hasControlChar, pageNumber, pageSize, singleLine } from '../../lib/validation.ts';

export const POST_BODY_MAX = 100_000;

export const postSchema = z.object({
  title: singleLine(200, 'Title'),
  body: z
    .string()
    .trim()
    .min(1, msg('Body is required.'))
    .max(POST_BODY_MAX, msg('Body must be at most {{max}} characters.', { max: POST_BODY_MAX }))
    .refine((v) => !hasControlChar(v, true), msg('Body must not contain control characters.'))
    // Stored with LF line ends whatever sent it (browsers send CRLF).
    .transform((v) => v.replace(/\r\n?/g, '\n')),
});
export type PostInput = z.infer<typeof postSchema>;

/** List parameters from a query string; anything odd falls back to the default rather than failing. */
export const postListSchema = z.object({
  page: pageNumber,
  pageSize: pageSize(50, 10),
});

/** A slug as Herald makes them; anything else cannot name a post. */
export const isSlug = (value: string) => /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(value) && value.length <= 100;
