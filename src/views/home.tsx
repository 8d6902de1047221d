import { formatDay } from './format.ts';
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
function FromTheBlog({ posts }: { posts: HomePost[] }) {
  if (posts.length === 0) return null;
  return (
    <section aria-labelledby="blog-title" id="home-posts">
      <h2 id="blog-title">From the blog</h2>
      <ul>
        {posts.map((post) => (
          <li>
            <a href={`/blog/${post.slug}`}>{post.title}</a>
            {post.publishedAt && <small> · {formatDay(post.publishedAt)}</small>}
          </li>
        ))}
      </ul>
      <p>
        <a href="/blog">Every post</a>
      </p>
    </section>
  );
}

export function HomePage({ ctx, figures, posts = [] }: { ctx: PageContext; figures: HomeFigures; posts?: HomePost[] }) {
  const whose = ctx.actor ? (ctx.actor.role === 'user' ? 'Yours' : 'Everyone’s') : 'On this Herald';
  return (
    <Layout ctx={ctx} title="Home">
      <section>
        <h1>Herald</h1>
        <p>
          Keep your recipients and messages, plan mailings once or on a schedule, and see exactly what happened to every e-mail.
        </p>
        {!ctx.actor && (
          <p>
            <a href="/register">Create an account</a> or <a href="/login">log in</a>.
          </p>
        )}
      </section>
      <section aria-labelledby="figures-title">
        <h2 id="figures-title">{whose}</h2>
        <div class="grid figures">
          <article>
            <p class="figure" id="figure-mailings">
              {figures.mailings}
            </p>
            <p>mailings</p>
          </article>
          <article>
            <p class="figure" id="figure-running">
              {figures.running}
            </p>
            <p>running now</p>
          </article>
          <article>
            <p class="figure" id="figure-recipients">
              {figures.uniqueRecipients}
            </p>
            <p>unique recipient addresses</p>
          </article>
        </div>
      </section>
      <FromTheBlog posts={posts} />
    </Layout>
  );
}
