import { and, asc, count, desc, eq, like, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { posts, users } from '../../db/schema.ts';
import type { OwnerScope, Page } from '../../lib/scope.ts';

export type PostRow = typeof posts.$inferSelect;
export type PostView = PostRow & { authorName: string | null };

const viewColumns = {
  id: posts.id,
  authorId: posts.authorId,
  title: posts.title,
  slug: posts.slug,
  body: posts.body,
  coverPath: posts.coverPath,
  coverType: posts.coverType,
  views: posts.views,
  published: posts.published,
  publishedAt: posts.publishedAt,
  createdAt: posts.createdAt,
  updatedAt: posts.updatedAt,
  authorName: users.fullName,
};

const newestFirst = [desc(posts.publishedAt), desc(posts.id)];
const draftScope = (scope: OwnerScope): SQL | undefined => (scope.kind === 'own' ? eq(posts.authorId, scope.ownerId) : undefined);

/** Every query of the blog. Published posts are public, so their reads take no scope; drafts do. */
export function createBlogRepository(db: Db) {
  const base = () => db.select(viewColumns).from(posts).leftJoin(users, eq(users.id, posts.authorId));

  async function pageOf(where: SQL | undefined, order: SQL[], page: number, pageSize: number): Promise<Page<PostView>> {
    const [items, [total]] = await Promise.all([
      base()
        .where(where)
        .orderBy(...order)
        .limit(pageSize)
        .offset((page - 1) * pageSize),
      db.select({ n: count() }).from(posts).where(where),
    ]);
    return { items, total: total?.n ?? 0, page, pageSize };
  }

  return {
    /** Published posts, newest first. */
    listPublished(page: number, pageSize: number): Promise<Page<PostView>> {
      return pageOf(eq(posts.published, true), newestFirst, page, pageSize);
    },

    /** Drafts in scope (the actor's own, or everyone's), most recently changed first. */
    listDrafts(scope: OwnerScope, page: number, pageSize: number): Promise<Page<PostView>> {
      return pageOf(and(eq(posts.published, false), draftScope(scope)), [desc(posts.updatedAt), desc(posts.id)], page, pageSize);
    },

    /** Title, slug and date of the newest `limit` published posts: what the home page picks from. */
    listPublishedTeasers(limit: number): Promise<{ title: string; slug: string; publishedAt: Date | null }[]> {
      return db
        .select({ title: posts.title, slug: posts.slug, publishedAt: posts.publishedAt })
        .from(posts)
        .where(eq(posts.published, true))
        .orderBy(...newestFirst)
        .limit(limit);
    },

    /** Every post, or only published ones, oldest first (the CLI). */
    listAll(includeDrafts: boolean): Promise<PostView[]> {
      return base()
        .where(includeDrafts ? undefined : eq(posts.published, true))
        .orderBy(asc(posts.publishedAt), asc(posts.id));
    },

    async findBySlug(slug: string): Promise<PostView | null> {
      const [row] = await base().where(eq(posts.slug, slug));
      return row ?? null;
    },

    async findByCover(file: string): Promise<PostView | null> {
      const [row] = await base().where(eq(posts.coverPath, file));
      return row ?? null;
    },

    /** Slugs taken by `slug` itself or `slug-N`, to choose the next free one. */
    async listSlugsLike(slug: string): Promise<string[]> {
      const rows = await db
        .select({ slug: posts.slug })
        .from(posts)
        .where(or(eq(posts.slug, slug), like(posts.slug, `${slug}-%`)));
      return rows.map((row) => row.slug);
    },

    /** Inserts a draft; null when its slug was taken meanwhile (the unique index decides). */
    async insert(values: {
      authorId: number;
      title: string;
      slug: string;
      body: string;
      coverPath: string | null;
      coverType: string | null;
    }): Promise<PostRow | null> {
      const [row] = await db.insert(posts).values(values).onConflictDoNothing({ target: posts.slug }).returning();
      return row ?? null;
    },

    async update(
      id: number,
      values: { title: string; body: string; coverPath: string | null; coverType: string | null },
      at: Date,
    ): Promise<void> {
      await db
        .update(posts)
        .set({ ...values, updatedAt: at })
        .where(eq(posts.id, id));
    },

    async delete(id: number): Promise<void> {
      await db.delete(posts).where(eq(posts.id, id));
    },

    /** Publishes a draft; false when it was published already (nothing changes then). */
    async publish(id: number, at: Date): Promise<boolean> {
      const rows = await db
        .update(posts)
        .set({ published: true, publishedAt: at, updatedAt: at })
        .where(and(eq(posts.id, id), eq(posts.published, false)))
        .returning({ id: posts.id });
      return rows.length > 0;
    },

    /** Takes a post back to draft; false when it was a draft already. */
    async unpublish(id: number, at: Date): Promise<boolean> {
      const rows = await db
        .update(posts)
        .set({ published: false, updatedAt: at })
        .where(and(eq(posts.id, id), eq(posts.published, true)))
        .returning({ id: posts.id });
      return rows.length > 0;
    },

    /** Counts one view of a published post, in the database (side effect), atomically. */
    async addView(id: number): Promise<void> {
      await db
        .update(posts)
        .set({ views: sql`${posts.views} + 1` })
        .where(and(eq(posts.id, id), eq(posts.published, true)));
    },
  };
}

export type BlogRepository = ReturnType<typeof createBlogRepository>;
