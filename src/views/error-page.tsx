import { msg } from '../i18n/i18n.ts';
import { Layout, type PageContext } from './layout.tsx';

const titles: Record<number, string> = {
  400: msg('Bad request'),
  401: msg('Please log in'),
  403: msg('Not allowed'),
  404: msg('Not found'),
  410: msg('Link expired'),
  413: msg('Too large'),
  414: msg('Address too long'),
  415: msg('Unsupported content'),
  422: msg('Check your input'),
  429: msg('Too many requests'),
  500: msg('Something went wrong'),
};

export function ErrorPage({ ctx, status, message }: { ctx: PageContext; status: number; message: string }) {
  const { t } = ctx;
  const title = t(titles[status] ?? msg('Error'));
  return (
    <Layout ctx={ctx} title={title}>
      <article>
        <h1>{title}</h1>
        <p>{t(message)}</p>
        <p>
          <a href="/">{t('Back to the home page')}</a>
        </p>
      </article>
    </Layout>
  );
}
