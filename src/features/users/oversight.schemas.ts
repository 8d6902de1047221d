import { z } from 'zod';
import { reason, searchText } from '../../lib/validation.ts';
import { roles } from '../../permissions.ts';
import { userSorts, userStates } from './users.repository.ts';
import { roleSchema } from './users.schemas.ts';

export const roleChangeSchema = z.object({ role: roleSchema, reason });

/** List parameters from a query string; anything odd falls back to the default rather than failing. */
export const userListSchema = z.object({
  q: searchText,
  state: z.enum(userStates).optional().catch(undefined),
  role: z.enum(roles).optional().catch(undefined),
  sort: z.enum(userSorts).catch('createdAt'),
  direction: z.enum(['asc', 'desc']).catch('desc'),
  page: z.coerce.number().int().min(1).max(1_000_000).catch(1),
  pageSize: z.coerce.number().int().min(1).max(200).catch(25),
});
