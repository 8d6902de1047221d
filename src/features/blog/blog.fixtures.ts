import { eq } from 'drizzle-orm';
import { createUser } from '../../../test/support/accounts.ts';
import type { TestApp } from '../../../test/support/app.ts';
import { posts } from '../../db/schema.ts';
import type { Actor, Role } from '../../permissions.ts';
import { toActor } from '../auth/auth.service.ts';

/** Posts made straight through the service, for the blog's tests; each call makes its own users. */
export function blogFixtures(t: TestApp) {
  let counter = 0;
  const actorOf = async (role: Role = 'user') => toActor(await createUser(t.c, { role }), 'session');
  const uniqueTitle = (label = 'Post') => `${label} ${Date.now().toString(36)}${++counter}`;

  /** A draft by a fresh user (or the given actor). */
  async function draft(options: { title?: string; body?: string; author?: Actor } = {}) {
    const author = options.author ?? (await actorOf());
    const row = await t.c.blog.createPost(author, { title: options.title ?? uniqueTitle(), body: options.body ?? 'Body text' });
    return { author, slug: row.slug, id: row.id };
  }

  return {
    actorOf,
    uniqueTitle,
    draft,
    /** A published post, published by a fresh manager. */
    async published(options: Parameters<typeof draft>[0] = {}) {
      const made = await draft(options);
      await t.c.blog.publishPost(await actorOf('manager'), made.slug, {});
      return made;
    },
    /** The stored row, whoever may read it. */
    findPost: async (slug: string) => (await t.c.db.select().from(posts).where(eq(posts.slug, slug)))[0],
  };
}
