import { z } from 'zod';
import { listParam, pageNumber, pageSize, reason, searchText } from '../../lib/validation.ts';
import { roles } from '../../permissions.ts';
import { userSorts, userStates } from './users.repository.ts';
import { roleSchema } from './users.schemas.ts';

export const roleChangeSchema = z.object({ role: roleSchema, reason });

/** List parameters from a query string; anything odd falls back to the default rather than failing. */
export const userListSchema = z.object({
  q: searchText,
  state: z.enum(userStates).optional().catch(undefined),
  role: z.enum(roles).optional().catch(undefined),
  sort: listParam(z.enum(userSorts), 'createdAt'),
  direction: listParam(z.enum(['asc', 'desc']), 'desc'),
  page: pageNumber,
  pageSize: pageSize(200, 25),
});
