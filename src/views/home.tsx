import { Layout, type PageContext } from './layout.tsx';

export interface HomeFigures {
  mailings: number;
  running: number;
  uniqueRecipients: number;
}

/** A published post as the home page lists it. */
export interface HomePost {
  title: string;
  slug: string;
  publishedAt: Date | null;
}

/** Up to three published posts; nothing at all when there are none. */
function FromTheBlog({ ctx, posts }: { ctx: PageContext; posts: HomePost[] }) {
  const { t } = ctx;
  if (posts.length === 0) return null;
  return (
    <section aria-labelledby="blog-title" id="home-posts">
      <h2 id="blog-title">{t('From the blog')}</h2>
      <ul>
        {posts.map((post) => (
          <li>
            <a href={`/blog/${post.slug}`}>{post.title}</a>
            {post.publishedAt && <small> · {ctx.format.date(post.publishedAt)}</small>}
          </li>
        ))}
      </ul>
      <p>
        <a href="/blog">{t('Every post')}</a>
      </p>
    </section>
  );
}

export function HomePage({ ctx, figures, posts = [] }: { ctx: PageContext; figures: HomeFigures; posts?: HomePost[] }) {
  const { t, format } = ctx;
  const whose = ctx.actor ? (ctx.actor.role === 'user' ? t('Yours') : t('Everyone’s')) : t('On this Herald');
  return (
    <Layout ctx={ctx} title={t('Home')}>
      <section>
        <h1>Herald</h1>
        <p>
          {t(
            'Keep your recipients and messages, plan mailings once or on a schedule, and see exactly what happened to every e-mail.',
          )}
        </p>
        {!ctx.actor && (
          <p>
            <a href="/register">{t('Create an account')}</a> {t('or')} <a href="/login">{t('log in')}</a>.
          </p>
        )}
      </section>
      <section aria-labelledby="figures-title">
        <h2 id="figures-title">{whose}</h2>
        <div class="grid figures">
          <article>
            <p class="figure" id="figure-mailings">
              {format.number(figures.mailings)}
            </p>
            <p>{t('mailings', { count: figures.mailings })}</p>
          </article>
          <article>
            <p class="figure" id="figure-running">
              {format.number(figures.running)}
            </p>
            <p>{t('running now', { count: figures.running })}</p>
          </article>
          <article>
            <p class="figure" id="figure-recipients">
              {format.number(figures.uniqueRecipients)}
            </p>
            <p>{t('unique recipient addresses', { count: figures.uniqueRecipients })}</p>
          </article>
        </div>
      </section>
      <FromTheBlog ctx={ctx} posts={posts} />
    </Layout>
  );
}
