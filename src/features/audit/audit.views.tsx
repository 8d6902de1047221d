import { msg, type Translate } from '../../i18n/i18n.ts';
import type { Page } from '../../lib/scope.ts';
import { Select } from '../../views/forms.tsx';
import { Layout, type PageContext } from '../../views/layout.tsx';
import { Pagination } from '../../views/list.tsx';
import type { AuditEntryView } from './audit.repository.ts';
import type { AuditListQuery } from './audit.schemas.ts';
import type { AuditAction } from './audit.service.ts';

/** What people read for each stored action code (the code itself stays in the log, the API and the filter's value). */
const actionLabels: Record<AuditAction, string> = {
  'user.role_changed': msg('Role changed'),
  'user.blocked': msg('User blocked'),
  'user.unblocked': msg('User unblocked'),
  'user.deleted': msg('User deleted'),
  'admin.created': msg('Admin created'),
  'mailing.disabled': msg('Mailing disabled'),
  'mailing.enabled': msg('Mailing enabled'),
  'post.published': msg('Post published'),
  'post.unpublished': msg('Post unpublished'),
};

/** An action's label in the reader's language; a code with no label shows as stored. */
const actionLabel = (t: Translate, action: string) => (action in actionLabels ? t(actionLabels[action as AuditAction]) : action);

/** What a target type is called before its number: "mailing #12". */
const targetLabels: Record<string, string> = {
  user: msg('user #{{id}}'),
  mailing: msg('mailing #{{id}}'),
  post: msg('post #{{id}}'),
};

function Target({ t, entry }: { t: Translate; entry: AuditEntryView }) {
  const id = entry.targetId;
  const label = targetLabels[entry.targetType];
  if (entry.targetType !== 'user') return <>{label ? t(label, { id }) : `${entry.targetType} #${id}`}</>;
  if (entry.targetEmail) return <a href={`/users/${id}`}>{entry.targetEmail}</a>;
  const email = typeof entry.details?.email === 'string' ? entry.details.email : null;
  return <>{email ? t('{{email}} (user #{{id}}, deleted)', { email, id }) : t('user #{{id}}', { id })}</>;
}

/** The filtered target, as "user #12" (or the bare number when the type is not given). */
function aboutTarget(t: Translate, targetType: string | undefined, targetId: string) {
  const label = targetType ? targetLabels[targetType] : undefined;
  if (label) return t(label, { id: targetId });
  return targetType ? `${targetType} #${targetId}` : `#${targetId}`;
}

export function AuditLogPage(props: {
  ctx: PageContext;
  page: Page<AuditEntryView>;
  query: AuditListQuery;
  actions: string[];
  ownOnly: boolean;
}) {
  const { ctx, page, query } = props;
  const { t } = ctx;
  const linkQuery = { action: query.action, targetType: query.targetType, targetId: query.targetId };
  const actionOptions = props.actions.map((action) => ({ value: action, label: actionLabel(t, action) }));
  return (
    <Layout ctx={ctx} title={t('Audit log')}>
      <h1>{t('Audit log')}</h1>
      {props.ownOnly && <p>{t('Your own oversight actions.')}</p>}
      <form method="get" action="/audit">
        <Select
          name="action"
          label={t('Action')}
          options={[{ value: '', label: t('Any action') }, ...actionOptions]}
          values={{ action: query.action ?? '' }}
        />
        {query.targetType && <input type="hidden" name="targetType" value={query.targetType} />}
        {query.targetId && <input type="hidden" name="targetId" value={query.targetId} />}
        <button type="submit">{t('Filter')}</button>
      </form>
      {query.targetId && (
        <p>
          {t('About {{target}}', { target: aboutTarget(t, query.targetType, query.targetId) })} ·{' '}
          <a href="/audit">{t('Show all')}</a>
        </p>
      )}
      <p>{t('{{count}} entries', { count: page.total })}</p>
      {page.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('When ({{timeZone}})', { timeZone: ctx.timeZone })}</th>
              <th scope="col">{t('Actor')}</th>
              <th scope="col">{t('Action')}</th>
              <th scope="col">{t('Target')}</th>
              <th scope="col">{t('Reason')}</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((entry) => (
              <tr>
                <td>
                  <time datetime={entry.createdAt.toISOString()}>{ctx.format.dateTime(entry.createdAt)}</time>
                </td>
                <td>{entry.actorLabel}</td>
                <td>
                  <span title={entry.action}>{actionLabel(t, entry.action)}</span>
                </td>
                <td>
                  <Target t={t} entry={entry} />
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
