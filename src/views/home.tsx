import { Layout, type PageContext } from './layout.tsx';

export function HomePage({ ctx }: { ctx: PageContext }) {
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
    </Layout>
  );
}
