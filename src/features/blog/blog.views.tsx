import type { FieldErrors } from '../../errors.ts';
import type { Page } from '../../lib/scope.ts';
import { formatDay, formatUtc } from '../../views/format.ts';
import { Field, type FormValues, TextArea } from '../../views/forms.tsx';
import { Layout, type PageContext } from '../../views/layout.tsx';
import { ConfirmDelete, Pagination } from '../../views/list.tsx';
import { postExcerpt } from './blog.render.ts';
import type { PostView } from './blog.repository.ts';

export const postUrl = (post: Pick<PostView, 'slug'>) => `/blog/${post.slug}`;
export const coverUrl = (post: Pick<PostView, 'coverPath'>) => (post.coverPath ? `/blog/covers/${post.coverPath}` : null);

function PostSummary({ post }: { post: PostView }) {
  const cover = coverUrl(post);
  return (
    <article class="post-summary">
      {cover && <img src={cover} alt="" class="post-cover-thumb" loading="lazy" />}
      <h2>
        <a href={postUrl(post)}>{post.title}</a>
      </h2>
      <p>
        <small>
          {post.publishedAt && post.published ? formatDay(post.publishedAt) : 'Draft'}
          {post.authorName ? ` · ${post.authorName}` : ''}
        </small>
      </p>
      <p>{postExcerpt(post.body)}</p>
    </article>
  );
}

/** The public list of published posts; signed-in users also get links to write and to their drafts. */
export function BlogListPage(props: { ctx: PageContext; page: Page<PostView> }) {
  const { ctx, page } = props;
  return (
    <Layout ctx={ctx} title="Blog">
      <h1>Blog</h1>
      <p>
        {ctx.actor && (
          <>
            <a href="/blog/new">Write a post</a> · <a href="/blog/drafts">Drafts</a> ·{' '}
          </>
        )}
        <a href="/blog/feed.atom">Atom feed</a>
      </p>
      {page.items.length === 0 ? <p>No posts yet.</p> : page.items.map((post) => <PostSummary post={post} />)}
      <Pagination path="/blog" query={{}} page={page} />
    </Layout>
  );
}

/** Drafts the actor may see: their own, or everyone's for those who publish. */
export function DraftListPage(props: { ctx: PageContext; page: Page<PostView>; everyone: boolean }) {
  const { ctx, page } = props;
  return (
    <Layout ctx={ctx} title="Drafts">
      <p>
        <a href="/blog">← Blog</a>
      </p>
      <h1>{props.everyone ? 'Drafts waiting to be published' : 'Your drafts'}</h1>
      <p>
        <a href="/blog/new">Write a post</a>
      </p>
      {page.items.length === 0 ? (
        <p>No drafts.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Title</th>
              {props.everyone && <th scope="col">Author</th>}
              <th scope="col">Last changed</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((post) => (
              <tr>
                <td>
                  <a href={postUrl(post)}>{post.title}</a>
                </td>
                {props.everyone && <td>{post.authorName ?? '—'}</td>}
                <td>{formatUtc(post.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pagination path="/blog/drafts" query={{}} page={page} />
    </Layout>
  );
}

/** One post; its author (or an admin) gets edit and delete links, managers the publish form. */
export function PostPage(props: { ctx: PageContext; post: PostView; html: string; canEdit: boolean; canPublish: boolean }) {
  const { ctx, post } = props;
  const cover = coverUrl(post);
  return (
    <Layout ctx={ctx} title={post.title}>
      <p>
        <a href="/blog">← Blog</a>
      </p>
      <article class="post">
        <header>
          {!post.published && <mark class="badge">Draft</mark>}
          <h1>{post.title}</h1>
          <p>
            <small>
              {post.published && post.publishedAt ? formatDay(post.publishedAt) : 'Not published'}
              {post.authorName ? ` · ${post.authorName}` : ''}
              {(props.canEdit || props.canPublish) && ` · ${post.views} ${post.views === 1 ? 'view' : 'views'}`}
            </small>
          </p>
        </header>
        {cover && <img src={cover} alt="" class="post-cover" />}
        {/* Sanitised by renderPostBody's allow-list: no script, handler or javascript: URL survives it. */}
        <div class="post-body" dangerouslySetInnerHTML={{ __html: props.html }} />
        {props.canEdit && (
          <footer>
            <a href={`${postUrl(post)}/edit`}>Edit</a> · <a href={`${postUrl(post)}/delete`}>Delete</a>
          </footer>
        )}
      </article>
      {props.canPublish && (
        <form method="post" action={`${postUrl(post)}/${post.published ? 'unpublish' : 'publish'}`}>
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <label for="field-reason">Reason (kept in the audit log)</label>
          <input id="field-reason" name="reason" maxLength={500} />
          <button type="submit" class={post.published ? 'secondary' : undefined}>
            {post.published ? 'Unpublish' : 'Publish'}
          </button>
        </form>
      )}
    </Layout>
  );
}

/**
 * The post form. It posts multipart (for the cover), so the CSRF token rides in the action URL:
 * the file streams, and the token must be known before the body is read.
 */
export function PostFormPage(props: {
  ctx: PageContext;
  action: string;
  heading: string;
  values?: FormValues | undefined;
  errors?: FieldErrors | undefined;
  post?: PostView | undefined;
}) {
  const { ctx, errors, values, post } = props;
  const coverError = errors?.cover;
  const cover = post ? coverUrl(post) : null;
  return (
    <Layout ctx={ctx} title={props.heading}>
      <p>
        <a href={post ? postUrl(post) : '/blog'}>← {post ? post.title : 'Blog'}</a>
      </p>
      <article>
        <h1>{props.heading}</h1>
        <form
          method="post"
          action={`${props.action}?_csrf=${encodeURIComponent(ctx.csrfToken)}`}
          enctype="multipart/form-data"
          novalidate
        >
          {errors?._form && (
            <p class="flash flash-error" role="alert">
              {errors._form}
            </p>
          )}
          <Field name="title" label="Title" values={values} errors={errors} />
          <TextArea
            name="body"
            label="Body"
            rows={14}
            values={values}
            errors={errors}
            required
            hint="Markdown. Scripts, event handlers and javascript: links are removed."
          />
          {cover && (
            <label for="field-removeCover">
              <input id="field-removeCover" type="checkbox" name="removeCover" value="1" /> Remove the current cover
            </label>
          )}
          <label for="field-cover">{cover ? 'Replace the cover image' : 'Cover image'}</label>
          <input
            id="field-cover"
            type="file"
            name="cover"
            accept="image/jpeg,image/png,image/webp,image/gif"
            aria-invalid={coverError ? 'true' : undefined}
            aria-describedby={coverError ? 'field-cover-error field-cover-hint' : 'field-cover-hint'}
          />
          <small id="field-cover-hint">Optional. JPEG, PNG, WebP or GIF, at most 5 MB.</small>
          {coverError && (
            <small id="field-cover-error" class="field-error">
              {coverError}
            </small>
          )}
          <button type="submit">{post ? 'Save' : 'Save draft'}</button>
        </form>
      </article>
    </Layout>
  );
}

export function PostDeletePage(props: { ctx: PageContext; post: PostView }) {
  return (
    <Layout ctx={props.ctx} title="Delete post">
      <ConfirmDelete
        action={`${postUrl(props.post)}/delete`}
        csrfToken={props.ctx.csrfToken}
        what={`the post “${props.post.title}”`}
        cancel={postUrl(props.post)}
      />
    </Layout>
  );
}
