import { assetUrl } from '../../http/assets.ts';
import { msg } from '../../i18n/i18n.ts';
import type { Page } from '../../lib/scope.ts';
import { Layout, type PageContext } from '../../views/layout.tsx';
import { listUrl, Pagination } from '../../views/list.tsx';
import { roleLabel } from '../users/users.views.tsx';
import type { Figures, MailingFigures, UserFigures } from './stats.repository.ts';
import type { UserFigureSort } from './stats.schemas.ts';
import type { StatsOverview } from './stats.service.ts';

/** Labels under the figures; each agrees with its number (1 successful attempt, 2 successful attempts). */
const figureLabels: [keyof Figures, string][] = [
  ['successful', msg('successful attempts')],
  ['failed', msg('failed attempts')],
  ['sent', msg('messages sent')],
];

/** The three figures side by side; `prefix` keeps ids unique when a page shows two sets. */
export function FigureGrid({ ctx, figures, prefix }: { ctx: PageContext; figures: Figures; prefix: string }) {
  return (
    <div class="grid figures">
      {figureLabels.map(([key, label]) => (
        <article>
          <p class="figure" id={`${prefix}-${key}`}>
            {ctx.format.number(figures[key])}
          </p>
          <p>{ctx.t(label, { count: figures[key] })}</p>
        </article>
      ))}
    </div>
  );
}

/**
 * A canvas that /assets/stats-charts.js draws with Chart.js from its `data-chart` attribute. The
 * table after it holds the same figures, for readers without JavaScript, colour or sight.
 */
function Chart(props: { id: string; label: string; spec: unknown }) {
  return (
    <figure class="chart">
      <canvas id={props.id} role="img" aria-label={props.label} data-chart={JSON.stringify(props.spec)} />
    </figure>
  );
}

/** The chart script draws the legend from these names, in the reader's language. */
const seriesNames = (ctx: PageContext) => ({ successful: ctx.t('Successful attempts'), failed: ctx.t('Failed attempts') });

function DailySection({ ctx, overview, prefix }: { ctx: PageContext; overview: StatsOverview; prefix: string }) {
  const { t, format } = ctx;
  const { daily } = overview;
  const spec = {
    kind: 'daily',
    labels: daily.map((d) => d.day.slice(5)),
    series: seriesNames(ctx),
    successful: daily.map((d) => d.successful),
    failed: daily.map((d) => d.failed),
  };
  return (
    <section>
      <h3>{t('Attempts per day')}</h3>
      <Chart
        id={`${prefix}-daily-chart`}
        label={t('Successful and failed attempts per day; the table below has the figures')}
        spec={spec}
      />
      <details class="chart-table" open>
        <summary>{t('The figures per day')}</summary>
        <table id={`${prefix}-daily`}>
          <caption>
            {t('The last {{count}} days, in {{timeZone}}.', { count: overview.days, timeZone: overview.timeZone })}
          </caption>
          <thead>
            <tr>
              <th scope="col">{t('Day')}</th>
              <th scope="col">{t('Successful attempts')}</th>
              <th scope="col">{t('Failed attempts')}</th>
            </tr>
          </thead>
          <tbody>
            {daily.map((d) => (
              <tr>
                <th scope="row">{d.day}</th>
                <td>{format.number(d.successful)}</td>
                <td>{format.number(d.failed)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}

function MailingSection(props: {
  ctx: PageContext;
  mailings: MailingFigures[];
  count: number;
  prefix: string;
  showOwner: boolean;
}) {
  const { mailings, ctx } = props;
  const { t, format } = ctx;
  if (mailings.length === 0) return <p>{t('No mailings yet.')}</p>;
  const spec = {
    kind: 'mailings',
    labels: mailings.map((m) => m.name),
    series: seriesNames(ctx),
    successful: mailings.map((m) => m.successful),
    failed: mailings.map((m) => m.failed),
  };
  return (
    <section>
      <h3>{t('Per mailing')}</h3>
      <Chart
        id={`${props.prefix}-mailings-chart`}
        label={t('Successful and failed attempts per mailing; the table below has the figures')}
        spec={spec}
      />
      <table id={`${props.prefix}-mailings`}>
        <caption>
          {props.count > mailings.length
            ? t('The {{count}} mailings with the most attempts, of {{total}}.', {
                count: mailings.length,
                total: format.number(props.count),
              })
            : t('All {{count}} mailings.', { count: props.count })}
        </caption>
        <thead>
          <tr>
            <th scope="col">{t('Mailing')}</th>
            {props.showOwner && <th scope="col">{t('Owner')}</th>}
            <th scope="col">{t('Successful attempts')}</th>
            <th scope="col">{t('Failed attempts')}</th>
            <th scope="col">{t('Messages sent')}</th>
          </tr>
        </thead>
        <tbody>
          {mailings.map((m) => (
            <tr>
              <th scope="row">
                <a href={`/mailings/${m.mailingId}`}>{m.name}</a>
              </th>
              {props.showOwner && <td>{m.ownerEmail}</td>}
              <td>{format.number(m.successful)}</td>
              <td>{format.number(m.failed)}</td>
              <td>{format.number(m.sent)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** One scope's figures: totals, the daily chart and table, the per-mailing chart and table. */
function OverviewSection(props: { ctx: PageContext; overview: StatsOverview; prefix: string; title: string }) {
  const { ctx, overview, prefix } = props;
  return (
    <section id={prefix} aria-labelledby={`${prefix}-title`}>
      <h2 id={`${prefix}-title`}>{props.title}</h2>
      <FigureGrid ctx={ctx} figures={overview.totals} prefix={prefix} />
      <DailySection ctx={ctx} overview={overview} prefix={prefix} />
      <MailingSection
        ctx={ctx}
        mailings={overview.mailings}
        count={overview.mailingCount}
        prefix={prefix}
        showOwner={prefix === 'all'}
      />
    </section>
  );
}

export interface UserTableProps {
  page: Page<UserFigures>;
  sort: UserFigureSort;
  dir: 'asc' | 'desc';
}

const userColumns: [UserFigureSort, string][] = [
  ['email', msg('E-mail')],
  ['name', msg('Name')],
  ['role', msg('Role')],
  ['successful', msg('Successful attempts')],
  ['failed', msg('Failed attempts')],
  ['sent', msg('Messages sent')],
];

/** A column header linking to the table sorted by it (`?sort=…&dir=…`), the other way round when it already is. */
function SortHeader({ column, label, table }: { column: UserFigureSort; label: string; table: UserTableProps }) {
  const active = table.sort === column;
  const dir = active && table.dir === 'asc' ? 'desc' : 'asc';
  return (
    <th scope="col" aria-sort={active ? (table.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
      <a href={listUrl('/stats', {}, { sort: column, dir })}>
        {label}
        {active ? (table.dir === 'asc' ? ' ▲' : ' ▼') : ''}
      </a>
    </th>
  );
}

function UserTable({ ctx, table }: { ctx: PageContext; table: UserTableProps }) {
  const { t, format } = ctx;
  return (
    <section id="users" aria-labelledby="users-title">
      <h2 id="users-title">{t('Every user')}</h2>
      <table id="user-figures">
        <thead>
          <tr>
            {userColumns.map(([column, label]) => (
              <SortHeader column={column} label={t(label)} table={table} />
            ))}
          </tr>
        </thead>
        <tbody>
          {table.page.items.map((u) => (
            <tr>
              <th scope="row">
                <a href={`/users/${u.userId}`}>{u.email}</a>
              </th>
              <td>{u.fullName}</td>
              <td>{u.blocked ? t('{{role}} (blocked)', { role: t(roleLabel(u.role)) }) : t(roleLabel(u.role))}</td>
              <td>{format.number(u.successful)}</td>
              <td>{format.number(u.failed)}</td>
              <td>{format.number(u.sent)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pagination path="/stats" query={{ sort: table.sort, dir: table.dir }} page={table.page} />
    </section>
  );
}

export function StatsPage(props: {
  ctx: PageContext;
  own: StatsOverview;
  all: StatsOverview | null;
  users: UserTableProps | null;
}) {
  const { ctx } = props;
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('Statistics')}>
      <h1>{t('Statistics')}</h1>
      <p>
        {t(
          'A successful attempt is one the SMTP server accepted; a failed attempt one it refused or that could not reach it (a retry is another attempt). Messages sent counts recipients e-mailed: once per run, however many attempts it took. Days are counted in {{timeZone}}.',
          { timeZone: props.own.timeZone },
        )}{' '}
        <a href="/attempts">{t('Every attempt')}</a>
      </p>
      <OverviewSection ctx={ctx} overview={props.own} prefix="own" title={t('Your mailings')} />
      {props.all && <OverviewSection ctx={ctx} overview={props.all} prefix="all" title={t('Everyone’s mailings')} />}
      {props.users && <UserTable ctx={ctx} table={props.users} />}
      <script src={assetUrl('chart.umd.min.js')} defer />
      <script type="module" src={assetUrl('stats-charts.js')} />
    </Layout>
  );
}
