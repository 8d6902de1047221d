import { type Actor, can, type Permission } from '../permissions.ts';

/** Whose rows a query may touch: the actor's own, or everyone's for roles with a `*_all` permission. */
export type OwnerScope = { kind: 'own'; ownerId: number } | { kind: 'all' };

export function scopeFor(actor: Actor, allPermission: Permission): OwnerScope {
  return can(actor, allPermission) ? { kind: 'all' } : { kind: 'own', ownerId: actor.userId };
}

export const ownScope = (actor: Actor): OwnerScope => ({ kind: 'own', ownerId: actor.userId });

/** One page of a list, with what the page links need. */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export const pageCount = (page: Pick<Page<unknown>, 'total' | 'pageSize'>) => Math.max(1, Math.ceil(page.total / page.pageSize));
