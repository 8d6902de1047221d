import { AppError } from '../../errors.ts';
import { msg } from '../../i18n/i18n.ts';
import { type Cache, cached, namespaceOf } from '../../lib/cache.ts';
import type { Clock } from '../../lib/clock.ts';
import { parseId } from '../../lib/ids.ts';
import { type OwnerScope, ownScope, type Page, scopeFor } from '../../lib/scope.ts';
import { parseInput } from '../../lib/validation.ts';
import { type Actor, mayChange } from '../../permissions.ts';
import type { RecipientListQuery, RecipientsRepository, RecipientView } from './recipients.repository.ts';
import { recipientListSchema, recipientSchema } from './recipients.schemas.ts';

/** How long a list page or total may be kept when no write announces a change (a deleted owner takes theirs away). */
const LIST_TTL_SECONDS = 60;

/**
 * Where a list page of `scope` is cached: under the version of the owner's data (or everyone's,
 * for managers), which every write to their recipients and suppressions moves on (`invalidate`).
 */
const listCaching = (scope: OwnerScope, name: string, query: object) => ({
  name: `${name}:${JSON.stringify(query)}`,
  dependsOn: [namespaceOf(scope)],
  ttlSeconds: LIST_TTL_SECONDS,
});

/** Recipients: owner-scoped CRUD; managers read everyone's, only admins change another's. */
export function createRecipientsService(deps: {
  repository: RecipientsRepository;
  clock: Clock;
  /** Called after every write to an owner's recipients (the cache's versions move on). */
  invalidate?: (ownerId: number) => Promise<void>;
  /** Keeps list totals between writes; `invalidate` must bump the namespaces it reads. */
  cache?: Cache;
}) {
  const { repository } = deps;
  const changed = async (ownerId: number) => deps.invalidate?.(ownerId);

  /** The recipient if the actor may read it; NOT_FOUND otherwise (existence is not revealed). */
  async function getRecipient(actor: Actor, rawId: unknown): Promise<RecipientView> {
    const recipient = await repository.find(scopeFor(actor, 'recipients:read_all'), parseId(rawId, msg('Recipient not found.')));
    if (!recipient) throw AppError.notFound(msg('Recipient not found.'));
    return recipient;
  }

  /** The recipient if the actor may change it: 404 when unreadable, 403 when read-only. */
  async function getWritable(actor: Actor, rawId: unknown): Promise<RecipientView> {
    const recipient = await getRecipient(actor, rawId);
    if (!mayChange(actor, recipient.ownerId, 'recipients:write_all')) {
      throw new AppError('FORBIDDEN', 'You can read this recipient but not change it.');
    }
    return recipient;
  }

  /** One page of the recipients the actor may read, and how many match. */
  async function listRecipients(actor: Actor, rawQuery: unknown): Promise<Page<RecipientView>> {
    const query = recipientListSchema.parse(rawQuery ?? {});
    const scope = scopeFor(actor, 'recipients:read_all');
    const { cache } = deps;
    if (!cache) return repository.list(scope, query);
    const page = await cached(cache, listCaching(scope, 'recipients-page', query), () =>
      repository.list(scope, query, (count) =>
        cached(cache, listCaching(scope, 'recipients-total', { q: query.q ?? '' }), count),
      ),
    );
    // Cached as JSON: the dates come back as strings.
    return {
      ...page,
      items: page.items.map((r) => ({ ...r, createdAt: new Date(r.createdAt), updatedAt: new Date(r.updatedAt) })),
    };
  }

  return {
    getRecipient,
    getWritable,
    listRecipients,

    /**
     * `render`'s text of the actor's list page (HTML, JSON), kept as long as the page's data: making
     * the text costs more than the query. `variant` names all else the text depends on (the format,
     * the reader, their language and time zone), and `alsoDependsOn` the namespaces of what else it shows.
     */
    async renderListPage(
      actor: Actor,
      rawQuery: unknown,
      variant: string,
      render: (page: Page<RecipientView>, query: RecipientListQuery) => string,
      alsoDependsOn: string[] = [],
    ): Promise<string> {
      const query = recipientListSchema.parse(rawQuery ?? {});
      const scope = scopeFor(actor, 'recipients:read_all');
      const make = async () => render(await listRecipients(actor, query), query);
      if (!deps.cache) return make();
      const caching = listCaching(scope, `recipients-page-text:${variant}`, query);
      return cached(deps.cache, { ...caching, dependsOn: [...caching.dependsOn, ...alsoDependsOn] }, make);
    },

    async createRecipient(actor: Actor, input: unknown) {
      const data = parseInput(recipientSchema, input);
      const created = await repository.insert({ ownerId: actor.userId, ...data });
      if (!created) throw AppError.validation({ email: msg('You already have a recipient with this e-mail.') });
      await changed(actor.userId);
      return created;
    },

    async updateRecipient(actor: Actor, rawId: unknown, input: unknown) {
      const recipient = await getWritable(actor, rawId);
      const data = parseInput(recipientSchema, input);
      if ((await repository.update(recipient.id, data, deps.clock.now())) === 'duplicate') {
        throw AppError.validation({ email: msg('Another recipient of this owner has this e-mail.') });
      }
      await changed(recipient.ownerId);
      return getRecipient(actor, recipient.id);
    },

    async deleteRecipient(actor: Actor, rawId: unknown): Promise<void> {
      const recipient = await getWritable(actor, rawId);
      await repository.delete(recipient.id);
      await changed(recipient.ownerId);
    },

    /** Every recipient the actor may read, in batches, for export. */
    exportRecipients(actor: Actor) {
      return repository.iterate(scopeFor(actor, 'recipients:read_all'));
    },

    /** Imports into the actor's own list only. */
    async insertBatch(actor: Actor, rows: { email: string; fullName: string; comment: string }[]) {
      const scope = ownScope(actor);
      if (scope.kind !== 'own') throw new Error('unreachable');
      const result = await repository.insertBatch(scope.ownerId, rows);
      await changed(scope.ownerId);
      return result;
    },
  };
}

export type RecipientsService = ReturnType<typeof createRecipientsService>;
