import type { ApiOperation } from '../http/openapi.ts';
import { Layout, type PageContext } from './layout.tsx';

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
  const tags = [...new Set(operations.map((op) => op.tag))];
  return (
    <Layout ctx={ctx} title="API">
      <h1>Herald API</h1>
      <p>
        Under <code>/api/v1</code>, authenticated by a personal API token (<code>Authorization: Bearer …</code>, create one on{' '}
        <a href="/profile/tokens">your profile</a>) or by your session. Errors come as <code>application/problem+json</code> with
        a stable <code>code</code>. The machine-readable document is <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI
        3).
      </p>
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
                  <p>Requires: {op.access}</p>
                  {schema && <pre>{schema}</pre>}
                </details>
              );
            })}
        </section>
      ))}
    </Layout>
  );
}
