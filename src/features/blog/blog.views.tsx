import type { FieldErrors } from '../../errors.ts';
import type { Page } from '../../lib/scope.ts';
import { Field, type FormValues, TextArea } from '../../views/forms.tsx';
import { Layout, type PageContext } from '../../views/layout.tsx';
import { ConfirmDelete, Pagination } from '../../views/list.tsx';
import { postExcerpt } from './blog.render.ts';
import type { PostView } from './blog.repository.ts';

export const postUrl = (post: Pick<PostView, 'slug'>) => `/blog/${post.slug}`;
export const coverUrl = (post: Pick<PostView, 'coverPath'>) => (post.coverPath ? `/blog/covers/${post.coverPath}` : null);

function PostSummary({ ctx, post }: { ctx: PageContext; post: PostView }) {
  const cover = coverUrl(post);
  return (
    <article class="post-summary">
      {cover && <img src={cover} alt="" class="post-cover-thumb" loading="lazy" />}
      <h2>
        <a href={postUrl(post)}>{post.title}</a>
      </h2>
      <p>
        <small>
          {post.publishedAt && post.published ? ctx.format.date(post.publishedAt) : ctx.t('Draft')}
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
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('Blog')}>
      <h1>{t('Blog')}</h1>
      <p>
        {ctx.actor && (
          <>
            <a href="/blog/new">{t('Write a post')}</a> · <a href="/blog/drafts">{t('Drafts')}</a> ·{' '}
          </>
        )}
        <a href="/blog/feed.atom">{t('Atom feed')}</a>
      </p>
      {page.items.length === 0 ? <p>{t('No posts yet.')}</p> : page.items.map((post) => <PostSummary ctx={ctx} post={post} />)}
      <Pagination path="/blog" query={{}} page={page} />
    </Layout>
  );
}

/** Drafts the actor may see: their own, or everyone's for those who publish. */
export function DraftListPage(props: { ctx: PageContext; page: Page<PostView>; everyone: boolean }) {
  const { ctx, page } = props;
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('Drafts')}>
      <p>
        <a href="/blog">← {t('Blog')}</a>
      </p>
      <h1>{props.everyone ? t('Drafts waiting to be published') : t('Your drafts')}</h1>
      <p>
        <a href="/blog/new">{t('Write a post')}</a>
      </p>
      {page.items.length === 0 ? (
        <p>{t('No drafts.')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('Title')}</th>
              {props.everyone && <th scope="col">{t('Author')}</th>}
              <th scope="col">{t('Last changed')}</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((post) => (
              <tr>
                <td>
                  <a href={postUrl(post)}>{post.title}</a>
                </td>
                {props.everyone && <td>{post.authorName ?? '—'}</td>}
                <td>{ctx.format.dateTime(post.updatedAt)}</td>
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
  const { t } = ctx;
  const cover = coverUrl(post);
  return (
    <Layout ctx={ctx} title={post.title}>
      <p>
        <a href="/blog">← {t('Blog')}</a>
      </p>
      <article class="post">
        <header>
          {!post.published && <mark class="badge">{t('Draft')}</mark>}
          <h1>{post.title}</h1>
          <p>
            <small>
              {post.published && post.publishedAt ? ctx.format.date(post.publishedAt) : t('Not published')}
              {post.authorName ? ` · ${post.authorName}` : ''}
              {(props.canEdit || props.canPublish) && ` · ${t('{{count}} views', { count: post.views })}`}
            </small>
          </p>
        </header>
        {cover && <img src={cover} alt="" class="post-cover" />}
        {/* Sanitised by renderPostBody's allow-list: no script, handler or javascript: URL survives it. */}
        <div class="post-body" dangerouslySetInnerHTML={{ __html: props.html }} />
        {props.canEdit && (
          <footer>
            <a href={`${postUrl(post)}/edit`}>{t('Edit')}</a> · <a href={`${postUrl(post)}/delete`}>{t('Delete')}</a>
          </footer>
        )}
      </article>
      {props.canPublish && (
        <form method="post" action={`${postUrl(post)}/${post.published ? 'unpublish' : 'publish'}`}>
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <label for="field-reason">{t('Reason (kept in the audit log)')}</label>
          <input id="field-reason" name="reason" maxLength={500} />
          <button type="submit" class={post.published ? 'secondary' : undefined}>
            {post.published ? t('Unpublish') : t('Publish')}
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
  /** A key (`msg`): the form translates it. */
  heading: string;
  values?: FormValues | undefined;
  errors?: FieldErrors | undefined;
  post?: PostView | undefined;
}) {
  const { ctx, errors, values, post } = props;
  const { t } = ctx;
  const coverError = errors?.cover;
  const cover = post ? coverUrl(post) : null;
  return (
    <Layout ctx={ctx} title={t(props.heading)}>
      <p>
        <a href={post ? postUrl(post) : '/blog'}>← {post ? post.title : t('Blog')}</a>
      </p>
      <article>
        <h1>{t(props.heading)}</h1>
        <form
          method="post"
          action={`${props.action}?_csrf=${encodeURIComponent(ctx.csrfToken)}`}
          enctype="multipart/form-data"
          novalidate
        >
          {errors?._form && (
            <p class="flash flash-error" role="alert">
              {t(errors._form)}
            </p>
          )}
          <Field name="title" label={t('Title')} values={values} errors={errors} />
          <TextArea
            name="body"
            label={t('Body')}
            rows={14}
            values={values}
            errors={errors}
            required
            hint={t('Markdown. Scripts, event handlers and javascript: links are removed.')}
          />
          {cover && (
            <label for="field-removeCover">
              <input id="field-removeCover" type="checkbox" name="removeCover" value="1" /> {t('Remove the current cover')}
            </label>
          )}
          <label for="field-cover">{cover ? t('Replace the cover image') : t('Cover image')}</label>
          <input
            id="field-cover"
            type="file"
            name="cover"
            accept="image/jpeg,image/png,image/webp,image/gif"
            aria-invalid={coverError ? 'true' : undefined}
            aria-describedby={coverError ? 'field-cover-error field-cover-hint' : 'field-cover-hint'}
          />
          <small id="field-cover-hint">{t('Optional. JPEG, PNG, WebP or GIF, at most 5 MB.')}</small>
          {coverError && (
            <small id="field-cover-error" class="field-error">
              {t(coverError)}
            </small>
          )}
          <button type="submit">{post ? t('Save') : t('Save draft')}</button>
        </form>
      </article>
    </Layout>
  );
}

export function PostDeletePage(props: { ctx: PageContext; post: PostView }) {
  return (
    <Layout ctx={props.ctx} title={props.ctx.t('Delete post')}>
      <ConfirmDelete
        action={`${postUrl(props.post)}/delete`}
        csrfToken={props.ctx.csrfToken}
        what={props.ctx.t('the post “{{title}}”', { title: props.post.title })}
        cancel={postUrl(props.post)}
      />
    </Layout>
  );
}
