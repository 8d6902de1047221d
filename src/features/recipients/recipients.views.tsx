import type { FieldErrors } from '../../errors.ts';
import { assetUrl } from '../../http/assets.ts';
import { msg, type Translate } from '../../i18n/i18n.ts';
import type { Page } from '../../lib/scope.ts';
import { Field, Form, type FormValues, TextArea } from '../../views/forms.tsx';
import { Layout, type PageContext } from '../../views/layout.tsx';
import { ConfirmDelete, Pagination, SortHeader } from '../../views/list.tsx';
import { useT } from '../../views/translate-context.ts';
import type { ImportReport } from './recipients.csv.ts';
import type { RecipientListQuery, RecipientView } from './recipients.repository.ts';

const suppressionLabels: Record<string, string> = {
  unsubscribed: msg('Unsubscribed'),
  hard_bounce: msg('Hard bounce'),
  manual: msg('Suppressed'),
};

/**
 * The mark of a suppressed address, or nothing. A plain function rather than a component: a list
 * page calls it for every row, and a component with hooks cost a few microseconds a row even when
 * it rendered nothing.
 */
function suppressedBadge(t: Translate, reason: string | null) {
  if (!reason) return null;
  return (
    <>
      {' '}
      <mark class="badge" title={t('Every run skips this address')}>
        {t(suppressionLabels[reason] ?? reason)}
      </mark>
    </>
  );
}

/** A sentence translated without values, so its {{placeholders}} stay in it: they are column names, shown as code. */
function WithCode({ text }: { text: string }) {
  return <>{text.split(/\{\{(\w+)\}\}/).map((part, i) => (i % 2 === 1 ? <code>{part}</code> : part))}</>;
}

export function RecipientListPage(props: {
  ctx: PageContext;
  page: Page<RecipientView>;
  query: RecipientListQuery;
  showOwner: boolean;
}) {
  const { ctx, page, query } = props;
  const { t, format } = ctx;
  const linkQuery = { q: query.q, sort: query.sort, direction: query.direction };
  return (
    <Layout ctx={ctx} title={t('Recipients')}>
      <h1>{t('Recipients')}</h1>
      <p>
        <a href="/recipients/new">{t('New recipient')}</a> · <a href="/recipients/import">{t('Import CSV')}</a> ·{' '}
        <a href="/recipients/export.csv">{t('Export CSV')}</a>
      </p>
      <form method="get" action="/recipients">
        <label for="recipient-search">{t('Search by e-mail or name')}</label>
        <input id="recipient-search" type="search" name="q" value={query.q ?? ''} />
        <input type="hidden" name="sort" value={query.sort} />
        <input type="hidden" name="direction" value={query.direction} />
        <button type="submit">{t('Search')}</button>
      </form>
      <p>{t('{{count}} recipients', { count: page.total })}</p>
      {page.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <SortHeader path="/recipients" query={query} column="email">
                {t('E-mail')}
              </SortHeader>
              <SortHeader path="/recipients" query={query} column="fullName">
                {t('Name')}
              </SortHeader>
              <th scope="col">{t('Comment')}</th>
              {props.showOwner && <th scope="col">{t('Owner')}</th>}
              <SortHeader path="/recipients" query={query} column="createdAt">
                {t('Added')}
              </SortHeader>
            </tr>
          </thead>
          <tbody>
            {page.items.map((r) => (
              <tr>
                <td>
                  <a href={`/recipients/${r.id}`}>{r.email}</a>
                  {suppressedBadge(t, r.suppressedReason)}
                </td>
                <td>{r.fullName}</td>
                <td>{r.comment.length > 80 ? `${r.comment.slice(0, 80)}…` : r.comment}</td>
                {props.showOwner && <td>{r.ownerEmail}</td>}
                <td>{format.date(r.createdAt)}</td>
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
  const { t, format } = props.ctx;
  return (
    <Layout ctx={props.ctx} title={r.email}>
      <p>
        <a href="/recipients">← {t('Recipients')}</a>
      </p>
      <article>
        <h1>
          {r.email}
          {suppressedBadge(t, r.suppressedReason)}
        </h1>
        <table>
          <tbody>
            <tr>
              <th scope="row">{t('Name')}</th>
              <td>{r.fullName || '—'}</td>
            </tr>
            <tr>
              <th scope="row">{t('Comment')}</th>
              <td class="pre">{r.comment || '—'}</td>
            </tr>
            {props.showOwner && (
              <tr>
                <th scope="row">{t('Owner')}</th>
                <td>{r.ownerEmail}</td>
              </tr>
            )}
            <tr>
              <th scope="row">{t('Added')}</th>
              <td>{format.dateTime(r.createdAt)}</td>
            </tr>
          </tbody>
        </table>
        {props.canWrite && (
          <p>
            <a href={`/recipients/${r.id}/edit`}>{t('Edit')}</a> · <a href={`/recipients/${r.id}/delete`}>{t('Delete')}</a>
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
  const { t } = props.ctx;
  const title = t(props.title);
  return (
    <Layout ctx={props.ctx} title={title}>
      <p>
        <a href="/recipients">← {t('Recipients')}</a>
      </p>
      <article>
        <h1>{title}</h1>
        <Form action={props.action} csrfToken={props.ctx.csrfToken} submit={t('Save')} errors={props.errors}>
          <Field name="email" label={t('E-mail')} type="email" values={props.values} errors={props.errors} />
          <Field name="fullName" label={t('Full name')} values={props.values} errors={props.errors} required={false} />
          <TextArea name="comment" label={t('Comment')} rows={3} values={props.values} errors={props.errors} />
        </Form>
      </article>
    </Layout>
  );
}

export function RecipientDeletePage(props: { ctx: PageContext; recipient: RecipientView }) {
  const { t } = props.ctx;
  return (
    <Layout ctx={props.ctx} title={t('Delete recipient')}>
      <ConfirmDelete
        action={`/recipients/${props.recipient.id}/delete`}
        csrfToken={props.ctx.csrfToken}
        what={t('the recipient {{email}}', { email: props.recipient.email })}
        cancel={`/recipients/${props.recipient.id}`}
      />
    </Layout>
  );
}

export function RecipientImportPage(props: { ctx: PageContext; report?: ImportReport; error?: string }) {
  const { report } = props;
  const { t } = props.ctx;
  return (
    <Layout ctx={props.ctx} title={t('Import recipients')}>
      <p>
        <a href="/recipients">← {t('Recipients')}</a>
      </p>
      <article>
        <h1>{t('Import recipients from CSV')}</h1>
        <p>
          <WithCode text={t('The first line is a header naming the columns: {{email}} (required), {{name}} and {{comment}}.')} />{' '}
          {t(
            'UTF-8 text; comma-separated. Rows with an invalid address and addresses you already have are skipped and listed below with their line numbers.',
          )}
        </p>
        {props.error && (
          <p class="flash flash-error" role="alert">
            {t(props.error)}
          </p>
        )}
        <form
          method="post"
          action={`/recipients/import?_csrf=${encodeURIComponent(props.ctx.csrfToken)}`}
          enctype="multipart/form-data"
          data-upload="progress"
        >
          <label for="field-file">
            {t('CSV file')}
            <input id="field-file" type="file" name="file" accept=".csv,text/csv" required />
          </label>
          <progress id="import-progress" hidden aria-label={t('Upload progress')} />
          <button type="submit">{t('Import')}</button>
        </form>
        {report && <ImportReportView report={report} />}
      </article>
      <script src={assetUrl('import.js')} defer />
    </Layout>
  );
}

function ImportReportView({ report }: { report: ImportReport }) {
  const t = useT();
  const lineOf = (line: number, text: string) => t('Line {{line}}: {{text}}', { line, text });
  return (
    <section aria-live="polite" id="import-report">
      <h2>{t('Import finished')}</h2>
      <p>
        {t('{{count}} rows read:', { count: report.rows })} <strong>{t('{{count}} imported', { count: report.imported })}</strong>
        , {t('{{count}} duplicates skipped', { count: report.duplicateCount })},{' '}
        {t('{{count}} invalid rows skipped', { count: report.invalidCount })}.
      </p>
      {report.invalid.length > 0 && (
        <details open>
          <summary>{t('Invalid rows')}</summary>
          <ul>
            {report.invalid.map((row) => (
              <li>{lineOf(row.line, t(row.reason))}</li>
            ))}
          </ul>
        </details>
      )}
      {report.duplicates.length > 0 && (
        <details>
          <summary>{t('Duplicates')}</summary>
          <ul>
            {report.duplicates.map((row) => (
              <li>{lineOf(row.line, row.email)}</li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
