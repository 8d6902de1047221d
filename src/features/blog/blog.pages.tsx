import type {} from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldErrors } from '../../errors.ts';
import { formValues, pageContext, redirectWithFlash, sendPage } from '../../http/context.ts';
import { handleForm } from '../../http/forms.ts';
import { actorOf, type Handler } from '../../http/handlers.ts';
import { msg } from '../../i18n/i18n.ts';
import { type Actor, can } from '../../permissions.ts';
import { buildAtomFeed } from './blog.feed.ts';
import type { PostView } from './blog.repository.ts';
import { POST_BODY_MAX } from './blog.schemas.ts';
import type { BlogService, CoverChange } from './blog.service.ts';
import { BlogListPage, DraftListPage, PostDeletePage, PostFormPage, PostPage, postUrl } from './blog.views.tsx';
import { COVER_MAX_BYTES, type CoverUpload } from './covers.ts';

/** The `:slug` route parameter as given; the service answers NOT_FOUND when it names no readable post. */
const slugParam = (request: FastifyRequest) => String((request.params as { slug?: unknown }).slug ?? '');

// A body of the longest post in 4-byte characters, plus room for the other fields and the framing.
const FIELD_MAX_BYTES = POST_BODY_MAX * 4;
const REQUEST_MAX_BYTES = COVER_MAX_BYTES + FIELD_MAX_BYTES + 64 * 1024;

/** What the post form sent: its text fields and, when a file was chosen, the cover. */
interface PostForm extends CoverChange {
  values: Record<string, string | undefined>;
}

/** Reads the post form: multipart from the page (the cover streams, capped at 5 MB), or a plain form. */
async function readPostForm(request: FastifyRequest): Promise<PostForm> {
  if (!request.isMultipart()) {
    const values = formValues(request.body);
    return { values, removeCover: values.removeCover === '1' };
  }
  // Refuse an upload that announces a size beyond any valid form before reading a byte of it.
  if (Number(request.headers['content-length'] ?? 0) > REQUEST_MAX_BYTES) {
    throw new AppError('PAYLOAD_TOO_LARGE', 'The cover image must be at most 5 MB.', {
      fields: { cover: msg('The cover image must be at most 5 MB.') },
    });
  }
  const values: Record<string, string | undefined> = {};
  const truncated: FieldErrors = {};
  let cover: CoverUpload | undefined;
  // The plugin reads throwFileSizeLimit here too, though its types leave it out: the size is checked below instead.
  const options = {
    limits: { fileSize: COVER_MAX_BYTES, files: 1, fields: 10, fieldSize: FIELD_MAX_BYTES },
    throwFileSizeLimit: false,
  };
  for await (const part of request.parts(options)) {
    if (part.type === 'field') {
      if (typeof part.value === 'string' && values[part.fieldname] === undefined) values[part.fieldname] = part.value;
      if (part.valueTruncated) truncated[part.fieldname] = msg('This field is too long.');
      continue;
    }
    // Busboy stops keeping bytes past the limit and marks the stream truncated: nothing beyond 5 MB is held.
    const chunks: Buffer[] = [];
    for await (const chunk of part.file) chunks.push(chunk as Buffer);
    if (part.fieldname !== 'cover') continue;
    if (part.file.truncated) cover = { tooLarge: true };
    else if (chunks.length > 0 || part.filename) cover = { bytes: Buffer.concat(chunks) };
  }
  if (Object.keys(truncated).length) throw AppError.validation(truncated);
  return { values, cover, removeCover: values.removeCover === '1' };
}

/** Blog pages, the cover images and the Atom feed: thin handlers over the blog service. */
export function createBlogPages(deps: { blog: BlogService; devMailbox: boolean; baseUrl: string; now: () => Date }) {
  const { blog } = deps;
  const ctx = (request: FastifyRequest, reply: FastifyReply) => pageContext(request, reply, deps.devMailbox);
  const mayEdit = (actor: Actor | null, post: PostView) =>
    actor !== null && (post.authorId === actor.userId || can(actor, 'posts:write_all'));

  return {
    list: async (request, reply) => {
      const page = await blog.listPublished(request.query);
      return sendPage(reply, BlogListPage({ ctx: ctx(request, reply), page }));
    },

    drafts: async (request, reply) => {
      const actor = actorOf(request);
      const page = await blog.listDrafts(actor, request.query);
      return sendPage(reply, DraftListPage({ ctx: ctx(request, reply), page, everyone: can(actor, 'posts:publish') }));
    },

    show: async (request, reply) => {
      const post = await blog.getPost(request.actor, slugParam(request));
      // Counted here, apart from rendering, so a page served from a cache would still count (not HEAD).
      if (request.method === 'GET') await blog.recordView(post);
      const actor = request.actor;
      return sendPage(
        reply,
        PostPage({
          ctx: ctx(request, reply),
          post,
          html: await blog.renderBody(post),
          canEdit: mayEdit(actor, post),
          canPublish: can(actor, 'posts:publish'),
        }),
      );
    },

    newForm: async (request, reply) =>
      sendPage(reply, PostFormPage({ ctx: ctx(request, reply), action: '/blog/new', heading: msg('New post') })),

    create: async (request, reply) => {
      const actor = actorOf(request);
      let values: PostForm['values'] = {};
      return handleForm(
        reply,
        async () => {
          const form = await readPostForm(request);
          values = form.values;
          const created = await blog.createPost(actor, form.values, form.cover);
          return redirectWithFlash(reply, postUrl(created), 'success', msg('The draft is saved. A manager publishes it.'));
        },
        (errors) => PostFormPage({ ctx: ctx(request, reply), action: '/blog/new', heading: msg('New post'), values, errors }),
      );
    },

    editForm: async (request, reply) => {
      const post = await blog.getWritable(actorOf(request), slugParam(request));
      const values = { title: post.title, body: post.body };
      const action = `${postUrl(post)}/edit`;
      return sendPage(reply, PostFormPage({ ctx: ctx(request, reply), action, heading: msg('Edit post'), values, post }));
    },

    update: async (request, reply) => {
      const actor = actorOf(request);
      const post = await blog.getWritable(actor, slugParam(request));
      let values: PostForm['values'] = {};
      return handleForm(
        reply,
        async () => {
          const form = await readPostForm(request);
          values = form.values;
          await blog.updatePost(actor, post.slug, form.values, form);
          return redirectWithFlash(reply, postUrl(post), 'success', msg('The post is saved.'));
        },
        (errors) =>
          PostFormPage({
            ctx: ctx(request, reply),
            action: `${postUrl(post)}/edit`,
            heading: msg('Edit post'),
            values,
            errors,
            post,
          }),
      );
    },

    deleteForm: async (request, reply) => {
      const post = await blog.getWritable(actorOf(request), slugParam(request));
      return sendPage(reply, PostDeletePage({ ctx: ctx(request, reply), post }));
    },

    delete: async (request, reply) => {
      await blog.deletePost(actorOf(request), slugParam(request));
      return redirectWithFlash(reply, '/blog', 'success', msg('The post is deleted.'));
    },

    publish: async (request, reply) => {
      const post = await blog.publishPost(actorOf(request), slugParam(request), formValues(request.body));
      return redirectWithFlash(reply, postUrl(post), 'success', msg('The post is published.'));
    },

    unpublish: async (request, reply) => {
      const post = await blog.unpublishPost(actorOf(request), slugParam(request), formValues(request.body));
      return redirectWithFlash(reply, postUrl(post), 'success', msg('The post is back to draft.'));
    },

    cover: async (request, reply) => {
      const file = String((request.params as { file?: unknown }).file ?? '');
      const cover = await blog.getCover(request.actor, file);
      return reply
        .header('content-type', cover.type)
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', 'inline')
        .header('cache-control', cover.published ? 'public, max-age=86400' : 'private, no-store')
        .send(cover.bytes);
    },

    feed: async (_request, reply) => {
      const xml = buildAtomFeed(await blog.listFeed(), { baseUrl: deps.baseUrl, now: deps.now() });
      return reply
        .header('content-type', 'application/atom+xml; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        .send(xml);
    },
  } satisfies Record<string, Handler>;
}
