import type { Page } from '../../lib/scope.ts';
import { formatUtc } from '../../views/format.ts';
import { Select } from '../../views/forms.tsx';
import { Layout, type PageContext } from '../../views/layout.tsx';
import { Pagination } from '../../views/list.tsx';
import type { AuditEntryView } from './audit.repository.ts';
import type { AuditListQuery } from './audit.schemas.ts';

const utc = (date: Date) => formatUtc(date, { seconds: true, suffix: false });

function Target({ entry }: { entry: AuditEntryView }) {
  if (entry.targetType !== 'user') return <>{`${entry.targetType} #${entry.targetId}`}</>;
  if (entry.targetEmail) return <a href={`/users/${entry.targetId}`}>{entry.targetEmail}</a>;
  const email = typeof entry.details?.email === 'string' ? entry.details.email : null;
  return <>{email ? `${email} (user #${entry.targetId}, deleted)` : `user #${entry.targetId}`}</>;
}

export function AuditLogPage(props: {
  ctx: PageContext;
  page: Page<AuditEntryView>;
  query: AuditListQuery;
  actions: string[];
  ownOnly: boolean;
}) {
  const { ctx, page, query } = props;
  const linkQuery = { action: query.action, targetType: query.targetType, targetId: query.targetId };
  return (
    <Layout ctx={ctx} title="Audit log">
      <h1>Audit log</h1>
      {props.ownOnly && <p>Your own oversight actions.</p>}
      <form method="get" action="/audit">
        <Select
          name="action"
          label="Action"
          options={[{ value: '', label: 'Any action' }, ...props.actions.map((action) => ({ value: action, label: action }))]}
          values={{ action: query.action ?? '' }}
        />
        {query.targetType && <input type="hidden" name="targetType" value={query.targetType} />}
        {query.targetId && <input type="hidden" name="targetId" value={query.targetId} />}
        <button type="submit">Filter</button>
      </form>
      {query.targetId && (
        <p>
          About {query.targetType ?? 'target'} #{query.targetId} · <a href="/audit">Show all</a>
        </p>
      )}
      <p>
        {page.total} {page.total === 1 ? 'entry' : 'entries'}
      </p>
      {page.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">When (UTC)</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((entry) => (
              <tr>
                <td>
                  <time datetime={entry.createdAt.toISOString()}>{utc(entry.createdAt)}</time>
                </td>
                <td>{entry.actorLabel}</td>
                <td>
                  <code>{entry.action}</code>
                </td>
                <td>
                  <Target entry={entry} />
                </td>
                <td>{entry.reason ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pagination path="/audit" query={linkQuery} page={page} />
    </Layout>
  );
}
