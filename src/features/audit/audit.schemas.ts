import { z } from 'zod';
import { hasControlChar } from '../../lib/validation.ts';

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
  page: z.coerce.number().int().min(1).max(1_000_000).catch(1),
  pageSize: z.coerce.number().int().min(1).max(200).catch(50),
});

export type AuditListQuery = z.infer<typeof auditListSchema>;
