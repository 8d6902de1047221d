import type { FastifyRequest } from 'fastify';
import { actorOf, type Handler } from '../../http/handlers.ts';
import { renderPostBody } from './blog.render.ts';
import type { PostView } from './blog.repository.ts';
import type { BlogService } from './blog.service.ts';
import { coverUrl, postUrl } from './blog.views.tsx';

/** A post as the API shows it: Markdown and its sanitised HTML. */
export const postJson = (p: PostView) => ({
  id: p.id,
  slug: p.slug,
  url: postUrl(p),
  title: p.title,
  body: p.body,
  html: renderPostBody(p.body),
  coverUrl: coverUrl(p),
  author: p.authorName,
  authorId: p.authorId,
  views: p.views,
  published: p.published,
  publishedAt: p.published && p.publishedAt ? p.publishedAt.toISOString() : null,
  createdAt: p.createdAt.toISOString(),
  updatedAt: p.updatedAt.toISOString(),
});

const slugParam = (request: FastifyRequest) => String((request.params as { slug?: unknown }).slug ?? '');

/** JSON API for the blog: the same rules as the pages, through the same service. */
export function createBlogApi(deps: { blog: BlogService }) {
  const { blog } = deps;
  return {
    list: async (request) => {
      const page = await blog.listPublished(request.query);
      return { ...page, items: page.items.map(postJson) };
    },
    show: async (request) => postJson(await blog.getPost(request.actor, slugParam(request))),
    create: async (request, reply) => {
      const actor = actorOf(request);
      const created = await blog.createPost(actor, request.body);
      return reply.code(201).send(postJson(await blog.getPost(actor, created.slug)));
    },
    update: async (request) => {
      const actor = actorOf(request);
      const post = await blog.getWritable(actor, slugParam(request));
      const body = (request.body ?? {}) as Record<string, unknown>;
      const input = { title: body.title ?? post.title, body: body.body ?? post.body };
      return postJson(await blog.updatePost(actor, post.slug, input));
    },
    delete: async (request, reply) => {
      await blog.deletePost(actorOf(request), slugParam(request));
      return reply.code(204).send();
    },
    publish: async (request) => postJson(await blog.publishPost(actorOf(request), slugParam(request), request.body)),
    unpublish: async (request) => postJson(await blog.unpublishPost(actorOf(request), slugParam(request), request.body)),
  } satisfies Record<string, Handler>;
}
