import { assetUrl } from '../../http/assets.ts';
import type { Page } from '../../lib/scope.ts';
import { formatUtc } from '../../views/format.ts';
import { Layout, type PageContext } from '../../views/layout.tsx';
import { listUrl, Pagination } from '../../views/list.tsx';
import type { RunProgress } from './progress.ts';
import type { AttemptView, DeliveryRow, RunRow } from './sending.repository.ts';

const when = (date: Date | null) => (date ? formatUtc(date, { seconds: true }) : '—');
const triggerLabels: Record<string, string> = { scheduled: 'Schedule', manual: 'Send now', api: 'API', cli: 'CLI' };
const stateLabels: Record<string, string> = {
  sending: 'Sending',
  finished: 'Finished',
  skipped: 'Skipped (too old to catch up)',
  cancelled: 'Cancelled',
};

/** The runs of a mailing, for its page. */
export function RunList({ mailingId, runs }: { mailingId: number; runs: RunRow[] }) {
  if (runs.length === 0) return <p>No runs yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Run</th>
          <th scope="col">Started</th>
          <th scope="col">By</th>
          <th scope="col">State</th>
          <th scope="col">Sent</th>
          <th scope="col">Failed</th>
          <th scope="col">Unknown</th>
          <th scope="col">Total</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr>
            <td>
              <a href={`/mailings/${mailingId}/runs/${run.id}`}>#{run.id}</a>
            </td>
            <td>{when(run.createdAt)}</td>
            <td>{triggerLabels[run.trigger] ?? run.trigger}</td>
            <td>{stateLabels[run.state] ?? run.state}</td>
            <td>{run.state === 'sending' ? '…' : run.sent}</td>
            <td>{run.state === 'sending' ? '…' : run.failed}</td>
            <td>{run.state === 'sending' ? '…' : run.unknown}</td>
            <td>{run.total}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** "42 s", "3 min 20 s", "2 h 5 min": how long until a run is done, as run-progress.js writes it too. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

const etaText = (etaSeconds: number | null) => (etaSeconds === null ? '' : `; about ${formatDuration(etaSeconds)} to go`);

function Figure({ id, value, label }: { id: string; value: number; label: string }) {
  return (
    <article>
      <p class="figure" id={id}>
        {value}
      </p>
      <p>{label}</p>
    </article>
  );
}

/**
 * A run's figures and progress bar as of now. While the run is sending, /assets/run-progress.js
 * follows `data-events` (server-sent events) and updates them in place; without JavaScript the
 * page reloads itself instead.
 */
function RunFigures({ run, progress: p, path }: { run: RunRow; progress: RunProgress; path: string }) {
  const sending = run.state === 'sending';
  const eventsUrl = `${path}/events`;
  const done = run.total - p.remaining;
  return (
    <section
      id="run-progress"
      data-events={sending ? eventsUrl : undefined}
      data-state-labels={sending ? JSON.stringify(stateLabels) : undefined}
    >
      {run.total > 0 && (
        <>
          <label for="run-bar">
            <span id="run-done">{done}</span> of {run.total} deliveries done
          </label>
          <progress id="run-bar" max={run.total} value={done} />
        </>
      )}
      <div class="grid figures">
        <Figure id="run-sent" value={p.sent} label="sent" />
        <Figure id="run-failed" value={p.failed} label="failed" />
        <Figure id="run-remaining" value={p.remaining} label="remaining" />
        <Figure id="run-suppressed" value={p.suppressed} label="suppressed" />
        <Figure id="run-unknown" value={p.unknown} label="unknown" />
      </div>
      <p id="run-pace" hidden={!sending}>
        <span id="run-rate">{p.rate.toFixed(1)}</span> e-mails a second<span id="run-eta">{etaText(p.etaSeconds)}</span>.
      </p>
      {sending && (
        <>
          <p id="run-live" role="status">
            The figures follow the run as it sends. <a href={path}>Refresh</a> to see the deliveries' latest replies.
          </p>
          <script type="module" src={assetUrl('run-progress.js')} />
        </>
      )}
    </section>
  );
}

export function RunPage(props: {
  ctx: PageContext;
  mailing: { id: number; name: string };
  run: RunRow;
  progress: RunProgress;
  deliveries: Page<DeliveryRow>;
  state: string | undefined;
}) {
  const { run, progress: p, mailing } = props;
  const path = `/mailings/${mailing.id}/runs/${run.id}`;
  return (
    <Layout ctx={props.ctx} title={`Run #${run.id}`} refreshSeconds={run.state === 'sending' ? 2 : undefined}>
      <p>
        <a href={`/mailings/${mailing.id}`}>← {mailing.name}</a>
      </p>
      <h1>
        Run #{run.id} · <span id="run-state">{stateLabels[run.state] ?? run.state}</span>
      </h1>
      <p>
        Started {when(run.createdAt)} by {triggerLabels[run.trigger] ?? run.trigger}
        {run.occurrenceAt ? ` for the occurrence of ${when(run.occurrenceAt)}` : ''}
        {run.finishedAt ? `; finished ${when(run.finishedAt)}` : ''}.
      </p>
      <RunFigures run={run} progress={p} path={path} />
      {p.unknown > 0 && (
        <p class="flash flash-info">
          {p.unknown} deliveries were being sent when a worker stopped: the server may or may not have taken them, so they are not
          sent again.
        </p>
      )}
      <h2>Deliveries</h2>
      <nav aria-label="Filter deliveries">
        <ul>
          {['', 'queued', 'sent', 'failed', 'suppressed', 'unknown'].map((state) => (
            <li>
              <a
                href={listUrl(path, {}, state ? { state } : {})}
                aria-current={(props.state ?? '') === state ? 'page' : undefined}
              >
                {state || 'all'}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <table>
        <thead>
          <tr>
            <th scope="col">Recipient</th>
            <th scope="col">State</th>
            <th scope="col">Attempts</th>
            <th scope="col">Last reply</th>
          </tr>
        </thead>
        <tbody>
          {props.deliveries.items.map((d) => (
            <tr>
              <td>{d.email}</td>
              <td>{d.state}</td>
              <td>{d.attemptCount}</td>
              <td>{d.lastResponse ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pagination path={path} query={{ state: props.state }} page={props.deliveries} />
    </Layout>
  );
}

export function AttemptsPage(props: {
  ctx: PageContext;
  page: Page<AttemptView>;
  /** The filters as typed, for the form and the page links. */
  query: Record<string, string | undefined>;
  showOwner: boolean;
}) {
  const { page, query } = props;
  return (
    <Layout ctx={props.ctx} title="Attempts">
      <h1>Attempts</h1>
      <form method="get" action="/attempts" class="grid">
        <label>
          Mailing id
          <input name="mailingId" inputMode="numeric" value={query.mailingId ?? ''} />
        </label>
        <label>
          Run id
          <input name="runId" inputMode="numeric" value={query.runId ?? ''} />
        </label>
        <label>
          Result
          <select name="status">
            <option value="">any</option>
            <option value="success" selected={query.status === 'success'}>
              success
            </option>
            <option value="failure" selected={query.status === 'failure'}>
              failure
            </option>
          </select>
        </label>
        <label>
          From
          <input type="date" name="from" value={query.from ?? ''} />
        </label>
        <label>
          To
          <input type="date" name="to" value={query.to ?? ''} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <p>
        {page.total} attempts · <a href={listUrl('/attempts/export.csv', query, {})}>Export CSV</a>
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Mailing</th>
            <th scope="col">Recipient</th>
            <th scope="col">Result</th>
            <th scope="col">Reply</th>
            <th scope="col">Time</th>
            {props.showOwner && <th scope="col">Owner</th>}
          </tr>
        </thead>
        <tbody>
          {page.items.map((a) => (
            <tr>
              <td>{when(a.attemptedAt)}</td>
              <td>
                <a href={`/mailings/${a.mailingId}/runs/${a.runId}`}>{a.mailingName}</a>
              </td>
              <td>{a.email}</td>
              <td>{a.success ? 'success' : 'failure'}</td>
              <td>{a.response}</td>
              <td>{a.durationMs} ms</td>
              {props.showOwner && <td>{a.ownerEmail}</td>}
            </tr>
          ))}
        </tbody>
      </table>
      <Pagination path="/attempts" query={query} page={page} />
    </Layout>
  );
}

export function UnsubscribePage(props: { ctx: PageContext; email: string; done: boolean; action: string }) {
  return (
    <Layout ctx={props.ctx} title="Unsubscribe">
      <article>
        <h1>Unsubscribe</h1>
        {props.done ? (
          <p>
            <strong>{props.email}</strong> is unsubscribed: it gets no more mailings from this sender.
          </p>
        ) : (
          <>
            <p>
              Stop mailings from this sender to <strong>{props.email}</strong>?
            </p>
            <form method="post" action={props.action}>
              <button type="submit">Unsubscribe</button>
            </form>
          </>
        )}
      </article>
    </Layout>
  );
}
