import type { ComponentChildren } from 'preact';
import type { FieldErrors } from '../../errors.ts';
import { msg } from '../../i18n/i18n.ts';
import type { Page } from '../../lib/scope.ts';
import { Field, Form, type FormValues, Select, TextArea } from '../../views/forms.tsx';
import { Layout, type PageContext } from '../../views/layout.tsx';
import { ConfirmDelete, Pagination, SortHeader } from '../../views/list.tsx';
import { useT } from '../../views/translate-context.ts';
import type { RenderedMessage } from './messages.render.ts';
import type { MessageFormat, MessageListQuery, MessageView } from './messages.repository.ts';

const formatLabels: Record<MessageFormat, string> = { markdown: 'Markdown', text: msg('Plain text') };
const formatKeys = Object.keys(formatLabels) as MessageFormat[];

/**
 * A translated sentence with markup in place of its {{placeholders}}: translated without values,
 * the placeholders stay in the text, wherever the language puts them.
 */
function Sentence({ text, parts }: { text: string; parts: Record<string, ComponentChildren> }) {
  return <>{text.split(/\{\{(\w+)\}\}/).map((piece, i) => (i % 2 === 1 ? (parts[piece] ?? piece) : piece))}</>;
}

function BackToList() {
  const t = useT();
  return (
    <p>
      <a href="/messages">← {t('Messages')}</a>
    </p>
  );
}

export function MessageListPage(props: {
  ctx: PageContext;
  page: Page<MessageView>;
  query: MessageListQuery;
  showOwner: boolean;
}) {
  const { ctx, page, query } = props;
  const { t, format } = ctx;
  const linkQuery = { q: query.q, sort: query.sort, direction: query.direction };
  return (
    <Layout ctx={ctx} title={t('Messages')}>
      <h1>{t('Messages')}</h1>
      <p>
        <a href="/messages/new">{t('New message')}</a>
      </p>
      <form method="get" action="/messages">
        <label for="message-search">{t('Search by subject')}</label>
        <input id="message-search" type="search" name="q" value={query.q ?? ''} />
        <input type="hidden" name="sort" value={query.sort} />
        <input type="hidden" name="direction" value={query.direction} />
        <button type="submit">{t('Search')}</button>
      </form>
      <p>{t('{{count}} messages', { count: page.total })}</p>
      {page.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <SortHeader path="/messages" query={query} column="subject">
                {t('Subject')}
              </SortHeader>
              <th scope="col">{t('Format')}</th>
              {props.showOwner && <th scope="col">{t('Owner')}</th>}
              <SortHeader path="/messages" query={query} column="updatedAt">
                {t('Changed')}
              </SortHeader>
              <SortHeader path="/messages" query={query} column="createdAt">
                {t('Created')}
              </SortHeader>
            </tr>
          </thead>
          <tbody>
            {page.items.map((m) => (
              <tr>
                <td>
                  <a href={`/messages/${m.id}`}>{m.subject}</a>
                </td>
                <td>{t(formatLabels[m.format])}</td>
                {props.showOwner && <td>{m.ownerEmail}</td>}
                <td>{format.date(m.updatedAt)}</td>
                <td>{format.date(m.createdAt)}</td>
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
  const { t, format } = props.ctx;
  return (
    <Layout ctx={props.ctx} title={m.subject}>
      <BackToList />
      <article>
        <h1>{m.subject}</h1>
        <table>
          <tbody>
            <tr>
              <th scope="row">{t('Format')}</th>
              <td>{t(formatLabels[m.format])}</td>
            </tr>
            {props.showOwner && (
              <tr>
                <th scope="row">{t('Owner')}</th>
                <td>{m.ownerEmail}</td>
              </tr>
            )}
            <tr>
              <th scope="row">{t('Created')}</th>
              <td>{format.dateTime(m.createdAt)}</td>
            </tr>
            <tr>
              <th scope="row">{t('Changed')}</th>
              <td>{format.dateTime(m.updatedAt)}</td>
            </tr>
          </tbody>
        </table>
        <h2>{t('Body')}</h2>
        <pre class="mail">{m.body}</pre>
        <p>
          <a href={`/messages/${m.id}/preview`}>{t('Preview')}</a>
          {props.canWrite && (
            <>
              {' '}
              · <a href={`/messages/${m.id}/edit`}>{t('Edit')}</a> · <a href={`/messages/${m.id}/delete`}>{t('Delete')}</a>
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
  const { t } = props.ctx;
  const title = t(props.title);
  const formatOptions = formatKeys.map((value) => ({ value, label: t(formatLabels[value]) }));
  const code = (text: string) => <code>{text}</code>;
  return (
    <Layout ctx={props.ctx} title={title}>
      <BackToList />
      <article>
        <h1>{title}</h1>
        <Form action={props.action} csrfToken={props.ctx.csrfToken} submit={t('Save')} errors={errors}>
          <Field name="subject" label={t('Subject')} values={values} errors={errors} />
          <Select name="format" label={t('Format')} options={formatOptions} values={values} errors={errors} />
          <TextArea
            name="body"
            label={t('Body')}
            rows={16}
            required
            values={values}
            errors={errors}
            hint={
              <Sentence
                text={t(
                  "Placeholders, in the subject and the body: {{name}} (the recipient's full name), {{email}} (their address) and {{unsubscribe_url}} (their unsubscribe link, e.g. {{example}} in Markdown). Nothing else is allowed.",
                )}
                parts={{
                  name: code('{{name}}'),
                  email: code('{{email}}'),
                  unsubscribe_url: code('{{unsubscribe_url}}'),
                  example: code(`[${t('Unsubscribe')}]({{unsubscribe_url}})`),
                }}
              />
            }
          />
        </Form>
      </article>
    </Layout>
  );
}

export function MessageDeletePage(props: { ctx: PageContext; message: MessageView; mailingCount: number }) {
  const { message: m, mailingCount } = props;
  const { t } = props.ctx;
  return (
    <Layout ctx={props.ctx} title={t('Delete message')}>
      <ConfirmDelete
        action={`/messages/${m.id}/delete`}
        csrfToken={props.ctx.csrfToken}
        what={t('the message “{{subject}}”', { subject: m.subject })}
        cancel={`/messages/${m.id}`}
      >
        {mailingCount > 0 && (
          <p class="flash flash-error" role="alert">
            {t('{{count}} mailings use this message, so it cannot be deleted until they are deleted or given another message.', {
              count: mailingCount,
            })}
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
  const { t } = props.ctx;
  return (
    <Layout ctx={props.ctx} title={t('Preview: {{subject}}', { subject: m.subject })}>
      <p>
        <a href={`/messages/${m.id}`}>← {m.subject}</a>
      </p>
      <article>
        <h1>{t('Preview')}</h1>
        <p>
          <Sentence
            text={t(
              'As {{email}} would receive it; the unsubscribe link is an example. Remote images are not loaded in the preview.',
            )}
            parts={{ email: <strong>{props.recipientEmail}</strong> }}
          />
        </p>
        <p>
          <strong>{t('Subject:')}</strong> {rendered.subject}
        </p>
        <h2>{t('HTML part')}</h2>
        <iframe sandbox="" srcdoc={rendered.html} title={t('HTML preview')} width="100%" height="480" />
        <h2>{t('Text part')}</h2>
        <pre class="mail">{rendered.text}</pre>
        {props.canSendTest && (
          <Form action={`/messages/${m.id}/test`} csrfToken={props.ctx.csrfToken} submit={t('Send a test to me')} secondary />
        )}
      </article>
    </Layout>
  );
}
