import { assetUrl } from '../../http/assets.ts';
import { english, type Language, msg, type Translate } from '../../i18n/i18n.ts';
import type { Page } from '../../lib/scope.ts';
import { Layout, type PageContext } from '../../views/layout.tsx';
import { listUrl, Pagination } from '../../views/list.tsx';
import type { RunProgress } from './progress.ts';
import type { AttemptView, DeliveryRow, RunRow } from './sending.repository.ts';

/** A moment in the reader's language and time zone, or a dash. */
const when = (ctx: PageContext, date: Date | null) => (date ? ctx.format.dateTime(date) : '—');

// Catalogue keys, shown with t().
const triggerLabels: Record<string, string> = { scheduled: msg('Schedule'), manual: msg('Send now'), api: 'API', cli: 'CLI' };
const stateLabels: Record<string, string> = {
  sending: msg('Sending'),
  finished: msg('Finished'),
  skipped: msg('Skipped (too old to catch up)'),
  cancelled: msg('Cancelled'),
};
const deliveryStateLabels: Record<string, string> = {
  queued: msg('queued'),
  sending: msg('sending'),
  sent: msg('sent'),
  failed: msg('failed'),
  suppressed: msg('suppressed'),
  unknown: msg('unknown'),
};

const labelOf = (t: Translate, labels: Record<string, string>, value: string) => {
  const key = labels[value];
  return key ? t(key) : value;
};

/** The runs of a mailing, for its page. */
export function RunList({ ctx, mailingId, runs }: { ctx: PageContext; mailingId: number; runs: RunRow[] }) {
  const { t, format } = ctx;
  if (runs.length === 0) return <p>{t('No runs yet.')}</p>;
  const figure = (run: RunRow, value: number) => (run.state === 'sending' ? '…' : format.number(value));
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{t('Run')}</th>
          <th scope="col">{t('Started')}</th>
          <th scope="col">{t('By')}</th>
          <th scope="col">{t('State')}</th>
          <th scope="col">{t('Sent')}</th>
          <th scope="col">{t('Failed')}</th>
          <th scope="col">{t('Unknown')}</th>
          <th scope="col">{t('Total')}</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr>
            <td>
              <a href={`/mailings/${mailingId}/runs/${run.id}`}>#{run.id}</a>
            </td>
            <td>{when(ctx, run.createdAt)}</td>
            <td>{labelOf(t, triggerLabels, run.trigger)}</td>
            <td>{labelOf(t, stateLabels, run.state)}</td>
            <td>{figure(run, run.sent)}</td>
            <td>{figure(run, run.failed)}</td>
            <td>{figure(run, run.unknown)}</td>
            <td>{format.number(run.total)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Duration patterns and the other texts run-progress.js writes, in the reader's language: the
 * script gets them from the page (data-texts) and fills in the {{values}} itself.
 */
const durationKeys = {
  seconds: msg('{{s}} s'),
  minutes: msg('{{m}} min {{s}} s'),
  hours: msg('{{h}} h {{m}} min'),
};

function scriptTexts(t: Translate): Record<string, string> {
  const keep = (name: string) => `{{${name}}}`;
  return {
    seconds: t(durationKeys.seconds, { s: keep('s') }),
    minutes: t(durationKeys.minutes, { m: keep('m'), s: keep('s') }),
    hours: t(durationKeys.hours, { h: keep('h'), m: keep('m') }),
    eta: t('; about {{duration}} to go', { duration: keep('duration') }),
    stopped: t('Live figures stopped. Reload the page to see the latest.'),
    finished: t("{{state}}. Reload the page to see each delivery's last reply.", { state: keep('state') }),
  };
}

/** "42 s", "3 min 20 s", "2 h 5 min": how long until a run is done, as run-progress.js writes it too. */
export function formatDuration(totalSeconds: number, t: Translate = english): string {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s < 60) return t(durationKeys.seconds, { s });
  if (s < 3600) return t(durationKeys.minutes, { m: Math.floor(s / 60), s: s % 60 });
  return t(durationKeys.hours, { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
}

const etaText = (t: Translate, etaSeconds: number | null) =>
  etaSeconds === null ? '' : t('; about {{duration}} to go', { duration: formatDuration(etaSeconds, t) });

/** A rate with one decimal, as the reader writes numbers: "2.5", "2,5". */
const formatRate = (language: Language, rate: number) =>
  new Intl.NumberFormat(language, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(rate);

function Figure({ id, value, label }: { id: string; value: string; label: string }) {
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
 * follows `data-events` (server-sent events) and updates them in place, with the texts of
 * `data-state-labels` and `data-texts`; without JavaScript the page reloads itself instead.
 */
function RunFigures({ ctx, run, progress: p, path }: { ctx: PageContext; run: RunRow; progress: RunProgress; path: string }) {
  const { t, format } = ctx;
  const sending = run.state === 'sending';
  const eventsUrl = `${path}/events`;
  const done = run.total - p.remaining;
  const translatedStates = Object.fromEntries(Object.entries(stateLabels).map(([state, key]) => [state, t(key)]));
  return (
    <section
      id="run-progress"
      data-events={sending ? eventsUrl : undefined}
      data-state-labels={sending ? JSON.stringify(translatedStates) : undefined}
      data-texts={sending ? JSON.stringify(scriptTexts(t)) : undefined}
    >
      {run.total > 0 && (
        <>
          <label for="run-bar">
            <span id="run-done">{format.number(done)}</span> {t('of {{count}} deliveries done', { count: run.total })}
          </label>
          <progress id="run-bar" max={run.total} value={done} />
        </>
      )}
      <div class="grid figures">
        <Figure id="run-sent" value={format.number(p.sent)} label={t('sent')} />
        <Figure id="run-failed" value={format.number(p.failed)} label={t('failed')} />
        <Figure id="run-remaining" value={format.number(p.remaining)} label={t('remaining')} />
        <Figure id="run-suppressed" value={format.number(p.suppressed)} label={t('suppressed')} />
        <Figure id="run-unknown" value={format.number(p.unknown)} label={t('unknown')} />
      </div>
      <p id="run-pace" hidden={!sending}>
        <span id="run-rate">{formatRate(ctx.language, p.rate)}</span> {t('e-mails a second')}
        <span id="run-eta">{etaText(t, p.etaSeconds)}</span>.
      </p>
      {sending && (
        <>
          <p id="run-live" role="status">
            {t('The figures follow the run as it sends.')} <a href={path}>{t('Refresh')}</a>{' '}
            {t("to see the deliveries' latest replies.")}
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
  const { ctx, run, progress: p, mailing } = props;
  const { t } = ctx;
  const path = `/mailings/${mailing.id}/runs/${run.id}`;
  return (
    <Layout ctx={ctx} title={t('Run #{{id}}', { id: run.id })} refreshSeconds={run.state === 'sending' ? 2 : undefined}>
      <p>
        <a href={`/mailings/${mailing.id}`}>← {mailing.name}</a>
      </p>
      <h1>
        {t('Run #{{id}}', { id: run.id })} · <span id="run-state">{labelOf(t, stateLabels, run.state)}</span>
      </h1>
      <p>
        {t('Started {{when}} by {{trigger}}', {
          when: when(ctx, run.createdAt),
          trigger: labelOf(t, triggerLabels, run.trigger),
        })}
        {run.occurrenceAt && ` ${t('for the occurrence of {{when}}', { when: when(ctx, run.occurrenceAt) })}`}
        {run.finishedAt && `; ${t('finished {{when}}', { when: when(ctx, run.finishedAt) })}`}.
      </p>
      <RunFigures ctx={ctx} run={run} progress={p} path={path} />
      {p.unknown > 0 && (
        <p class="flash flash-info">
          {t(
            '{{count}} deliveries were being sent when a worker stopped: the server may or may not have taken them, so they are not sent again.',
            { count: p.unknown },
          )}
        </p>
      )}
      <h2>{t('Deliveries')}</h2>
      <nav aria-label={t('Filter deliveries')}>
        <ul>
          {['', 'queued', 'sent', 'failed', 'suppressed', 'unknown'].map((state) => (
            <li>
              <a
                href={listUrl(path, {}, state ? { state } : {})}
                aria-current={(props.state ?? '') === state ? 'page' : undefined}
              >
                {state ? labelOf(t, deliveryStateLabels, state) : t('all')}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <table>
        <thead>
          <tr>
            <th scope="col">{t('Recipient')}</th>
            <th scope="col">{t('State')}</th>
            <th scope="col">{t('Attempts')}</th>
            <th scope="col">{t('Last reply')}</th>
          </tr>
        </thead>
        <tbody>
          {props.deliveries.items.map((d) => (
            <tr>
              <td>{d.email}</td>
              <td>{labelOf(t, deliveryStateLabels, d.state)}</td>
              <td>{ctx.format.number(d.attemptCount)}</td>
              {/* The SMTP server's own words, in its language. */}
              <td>{d.lastResponse ? <samp>{d.lastResponse}</samp> : '—'}</td>
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
  const { ctx, page, query } = props;
  const { t, format } = ctx;
  return (
    <Layout ctx={ctx} title={t('Attempts')}>
      <h1>{t('Attempts')}</h1>
      <form method="get" action="/attempts" class="grid">
        <label>
          {t('Mailing id')}
          <input name="mailingId" inputMode="numeric" value={query.mailingId ?? ''} />
        </label>
        <label>
          {t('Run id')}
          <input name="runId" inputMode="numeric" value={query.runId ?? ''} />
        </label>
        <label>
          {t('Result')}
          <select name="status">
            <option value="">{t('any')}</option>
            <option value="success" selected={query.status === 'success'}>
              {t('success')}
            </option>
            <option value="failure" selected={query.status === 'failure'}>
              {t('failure')}
            </option>
          </select>
        </label>
        <label>
          {t('Since')}
          <input type="date" name="from" value={query.from ?? ''} />
        </label>
        <label>
          {t('Until')}
          <input type="date" name="to" value={query.to ?? ''} />
        </label>
        <button type="submit">{t('Filter')}</button>
      </form>
      <p>
        {t('{{count}} attempts', { count: page.total })} ·{' '}
        <a href={listUrl('/attempts/export.csv', query, {})}>{t('Export CSV')}</a>
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">{t('When')}</th>
            <th scope="col">{t('Mailing')}</th>
            <th scope="col">{t('Recipient')}</th>
            <th scope="col">{t('Result')}</th>
            <th scope="col">{t('Reply')}</th>
            <th scope="col">{t('Time')}</th>
            {props.showOwner && <th scope="col">{t('Owner')}</th>}
          </tr>
        </thead>
        <tbody>
          {page.items.map((a) => (
            <tr>
              <td>{when(ctx, a.attemptedAt)}</td>
              <td>
                <a href={`/mailings/${a.mailingId}/runs/${a.runId}`}>{a.mailingName}</a>
              </td>
              <td>{a.email}</td>
              <td>{a.success ? t('success') : t('failure')}</td>
              <td>
                <samp>{a.response}</samp>
              </td>
              <td>{t('{{ms}} ms', { ms: format.number(a.durationMs) })}</td>
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
  const { t } = props.ctx;
  return (
    <Layout ctx={props.ctx} title={t('Unsubscribe')}>
      <article>
        <h1>{t('Unsubscribe')}</h1>
        {props.done ? (
          <p>
            <strong>{props.email}</strong> {t('is unsubscribed: it gets no more mailings from this sender.')}
          </p>
        ) : (
          <>
            <p>
              {t('Stop mailings from this sender to')} <strong>{props.email}</strong>?
            </p>
            <form method="post" action={props.action}>
              <button type="submit">{t('Unsubscribe')}</button>
            </form>
          </>
        )}
      </article>
    </Layout>
  );
}
