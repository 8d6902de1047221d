import { Layout, type PageContext } from './layout.tsx';

const titles: Record<number, string> = {
  400: 'Bad request',
  401: 'Please log in',
  403: 'Not allowed',
  404: 'Not found',
  410: 'Link expired',
  413: 'Too large',
  415: 'Unsupported content',
  422: 'Check your input',
  429: 'Too many requests',
  500: 'Something went wrong',
};

export function ErrorPage({ ctx, status, message }: { ctx: PageContext; status: number; message: string }) {
  const title = titles[status] ?? 'Error';
  return (
    <Layout ctx={ctx} title={title}>
      <article>
        <h1>{title}</h1>
        <p>{message}</p>
        <p>
          <a href="/">Back to the home page</a>
        </p>
      </article>
    </Layout>
  );
}
