import { assetUrl } from '../../http/assets.ts';
import type { Page } from '../../lib/scope.ts';
import { Layout, type PageContext } from '../../views/layout.tsx';
import { listUrl, Pagination } from '../../views/list.tsx';
import type { Figures, MailingFigures, UserFigures } from './stats.repository.ts';
import type { UserFigureSort } from './stats.schemas.ts';
import type { StatsOverview } from './stats.service.ts';

/** The three figures side by side; `prefix` keeps ids unique when a page shows two sets. */
export function FigureGrid({ figures, prefix }: { figures: Figures; prefix: string }) {
  const items: [keyof Figures, string][] = [
    ['successful', 'successful attempts'],
    ['failed', 'failed attempts'],
    ['sent', 'messages sent'],
  ];
  return (
    <div class="grid figures">
      {items.map(([key, label]) => (
        <article>
          <p class="figure" id={`${prefix}-${key}`}>
            {figures[key]}
          </p>
          <p>{label}</p>
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

function DailySection({ overview, prefix }: { overview: StatsOverview; prefix: string }) {
  const { daily } = overview;
  const spec = {
    kind: 'daily',
    labels: daily.map((d) => d.day.slice(5)),
    successful: daily.map((d) => d.successful),
    failed: daily.map((d) => d.failed),
  };
  return (
    <section>
      <h3>Attempts per day</h3>
      <Chart
        id={`${prefix}-daily-chart`}
        label="Successful and failed attempts per day; the table below has the figures"
        spec={spec}
      />
      <details class="chart-table" open>
        <summary>The figures per day</summary>
        <table id={`${prefix}-daily`}>
          <caption>
            The last {overview.days} days, in {overview.timeZone}.
          </caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Successful attempts</th>
              <th scope="col">Failed attempts</th>
            </tr>
          </thead>
          <tbody>
            {daily.map((d) => (
              <tr>
                <th scope="row">{d.day}</th>
                <td>{d.successful}</td>
                <td>{d.failed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}

function MailingSection(props: { mailings: MailingFigures[]; count: number; prefix: string; showOwner: boolean }) {
  const { mailings } = props;
  if (mailings.length === 0) return <p>No mailings yet.</p>;
  const spec = {
    kind: 'mailings',
    labels: mailings.map((m) => m.name),
    successful: mailings.map((m) => m.successful),
    failed: mailings.map((m) => m.failed),
  };
  return (
    <section>
      <h3>Per mailing</h3>
      <Chart
        id={`${props.prefix}-mailings-chart`}
        label="Successful and failed attempts per mailing; the table below has the figures"
        spec={spec}
      />
      <table id={`${props.prefix}-mailings`}>
        <caption>
          {props.count > mailings.length
            ? `The ${mailings.length} mailings with the most attempts, of ${props.count}.`
            : `All ${props.count} mailings.`}
        </caption>
        <thead>
          <tr>
            <th scope="col">Mailing</th>
            {props.showOwner && <th scope="col">Owner</th>}
            <th scope="col">Successful attempts</th>
            <th scope="col">Failed attempts</th>
            <th scope="col">Messages sent</th>
          </tr>
        </thead>
        <tbody>
          {mailings.map((m) => (
            <tr>
              <th scope="row">
                <a href={`/mailings/${m.mailingId}`}>{m.name}</a>
              </th>
              {props.showOwner && <td>{m.ownerEmail}</td>}
              <td>{m.successful}</td>
              <td>{m.failed}</td>
              <td>{m.sent}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** One scope's figures: totals, the daily chart and table, the per-mailing chart and table. */
function OverviewSection(props: { overview: StatsOverview; prefix: string; title: string }) {
  const { overview, prefix } = props;
  return (
    <section id={prefix} aria-labelledby={`${prefix}-title`}>
      <h2 id={`${prefix}-title`}>{props.title}</h2>
      <FigureGrid figures={overview.totals} prefix={prefix} />
      <DailySection overview={overview} prefix={prefix} />
      <MailingSection mailings={overview.mailings} count={overview.mailingCount} prefix={prefix} showOwner={prefix === 'all'} />
    </section>
  );
}

export interface UserTableProps {
  page: Page<UserFigures>;
  sort: UserFigureSort;
  dir: 'asc' | 'desc';
}

const userColumns: [UserFigureSort, string][] = [
  ['email', 'E-mail'],
  ['name', 'Name'],
  ['role', 'Role'],
  ['successful', 'Successful attempts'],
  ['failed', 'Failed attempts'],
  ['sent', 'Messages sent'],
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

function UserTable(table: UserTableProps) {
  return (
    <section id="users" aria-labelledby="users-title">
      <h2 id="users-title">Every user</h2>
      <table id="user-figures">
        <thead>
          <tr>
            {userColumns.map(([column, label]) => (
              <SortHeader column={column} label={label} table={table} />
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
              <td>
                {u.role}
                {u.blocked ? ' (blocked)' : ''}
              </td>
              <td>{u.successful}</td>
              <td>{u.failed}</td>
              <td>{u.sent}</td>
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
  return (
    <Layout ctx={props.ctx} title="Statistics">
      <h1>Statistics</h1>
      <p>
        A <em>successful attempt</em> is one the SMTP server accepted; a <em>failed attempt</em> one it refused or that could not
        reach it (a retry is another attempt). <em>Messages sent</em> counts recipients e-mailed: once per run, however many
        attempts it took. Days are counted in {props.own.timeZone}. <a href="/attempts">Every attempt</a>
      </p>
      <OverviewSection overview={props.own} prefix="own" title="Your mailings" />
      {props.all && <OverviewSection overview={props.all} prefix="all" title="Everyone’s mailings" />}
      {props.users && <UserTable {...props.users} />}
      <script src={assetUrl('chart.umd.min.js')} defer />
      <script type="module" src={assetUrl('stats-charts.js')} />
    </Layout>
  );
}
