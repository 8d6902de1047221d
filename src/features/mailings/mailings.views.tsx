import type { Page } from '../../lib/scope.ts';
import { Layout, type PageContext } from '../../views/layout.tsx';
import { ConfirmDelete, listUrl, Pagination } from '../../views/list.tsx';
import { useT } from '../../views/translate-context.ts';
import type { RunRow } from '../sending/sending.repository.ts';
import { RunList } from '../sending/sending.views.tsx';
import type { MailingWithStatus } from './mailings.service.ts';
import { describeSchedule } from './schedule.ts';
import { type MailingStatus, statusLabels } from './status.ts';
import { toLocal } from './zoned-time.ts';

const pad = (n: number) => String(n).padStart(2, '0');

/** A moment as wall-clock time in a zone: "2026-12-01 09:00 (Europe/Moscow)". */
export function formatInZone(instant: Date | null, timeZone: string, withZone = true): string {
  if (!instant) return '—';
  const t = toLocal(instant, timeZone);
  return `${t.year}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}:${pad(t.minute)}${withZone ? ` (${timeZone})` : ''}`;
}

export function StatusBadge({
  mailing,
}: {
  mailing: Pick<MailingWithStatus, 'status' | 'pausedAt' | 'disabledAt' | 'ownerBlocked'>;
}) {
  const t = useT();
  return (
    <span>
      <mark class={`badge status-${mailing.status}`}>{t(statusLabels[mailing.status])}</mark>
      {mailing.pausedAt && <mark class="badge flag">{t('Paused')}</mark>}
      {mailing.disabledAt && <mark class="badge flag">{t('Disabled')}</mark>}
      {mailing.ownerBlocked && <mark class="badge flag">{t('Owner blocked')}</mark>}
    </span>
  );
}

const windowOf = (m: MailingWithStatus) => ({ startsAt: m.startsAt, endsAt: m.endsAt, timeZone: m.timeZone });

export function MailingListPage(props: {
  ctx: PageContext;
  page: Page<MailingWithStatus>;
  totals: Record<MailingStatus, number>;
  query: { q?: string | undefined; status?: MailingStatus | undefined };
  showOwner: boolean;
}) {
  const { ctx, page, totals, query } = props;
  const { t, format } = ctx;
  const all = totals.created + totals.running + totals.completed;
  const filters: [MailingStatus | undefined, string, number][] = [
    [undefined, t('All'), all],
    ['created', t(statusLabels.created), totals.created],
    ['running', t(statusLabels.running), totals.running],
    ['completed', t(statusLabels.completed), totals.completed],
  ];
  return (
    <Layout ctx={ctx} title={t('Mailings')}>
      <h1>{t('Mailings')}</h1>
      <p>
        <a href="/mailings/new">{t('New mailing')}</a>
      </p>
      <nav aria-label={t('Filter by status')}>
        <ul>
          {filters.map(([status, label, n]) => (
            <li>
              <a
                href={listUrl('/mailings', { q: query.q }, status ? { status } : {})}
                aria-current={query.status === status ? 'page' : undefined}
              >
                {label} ({format.number(n)})
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <form method="get" action="/mailings">
        <label for="mailing-search">{t('Search by name')}</label>
        <input id="mailing-search" type="search" name="q" value={query.q ?? ''} />
        {query.status && <input type="hidden" name="status" value={query.status} />}
        <button type="submit">{t('Search')}</button>
      </form>
      {page.items.length === 0 ? (
        <p>{t('No mailings here yet.')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('Name')}</th>
              <th scope="col">{t('Status')}</th>
              <th scope="col">{t('Schedule')}</th>
              <th scope="col">{t('Recipients')}</th>
              <th scope="col">{t('Next send')}</th>
              {props.showOwner && <th scope="col">{t('Owner')}</th>}
            </tr>
          </thead>
          <tbody>
            {page.items.map((m) => (
              <tr>
                <td>
                  <a href={`/mailings/${m.id}`}>{m.name}</a>
                </td>
                <td>
                  <StatusBadge mailing={m} />
                </td>
                <td>{describeSchedule(m.schedule, windowOf(m), ctx.language)}</td>
                <td>{format.number(m.recipientCount)}</td>
                <td>{formatInZone(m.nextRunAt, m.timeZone, false)}</td>
                {props.showOwner && <td>{m.ownerEmail}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pagination path="/mailings" query={{ q: query.q, status: query.status }} page={page} />
    </Layout>
  );
}

function ActionButton({
  action,
  csrfToken,
  label,
  secondary,
}: {
  action: string;
  csrfToken: string;
  label: string;
  secondary?: boolean;
}) {
  return (
    <form method="post" action={action} class="inline">
      <input type="hidden" name="_csrf" value={csrfToken} />
      <button type="submit" class={secondary ? 'secondary' : undefined}>
        {label}
      </button>
    </form>
  );
}

export function MailingPage(props: {
  ctx: PageContext;
  mailing: MailingWithStatus;
  runs: RunRow[];
  canWrite: boolean;
  canDisable: boolean;
}) {
  const { ctx, mailing: m } = props;
  const { t, format } = ctx;
  const csrf = ctx.csrfToken;
  return (
    <Layout ctx={ctx} title={m.name}>
      <p>
        <a href="/mailings">← {t('Mailings')}</a>
      </p>
      <article>
        <h1>{m.name}</h1>
        <p>
          <StatusBadge mailing={m} />
        </p>
        {m.disabledAt && (
          <p class="flash flash-error">
            {m.disabledReason
              ? t('Disabled by a manager: {{reason}}', { reason: m.disabledReason })
              : t('Disabled by a manager.')}{' '}
            {t('It does not send until it is enabled again.')}
          </p>
        )}
        <table>
          <tbody>
            <tr>
              <th scope="row">{t('Message')}</th>
              <td>
                <a href={`/messages/${m.messageId}`}>{m.messageSubject}</a>
              </td>
            </tr>
            <tr>
              <th scope="row">{t('Recipients')}</th>
              <td>{format.number(m.recipientCount)}</td>
            </tr>
            <tr>
              <th scope="row">{t('Schedule')}</th>
              <td>{describeSchedule(m.schedule, windowOf(m), ctx.language)}</td>
            </tr>
            <tr>
              <th scope="row">{t('Window')}</th>
              <td>
                {formatInZone(m.startsAt, m.timeZone, false)} – {formatInZone(m.endsAt, m.timeZone)}
              </td>
            </tr>
            <tr>
              <th scope="row">{t('Next send')}</th>
              <td>{m.pausedAt || m.disabledAt ? t('Not while paused or disabled') : formatInZone(m.nextRunAt, m.timeZone)}</td>
            </tr>
            <tr>
              <th scope="row">{t('Runs')}</th>
              <td>{format.number(m.runCount)}</td>
            </tr>
            <tr>
              <th scope="row">{t('Owner')}</th>
              <td>{m.ownerEmail}</td>
            </tr>
          </tbody>
        </table>
        {props.canWrite && m.status !== 'completed' && !m.disabledAt && !m.pausedAt && (
          <form method="post" action={`/mailings/${m.id}/send`}>
            <input type="hidden" name="_csrf" value={csrf} />
            <button type="submit">{t('Send now')}</button>
          </form>
        )}
        {props.canWrite && (
          <p class="actions">
            {m.status !== 'completed' && (
              <>
                <a href={`/mailings/${m.id}/edit`}>{t('Edit')}</a> ·{' '}
              </>
            )}
            <a href={`/mailings/${m.id}/delete`}>{t('Delete')}</a>{' '}
            <ActionButton action={`/mailings/${m.id}/duplicate`} csrfToken={csrf} label={t('Duplicate')} secondary />{' '}
            {m.status !== 'completed' &&
              (m.pausedAt ? (
                <ActionButton action={`/mailings/${m.id}/resume`} csrfToken={csrf} label={t('Resume')} />
              ) : (
                <ActionButton action={`/mailings/${m.id}/pause`} csrfToken={csrf} label={t('Pause')} secondary />
              ))}
          </p>
        )}
        {props.canDisable && (
          <form method="post" action={`/mailings/${m.id}/${m.disabledAt ? 'enable' : 'disable'}`}>
            <input type="hidden" name="_csrf" value={csrf} />
            <label for="field-reason">{t('Reason (kept in the audit log)')}</label>
            <input id="field-reason" name="reason" maxLength={500} />
            <button type="submit" class="contrast">
              {m.disabledAt ? t('Enable mailing') : t('Disable mailing')}
            </button>
          </form>
        )}
      </article>
      <section>
        <h2>{t('Runs')}</h2>
        <RunList ctx={ctx} mailingId={m.id} runs={props.runs} />
        <p>
          <a href={`/attempts?mailingId=${m.id}`}>{t('Every attempt of this mailing')}</a>
        </p>
      </section>
    </Layout>
  );
}

export function MailingDeletePage(props: { ctx: PageContext; mailing: MailingWithStatus }) {
  const { t } = props.ctx;
  return (
    <Layout ctx={props.ctx} title={t('Delete mailing')}>
      <ConfirmDelete
        action={`/mailings/${props.mailing.id}/delete`}
        csrfToken={props.ctx.csrfToken}
        what={t('the mailing {{name}}', { name: props.mailing.name })}
        cancel={`/mailings/${props.mailing.id}`}
      >
        <p>{t('Its runs and their attempts are deleted with it.')}</p>
      </ConfirmDelete>
    </Layout>
  );
}
