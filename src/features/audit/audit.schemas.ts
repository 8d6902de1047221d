import { z } from 'zod';
import { hasControlChar, pageNumber, pageSize } from '../../lib/validation.ts';

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine((value) => !hasControlChar(value))
    .optional()
    .catch(undefined)
    .transform((value) => value || undefined);

/** Audit list parameters from a query string; anything odd (NUL included) falls back to the default rather than failing. */
export const auditListSchema = z.object({
  action: optionalText(100),
  targetType: optionalText(50),
  targetId: optionalText(50),
  page: pageNumber,
  pageSize: pageSize(200, 50),
});

export type AuditListQuery = z.infer<typeof auditListSchema>;
