import { AppError, type FieldErrors, isAppError } from '../../errors.ts';
import { msg } from '../../i18n/i18n.ts';
import { type Cache, cached, POSTS } from '../../lib/cache.ts';
import type { Clock } from '../../lib/clock.ts';
import { scopeFor } from '../../lib/scope.ts';
import { parseInput, reasonInputSchema } from '../../lib/validation.ts';
import { type Actor, can, mayChange } from '../../permissions.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { renderPostBody, slugify } from './blog.render.ts';
import type { BlogRepository, PostView } from './blog.repository.ts';
import { isSlug, type PostInput, postListSchema, postSchema } from './blog.schemas.ts';
import { type CoverStore, type CoverType, type CoverUpload, checkCover } from './covers.ts';

/** Slugs that name blog pages rather than posts. */
const reservedSlugs = new Set(['new', 'drafts', 'covers', 'feed']);
const FEED_SIZE = 20;
/** A cached list lives at most this long when no write announces a change (an author renamed, say). */
const LIST_CACHE_SECONDS = 60;

/** The home page draws its random posts from this many of the newest published ones. */
const HOME_CANDIDATES = 500;

export interface HomePostTeaser {
  title: string;
  slug: string;
  publishedAt: Date | null;
}

/** `count` different items at random (a partial Fisher–Yates shuffle of a copy). */
export function pickRandom<T>(items: readonly T[], count: number): T[] {
  const pool = [...items];
  const picked: T[] = [];
  while (picked.length < count && pool.length > 0) {
    const index = Math.floor(Math.random() * pool.length);
    picked.push(pool[index] as T);
    pool[index] = pool[pool.length - 1] as T;
    pool.pop();
  }
  return picked;
}

/** A post as it comes back from the cache's JSON, with its dates as dates again. */
const revivePost = (post: PostView): PostView => ({
  ...post,
  createdAt: new Date(post.createdAt),
  updatedAt: new Date(post.updatedAt),
  publishedAt: post.publishedAt === null ? null : new Date(post.publishedAt),
});

/** What an edit changes about the cover: a new one, its removal, or nothing. */
export interface CoverChange {
  cover?: CoverUpload | undefined;
  removeCover?: boolean | undefined;
}

/**
 * The blog: anyone reads published posts; drafts only their author and those who may publish or
 * edit any post. Signed-in users write drafts and change their own; managers publish (audited).
 */
export function createBlogService(deps: {
  repository: BlogRepository;
  covers: CoverStore;
  audit: AuditService;
  clock: Clock;
  /** Public lists and rendered bodies are cached; every write to a post moves the `posts` version on. */
  cache: Cache;
}) {
  const { repository, covers, clock } = deps;
  const changed = () => deps.cache.bump(POSTS);

  const mayRead = (actor: Actor | null, post: PostView) =>
    post.published ||
    (actor !== null && (post.authorId === actor.userId || can(actor, 'posts:write_all') || can(actor, 'posts:publish')));

  /** The post if the actor may read it; NOT_FOUND otherwise (a draft's existence is not revealed). */
  async function getPost(actor: Actor | null, rawSlug: unknown): Promise<PostView> {
    const slug = typeof rawSlug === 'string' ? rawSlug : '';
    const post = isSlug(slug) ? await repository.findBySlug(slug) : null;
    if (!post || !mayRead(actor, post)) throw AppError.notFound(msg('Post not found.'));
    return post;
  }

  /** The post if the actor may change it: 404 when unreadable, 403 when read-only. */
  async function getWritable(actor: Actor, rawSlug: unknown): Promise<PostView> {
    const post = await getPost(actor, rawSlug);
    if (post.authorId === null ? !can(actor, 'posts:write_all') : !mayChange(actor, post.authorId, 'posts:write_all')) {
      throw new AppError('FORBIDDEN', 'You can read this post but not change it.');
    }
    return post;
  }

  /** Title, body and cover checked together, so every field with a problem says so at once. */
  function validate(input: unknown, cover: CoverUpload | undefined): { data: PostInput; coverType: CoverType | null } {
    const fields: FieldErrors = {};
    let data: PostInput | undefined;
    let coverType: CoverType | null = null;
    try {
      data = parseInput(postSchema, input);
    } catch (error) {
      if (!isAppError(error)) throw error;
      Object.assign(fields, error.fields);
    }
    try {
      if (cover) coverType = checkCover(cover);
    } catch (error) {
      if (!isAppError(error)) throw error;
      Object.assign(fields, error.fields);
    }
    if (!data || Object.keys(fields).length) throw AppError.validation(fields);
    return { data, coverType };
  }

  /** A free slug for the title: the title's own, or with -2, -3… after it. */
  async function freeSlug(title: string): Promise<string> {
    const base = slugify(title);
    const taken = new Set(await repository.listSlugsLike(base));
    if (!taken.has(base) && !reservedSlugs.has(base)) return base;
    for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
  }

  async function changePublication(actor: Actor, rawSlug: unknown, input: unknown, publish: boolean): Promise<PostView> {
    if (!can(actor, 'posts:publish'))
      throw new AppError('FORBIDDEN', 'Only managers and admins can publish and unpublish posts.');
    const { reason } = parseInput(reasonInputSchema, input);
    const post = await getPost(actor, rawSlug);
    const changed = publish ? await repository.publish(post.id, clock.now()) : await repository.unpublish(post.id, clock.now());
    if (changed) {
      await deps.cache.bump(POSTS);
      await deps.audit.record({
        actor,
        action: publish ? 'post.published' : 'post.unpublished',
        targetType: 'post',
        targetId: post.id,
        reason: reason ?? null,
        details: { slug: post.slug, title: post.title },
      });
    }
    return getPost(actor, post.slug);
  }

  return {
    getPost,
    getWritable,
    mayRead,

    /** One page of published posts, newest first (cached: the same for every reader). */
    async listPublished(rawQuery: unknown) {
      const query = postListSchema.parse(rawQuery ?? {});
      const name = `blog:list:${query.page}:${query.pageSize}`;
      const page = await cached(deps.cache, { name, dependsOn: [POSTS], ttlSeconds: LIST_CACHE_SECONDS }, () =>
        repository.listPublished(query.page, query.pageSize),
      );
      return { ...page, items: page.items.map(revivePost) };
    },

    /** The post's body as sanitised HTML, rendered once per version of the post. */
    renderBody: (post: PostView): Promise<string> =>
      cached(
        deps.cache,
        { name: `blog:html:${post.id}:${new Date(post.updatedAt).getTime()}`, dependsOn: [POSTS], ttlSeconds: 3600 },
        async () => renderPostBody(post.body),
      ),

    /** Drafts the actor may see: their own, or everyone's for those who publish or edit any post. */
    listDrafts(actor: Actor, rawQuery: unknown) {
      const query = postListSchema.parse(rawQuery ?? {});
      const scope = can(actor, 'posts:publish') ? ({ kind: 'all' } as const) : scopeFor(actor, 'posts:write_all');
      return repository.listDrafts(scope, query.page, query.pageSize);
    },

    /**
     * Up to three published posts at random, for the home page: drawn here from the cached
     * teasers of the newest published posts, so a home page costs no query.
     */
    async listRandomPublished(): Promise<HomePostTeaser[]> {
      const teasers = await cached(deps.cache, { name: 'home-teasers', dependsOn: [POSTS], ttlSeconds: LIST_CACHE_SECONDS }, () =>
        repository.listPublishedTeasers(HOME_CANDIDATES),
      );
      return pickRandom(teasers, 3).map((teaser) => ({
        ...teaser,
        publishedAt: teaser.publishedAt === null ? null : new Date(teaser.publishedAt),
      }));
    },

    /** The newest published posts, for the Atom feed. */
    listFeed: async () => (await repository.listPublished(1, FEED_SIZE)).items,

    /** Every published post (or every post, for the operator), for the CLI. */
    listForOperator: (includeDrafts: boolean) => repository.listAll(includeDrafts),

    /** Writes a draft by the actor; equal titles get distinct slugs, even when two writers race. */
    async createPost(actor: Actor, input: unknown, cover?: CoverUpload) {
      const { data, coverType } = validate(input, cover);
      const coverPath = cover && 'bytes' in cover && coverType ? await covers.save(cover.bytes, coverType) : null;
      try {
        for (let attempt = 0; attempt < 10; attempt++) {
          const slug = await freeSlug(data.title);
          const row = await repository.insert({ authorId: actor.userId, ...data, slug, coverPath, coverType });
          if (!row) continue;
          await changed();
          return row;
        }
        throw new AppError('CONFLICT', 'Could not find a free address for this title; try again.');
      } catch (error) {
        await covers.remove(coverPath);
        throw error;
      }
    },

    /** Changes title, body and cover; the slug stays, so links keep working. A replaced cover's file is deleted. */
    async updatePost(actor: Actor, rawSlug: unknown, input: unknown, change: CoverChange = {}) {
      const post = await getWritable(actor, rawSlug);
      const { data, coverType } = validate(input, change.cover);
      const next = { coverPath: post.coverPath, coverType: post.coverType };
      if (change.cover && 'bytes' in change.cover && coverType) {
        next.coverPath = await covers.save(change.cover.bytes, coverType);
        next.coverType = coverType;
      } else if (change.removeCover) {
        next.coverPath = null;
        next.coverType = null;
      }
      await repository.update(post.id, { ...data, ...next }, clock.now());
      await changed();
      if (next.coverPath !== post.coverPath) await covers.remove(post.coverPath);
      return getPost(actor, post.slug);
    },

    /** Deletes the post and its cover file. */
    async deletePost(actor: Actor, rawSlug: unknown): Promise<void> {
      const post = await getWritable(actor, rawSlug);
      await repository.delete(post.id);
      await changed();
      await covers.remove(post.coverPath);
    },

    publishPost: (actor: Actor, rawSlug: unknown, input?: unknown) => changePublication(actor, rawSlug, input, true),
    unpublishPost: (actor: Actor, rawSlug: unknown, input?: unknown) => changePublication(actor, rawSlug, input, false),

    /** Counts one view of a published post; kept apart from rendering so a cached page still counts. */
    async recordView(post: PostView): Promise<void> {
      if (post.published) await repository.addView(post.id);
    },

    /** A cover's bytes and type, if its post is one the actor may read; NOT_FOUND otherwise. */
    async getCover(actor: Actor | null, file: string) {
      const post = await repository.findByCover(file);
      if (!post?.coverType || !mayRead(actor, post)) throw AppError.notFound(msg('Image not found.'));
      const bytes = await covers.read(file);
      if (!bytes) throw AppError.notFound(msg('Image not found.'));
      return { bytes, type: post.coverType, published: post.published };
    },
  };
}

export type BlogService = ReturnType<typeof createBlogService>;
