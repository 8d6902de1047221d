import type { FieldErrors } from '../../errors.ts';
import type { Page } from '../../lib/scope.ts';
import { formatDay, formatUtc } from '../../views/format.ts';
import { Field, Form, type FormValues, Select, TextArea } from '../../views/forms.tsx';
import { Layout, type PageContext } from '../../views/layout.tsx';
import { ConfirmDelete, Pagination, SortHeader } from '../../views/list.tsx';
import type { RenderedMessage } from './messages.render.ts';
import type { MessageFormat, MessageListQuery, MessageView } from './messages.repository.ts';

const formatLabels: Record<MessageFormat, string> = { markdown: 'Markdown', text: 'Plain text' };
const formatOptions = (Object.keys(formatLabels) as MessageFormat[]).map((value) => ({ value, label: formatLabels[value] }));
const dateTime = (date: Date) => formatUtc(date);

const BackToList = () => (
  <p>
    <a href="/messages">← Messages</a>
  </p>
);

export function MessageListPage(props: {
  ctx: PageContext;
  page: Page<MessageView>;
  query: MessageListQuery;
  showOwner: boolean;
}) {
  const { ctx, page, query } = props;
  const linkQuery = { q: query.q, sort: query.sort, direction: query.direction };
  return (
    <Layout ctx={ctx} title="Messages">
      <h1>Messages</h1>
      <p>
        <a href="/messages/new">New message</a>
      </p>
      <form method="get" action="/messages">
        <label for="message-search">Search by subject</label>
        <input id="message-search" type="search" name="q" value={query.q ?? ''} />
        <input type="hidden" name="sort" value={query.sort} />
        <input type="hidden" name="direction" value={query.direction} />
        <button type="submit">Search</button>
      </form>
      <p>
        {page.total} {page.total === 1 ? 'message' : 'messages'}
      </p>
      {page.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <SortHeader path="/messages" query={query} column="subject">
                Subject
              </SortHeader>
              <th scope="col">Format</th>
              {props.showOwner && <th scope="col">Owner</th>}
              <SortHeader path="/messages" query={query} column="updatedAt">
                Changed
              </SortHeader>
              <SortHeader path="/messages" query={query} column="createdAt">
                Created
              </SortHeader>
            </tr>
          </thead>
          <tbody>
            {page.items.map((m) => (
              <tr>
                <td>
                  <a href={`/messages/${m.id}`}>{m.subject}</a>
                </td>
                <td>{formatLabels[m.format]}</td>
                {props.showOwner && <td>{m.ownerEmail}</td>}
                <td>{formatDay(m.updatedAt)}</td>
                <td>{formatDay(m.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pagination path="/messages" query={linkQuery} page={page} />
    </Layout>
  );
}

export function MessagePage(props: { ctx: PageContext; message: MessageView; canWrite: boolean; showOwner: boolean }) {
  const { message: m } = props;
  return (
    <Layout ctx={props.ctx} title={m.subject}>
      <BackToList />
      <article>
        <h1>{m.subject}</h1>
        <table>
          <tbody>
            <tr>
              <th scope="row">Format</th>
              <td>{formatLabels[m.format]}</td>
            </tr>
            {props.showOwner && (
              <tr>
                <th scope="row">Owner</th>
                <td>{m.ownerEmail}</td>
              </tr>
            )}
            <tr>
              <th scope="row">Created</th>
              <td>{dateTime(m.createdAt)}</td>
            </tr>
            <tr>
              <th scope="row">Changed</th>
              <td>{dateTime(m.updatedAt)}</td>
            </tr>
          </tbody>
        </table>
        <h2>Body</h2>
        <pre class="mail">{m.body}</pre>
        <p>
          <a href={`/messages/${m.id}/preview`}>Preview</a>
          {props.canWrite && (
            <>
              {' '}
              · <a href={`/messages/${m.id}/edit`}>Edit</a> · <a href={`/messages/${m.id}/delete`}>Delete</a>
            </>
          )}
        </p>
      </article>
    </Layout>
  );
}

export function MessageFormPage(props: {
  ctx: PageContext;
  action: string;
  title: string;
  values?: FormValues;
  errors?: FieldErrors;
}) {
  const { values, errors } = props;
  return (
    <Layout ctx={props.ctx} title={props.title}>
      <BackToList />
      <article>
        <h1>{props.title}</h1>
        <Form action={props.action} csrfToken={props.ctx.csrfToken} submit="Save" errors={errors}>
          <Field name="subject" label="Subject" values={values} errors={errors} />
          <Select name="format" label="Format" options={formatOptions} values={values} errors={errors} />
          <TextArea
            name="body"
            label="Body"
            rows={16}
            required
            values={values}
            errors={errors}
            hint={
              <>
                Placeholders, in the subject and the body: <code>{'{{name}}'}</code> (the recipient's full name),{' '}
                <code>{'{{email}}'}</code> (their address) and <code>{'{{unsubscribe_url}}'}</code> (their unsubscribe link, e.g.{' '}
                <code>{'[Unsubscribe]({{unsubscribe_url}})'}</code> in Markdown). Nothing else is allowed.
              </>
            }
          />
        </Form>
      </article>
    </Layout>
  );
}

export function MessageDeletePage(props: { ctx: PageContext; message: MessageView; mailingCount: number }) {
  const { message: m, mailingCount } = props;
  return (
    <Layout ctx={props.ctx} title="Delete message">
      <ConfirmDelete
        action={`/messages/${m.id}/delete`}
        csrfToken={props.ctx.csrfToken}
        what={`the message “${m.subject}”`}
        cancel={`/messages/${m.id}`}
      >
        {mailingCount > 0 && (
          <p class="flash flash-error" role="alert">
            {mailingCount === 1 ? 'A mailing uses' : `${mailingCount} mailings use`} this message, so it cannot be deleted until{' '}
            {mailingCount === 1 ? 'that mailing is' : 'they are'} deleted or given another message.
          </p>
        )}
      </ConfirmDelete>
    </Layout>
  );
}

export function MessagePreviewPage(props: {
  ctx: PageContext;
  message: MessageView;
  rendered: RenderedMessage;
  recipientEmail: string;
  canSendTest: boolean;
}) {
  const { message: m, rendered } = props;
  return (
    <Layout ctx={props.ctx} title={`Preview: ${m.subject}`}>
      <p>
        <a href={`/messages/${m.id}`}>← {m.subject}</a>
      </p>
      <article>
        <h1>Preview</h1>
        <p>
          As <strong>{props.recipientEmail}</strong> would receive it; the unsubscribe link is an example. Remote images are not
          loaded in the preview.
        </p>
        <p>
          <strong>Subject:</strong> {rendered.subject}
        </p>
        <h2>HTML part</h2>
        <iframe sandbox="" srcdoc={rendered.html} title="HTML preview" width="100%" height="480" />
        <h2>Text part</h2>
        <pre class="mail">{rendered.text}</pre>
        {props.canSendTest && (
          <Form action={`/messages/${m.id}/test`} csrfToken={props.ctx.csrfToken} submit="Send a test to me" secondary />
        )}
      </article>
    </Layout>
  );
}
