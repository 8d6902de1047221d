import type { ApiOperation } from '../http/openapi.ts';
import { Layout, type PageContext } from './layout.tsx';

/** Names, headers and formats: the same in every language. */
const literal = {
  title: 'Herald API',
  bearer: 'Authorization: Bearer …',
  problem: 'application/problem+json',
  code: 'code',
  openApi: '(OpenAPI 3)',
};

/** The API reference as a page: every operation, what it needs, and the shape of its body. */
export function ApiDocsPage({
  ctx,
  operations,
  schemaOf,
}: {
  ctx: PageContext;
  operations: ApiOperation[];
  schemaOf: (op: ApiOperation) => string | null;
}) {
  const { t } = ctx;
  const tags = [...new Set(operations.map((op) => op.tag))];
  // The operations' summaries stay English, like the OpenAPI document they come from.
  return (
    <Layout ctx={ctx} title="API">
      <h1>{literal.title}</h1>
      <dl>
        <dt>{t('Address')}</dt>
        <dd>
          <code>/api/v1</code>
        </dd>
        <dt>{t('Authentication')}</dt>
        <dd>
          {t('A personal API token (create one on your profile) or your session:')} <code>{literal.bearer}</code> ·{' '}
          <a href="/profile/tokens">{t('API tokens')}</a>
        </dd>
        <dt>{t('Errors')}</dt>
        <dd>
          {t('A problem document with a stable code:')} <code>{literal.problem}</code>, <code>{literal.code}</code>
        </dd>
        <dt>{t('Machine-readable document')}</dt>
        <dd>
          <a href="/api/openapi.json">/api/openapi.json</a> {literal.openApi}
        </dd>
      </dl>
      {tags.map((tag) => (
        <section>
          <h2>{tag}</h2>
          {operations
            .filter((op) => op.tag === tag)
            .map((op) => {
              const schema = schemaOf(op);
              return (
                <details>
                  <summary>
                    <code>
                      {op.method} {op.url}
                    </code>{' '}
                    — {op.summary}
                  </summary>
                  <p>{t('Requires: {{access}}', { access: op.access })}</p>
                  {schema && <pre>{schema}</pre>}
                </details>
              );
            })}
        </section>
      ))}
    </Layout>
  );
}
