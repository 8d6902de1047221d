import type { Page } from '../../lib/scope.ts';
import { Layout, type PageContext } from '../../views/layout.tsx';
import { ConfirmDelete, listUrl, Pagination } from '../../views/list.tsx';
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
  return (
    <span>
      <mark class={`badge status-${mailing.status}`}>{statusLabels[mailing.status]}</mark>
      {mailing.pausedAt && <mark class="badge flag">Paused</mark>}
      {mailing.disabledAt && <mark class="badge flag">Disabled</mark>}
      {mailing.ownerBlocked && <mark class="badge flag">Owner blocked</mark>}
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
  const all = totals.created + totals.running + totals.completed;
  const filters: [MailingStatus | undefined, string, number][] = [
    [undefined, 'All', all],
    ['created', statusLabels.created, totals.created],
    ['running', statusLabels.running, totals.running],
    ['completed', statusLabels.completed, totals.completed],
  ];
  return (
    <Layout ctx={ctx} title="Mailings">
      <h1>Mailings</h1>
      <p>
        <a href="/mailings/new">New mailing</a>
      </p>
      <nav aria-label="Filter by status">
        <ul>
          {filters.map(([status, label, n]) => (
            <li>
              <a
                href={listUrl('/mailings', { q: query.q }, status ? { status } : {})}
                aria-current={query.status === status ? 'page' : undefined}
              >
                {label} ({n})
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <form method="get" action="/mailings">
        <label for="mailing-search">Search by name</label>
        <input id="mailing-search" type="search" name="q" value={query.q ?? ''} />
        {query.status && <input type="hidden" name="status" value={query.status} />}
        <button type="submit">Search</button>
      </form>
      {page.items.length === 0 ? (
        <p>No mailings here yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Schedule</th>
              <th scope="col">Recipients</th>
              <th scope="col">Next send</th>
              {props.showOwner && <th scope="col">Owner</th>}
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
                <td>{describeSchedule(m.schedule, windowOf(m))}</td>
                <td>{m.recipientCount}</td>
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
  const csrf = ctx.csrfToken;
  return (
    <Layout ctx={ctx} title={m.name}>
      <p>
        <a href="/mailings">← Mailings</a>
      </p>
      <article>
        <h1>{m.name}</h1>
        <p>
          <StatusBadge mailing={m} />
        </p>
        {m.disabledAt && (
          <p class="flash flash-error">
            Disabled by a manager{m.disabledReason ? `: ${m.disabledReason}` : '.'} It does not send until it is enabled again.
          </p>
        )}
        <table>
          <tbody>
            <tr>
              <th scope="row">Message</th>
              <td>
                <a href={`/messages/${m.messageId}`}>{m.messageSubject}</a>
              </td>
            </tr>
            <tr>
              <th scope="row">Recipients</th>
              <td>{m.recipientCount}</td>
            </tr>
            <tr>
              <th scope="row">Schedule</th>
              <td>{describeSchedule(m.schedule, windowOf(m))}</td>
            </tr>
            <tr>
              <th scope="row">Window</th>
              <td>
                {formatInZone(m.startsAt, m.timeZone, false)} – {formatInZone(m.endsAt, m.timeZone)}
              </td>
            </tr>
            <tr>
              <th scope="row">Next send</th>
              <td>{m.pausedAt || m.disabledAt ? 'Not while paused or disabled' : formatInZone(m.nextRunAt, m.timeZone)}</td>
            </tr>
            <tr>
              <th scope="row">Runs</th>
              <td>{m.runCount}</td>
            </tr>
            <tr>
              <th scope="row">Owner</th>
              <td>{m.ownerEmail}</td>
            </tr>
          </tbody>
        </table>
        {props.canWrite && m.status !== 'completed' && !m.disabledAt && !m.pausedAt && (
          <form method="post" action={`/mailings/${m.id}/send`}>
            <input type="hidden" name="_csrf" value={csrf} />
            <button type="submit">Send now</button>
          </form>
        )}
        {props.canWrite && (
          <p class="actions">
            {m.status !== 'completed' && (
              <>
                <a href={`/mailings/${m.id}/edit`}>Edit</a> ·{' '}
              </>
            )}
            <a href={`/mailings/${m.id}/delete`}>Delete</a>{' '}
            <ActionButton action={`/mailings/${m.id}/duplicate`} csrfToken={csrf} label="Duplicate" secondary />{' '}
            {m.status !== 'completed' &&
              (m.pausedAt ? (
                <ActionButton action={`/mailings/${m.id}/resume`} csrfToken={csrf} label="Resume" />
              ) : (
                <ActionButton action={`/mailings/${m.id}/pause`} csrfToken={csrf} label="Pause" secondary />
              ))}
          </p>
        )}
        {props.canDisable && (
          <form method="post" action={`/mailings/${m.id}/${m.disabledAt ? 'enable' : 'disable'}`}>
            <input type="hidden" name="_csrf" value={csrf} />
            <label for="field-reason">Reason (kept in the audit log)</label>
            <input id="field-reason" name="reason" maxLength={500} />
            <button type="submit" class="contrast">
              {m.disabledAt ? 'Enable mailing' : 'Disable mailing'}
            </button>
          </form>
        )}
      </article>
      <section>
        <h2>Runs</h2>
        <RunList mailingId={m.id} runs={props.runs} />
        <p>
          <a href={`/attempts?mailingId=${m.id}`}>Every attempt of this mailing</a>
        </p>
      </section>
    </Layout>
  );
}

export function MailingDeletePage(props: { ctx: PageContext; mailing: MailingWithStatus }) {
  return (
    <Layout ctx={props.ctx} title="Delete mailing">
      <ConfirmDelete
        action={`/mailings/${props.mailing.id}/delete`}
        csrfToken={props.ctx.csrfToken}
        what={`the mailing ${props.mailing.name}`}
        cancel={`/mailings/${props.mailing.id}`}
      >
        <p>Its runs and their attempts are deleted with it.</p>
      </ConfirmDelete>
    </Layout>
  );
}
