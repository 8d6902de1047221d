import type { FieldErrors } from '../../errors.ts';
import { assetUrl } from '../../http/assets.ts';
import type { Page } from '../../lib/scope.ts';
import { formatDay, formatUtc } from '../../views/format.ts';
import { Field, Form, type FormValues, TextArea } from '../../views/forms.tsx';
import { Layout, type PageContext } from '../../views/layout.tsx';
import { ConfirmDelete, Pagination, SortHeader } from '../../views/list.tsx';
import type { ImportReport } from './recipients.csv.ts';
import type { RecipientListQuery, RecipientView } from './recipients.repository.ts';

const suppressionLabels: Record<string, string> = {
  unsubscribed: 'Unsubscribed',
  hard_bounce: 'Hard bounce',
  manual: 'Suppressed',
};

function SuppressedBadge({ reason }: { reason: string | null }) {
  if (!reason) return null;
  return (
    <mark class="badge" title="Every run skips this address">
      {suppressionLabels[reason] ?? reason}
    </mark>
  );
}

export function RecipientListPage(props: {
  ctx: PageContext;
  page: Page<RecipientView>;
  query: RecipientListQuery;
  showOwner: boolean;
}) {
  const { ctx, page, query } = props;
  const linkQuery = { q: query.q, sort: query.sort, direction: query.direction };
  return (
    <Layout ctx={ctx} title="Recipients">
      <h1>Recipients</h1>
      <p>
        <a href="/recipients/new">New recipient</a> · <a href="/recipients/import">Import CSV</a> ·{' '}
        <a href="/recipients/export.csv">Export CSV</a>
      </p>
      <form method="get" action="/recipients">
        <label for="recipient-search">Search by e-mail or name</label>
        <input id="recipient-search" type="search" name="q" value={query.q ?? ''} />
        <input type="hidden" name="sort" value={query.sort} />
        <input type="hidden" name="direction" value={query.direction} />
        <button type="submit">Search</button>
      </form>
      <p>
        {page.total} {page.total === 1 ? 'recipient' : 'recipients'}
      </p>
      {page.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <SortHeader path="/recipients" query={query} column="email">
                E-mail
              </SortHeader>
              <SortHeader path="/recipients" query={query} column="fullName">
                Name
              </SortHeader>
              <th scope="col">Comment</th>
              {props.showOwner && <th scope="col">Owner</th>}
              <SortHeader path="/recipients" query={query} column="createdAt">
                Added
              </SortHeader>
            </tr>
          </thead>
          <tbody>
            {page.items.map((r) => (
              <tr>
                <td>
                  <a href={`/recipients/${r.id}`}>{r.email}</a> <SuppressedBadge reason={r.suppressedReason} />
                </td>
                <td>{r.fullName}</td>
                <td>{r.comment.length > 80 ? `${r.comment.slice(0, 80)}…` : r.comment}</td>
                {props.showOwner && <td>{r.ownerEmail}</td>}
                <td>{formatDay(r.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pagination path="/recipients" query={linkQuery} page={page} />
    </Layout>
  );
}

export function RecipientPage(props: { ctx: PageContext; recipient: RecipientView; canWrite: boolean; showOwner: boolean }) {
  const { recipient: r } = props;
  return (
    <Layout ctx={props.ctx} title={r.email}>
      <p>
        <a href="/recipients">← Recipients</a>
      </p>
      <article>
        <h1>
          {r.email} <SuppressedBadge reason={r.suppressedReason} />
        </h1>
        <table>
          <tbody>
            <tr>
              <th scope="row">Name</th>
              <td>{r.fullName || '—'}</td>
            </tr>
            <tr>
              <th scope="row">Comment</th>
              <td class="pre">{r.comment || '—'}</td>
            </tr>
            {props.showOwner && (
              <tr>
                <th scope="row">Owner</th>
                <td>{r.ownerEmail}</td>
              </tr>
            )}
            <tr>
              <th scope="row">Added</th>
              <td>{formatUtc(r.createdAt)}</td>
            </tr>
          </tbody>
        </table>
        {props.canWrite && (
          <p>
            <a href={`/recipients/${r.id}/edit`}>Edit</a> · <a href={`/recipients/${r.id}/delete`}>Delete</a>
          </p>
        )}
      </article>
    </Layout>
  );
}

export function RecipientFormPage(props: {
  ctx: PageContext;
  action: string;
  title: string;
  values?: FormValues;
  errors?: FieldErrors;
}) {
  return (
    <Layout ctx={props.ctx} title={props.title}>
      <p>
        <a href="/recipients">← Recipients</a>
      </p>
      <article>
        <h1>{props.title}</h1>
        <Form action={props.action} csrfToken={props.ctx.csrfToken} submit="Save" errors={props.errors}>
          <Field name="email" label="E-mail" type="email" values={props.values} errors={props.errors} />
          <Field name="fullName" label="Full name" values={props.values} errors={props.errors} required={false} />
          <TextArea name="comment" label="Comment" rows={3} values={props.values} errors={props.errors} />
        </Form>
      </article>
    </Layout>
  );
}

export function RecipientDeletePage(props: { ctx: PageContext; recipient: RecipientView }) {
  return (
    <Layout ctx={props.ctx} title="Delete recipient">
      <ConfirmDelete
        action={`/recipients/${props.recipient.id}/delete`}
        csrfToken={props.ctx.csrfToken}
        what={`the recipient ${props.recipient.email}`}
        cancel={`/recipients/${props.recipient.id}`}
      />
    </Layout>
  );
}

export function RecipientImportPage(props: { ctx: PageContext; report?: ImportReport; error?: string }) {
  const { report } = props;
  return (
    <Layout ctx={props.ctx} title="Import recipients">
      <p>
        <a href="/recipients">← Recipients</a>
      </p>
      <article>
        <h1>Import recipients from CSV</h1>
        <p>
          The first line is a header naming the columns: <code>email</code> (required), <code>name</code> and <code>comment</code>
          . UTF-8 text; comma-separated. Rows with an invalid address and addresses you already have are skipped and listed below
          with their line numbers.
        </p>
        {props.error && (
          <p class="flash flash-error" role="alert">
            {props.error}
          </p>
        )}
        <form
          method="post"
          action={`/recipients/import?_csrf=${encodeURIComponent(props.ctx.csrfToken)}`}
          enctype="multipart/form-data"
          data-upload="progress"
        >
          <label for="field-file">
            CSV file
            <input id="field-file" type="file" name="file" accept=".csv,text/csv" required />
          </label>
          <progress id="import-progress" hidden aria-label="Upload progress" />
          <button type="submit">Import</button>
        </form>
        {report && <ImportReportView report={report} />}
      </article>
      <script src={assetUrl('import.js')} defer />
    </Layout>
  );
}

function ImportReportView({ report }: { report: ImportReport }) {
  return (
    <section aria-live="polite" id="import-report">
      <h2>Import finished</h2>
      <p>
        {report.rows} rows read: <strong>{report.imported} imported</strong>, {report.duplicateCount} duplicates skipped,{' '}
        {report.invalidCount} invalid rows skipped.
      </p>
      {report.invalid.length > 0 && (
        <details open>
          <summary>Invalid rows</summary>
          <ul>
            {report.invalid.map((row) => (
              <li>
                Line {row.line}: {row.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
      {report.duplicates.length > 0 && (
        <details>
          <summary>Duplicates</summary>
          <ul>
            {report.duplicates.map((row) => (
              <li>
                Line {row.line}: {row.email}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
