import { AppError } from '../errors.ts';

const MAX_ID = 2_147_483_647;

/**
 * An id from a URL or a body. Ids are PostgreSQL integers: anything else (text, fractions,
 * zero, negatives, numbers beyond the column's range) names nothing, so it is NOT_FOUND with the
 * `notFound` message (`msg('Recipient not found.')`).
 */
export function parseId(raw: unknown, notFound: string): number {
  const id = Number(raw);
  if (!Number.isInteger(id) || id <= 0 || id > MAX_ID || String(raw) !== String(id)) throw AppError.notFound(notFound);
  return id;
}
