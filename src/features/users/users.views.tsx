import type { FieldErrors } from '../../errors.ts';
import { msg } from '../../i18n/i18n.ts';
import type { Page } from '../../lib/scope.ts';
import { roles } from '../../permissions.ts';
import { Form, type FormValues, Select } from '../../views/forms.tsx';
import { Layout, type PageContext } from '../../views/layout.tsx';
import { Pagination, SortHeader } from '../../views/list.tsx';
import { useT } from '../../views/translate-context.ts';
import type { OversightRights } from './oversight.service.ts';
import { stateOf, type UserListQuery, type UserRow, type UserState, type UserSummary, userStates } from './users.repository.ts';

const stateLabels: Record<UserState, string> = {
  active: msg('Active'),
  blocked: msg('Blocked'),
  unconfirmed: msg('Unconfirmed'),
};
const roleLabels: Record<string, string> = { user: msg('User'), manager: msg('Manager'), admin: msg('Admin') };

/** A role's name to show (a key: translate it); an unknown role shows as stored. */
export const roleLabel = (role: string): string => roleLabels[role] ?? role;

function StateBadge({ user }: { user: UserSummary }) {
  const t = useT();
  const label = t(stateLabels[stateOf(user)]);
  return stateOf(user) === 'active' ? <span>{label}</span> : <mark class="badge">{label}</mark>;
}

export function UserListPage(props: { ctx: PageContext; page: Page<UserSummary>; query: UserListQuery }) {
  const { ctx, page, query } = props;
  const { t } = ctx;
  const linkQuery = { q: query.q, state: query.state, role: query.role, sort: query.sort, direction: query.direction };
  const filters = { state: query.state ?? '', role: query.role ?? '' };
  return (
    <Layout ctx={ctx} title={t('Users')}>
      <h1>{t('Users')}</h1>
      <form method="get" action="/users">
        <label for="user-search">{t('Search by e-mail or name')}</label>
        <input id="user-search" type="search" name="q" value={query.q ?? ''} />
        <Select
          name="state"
          label={t('State')}
          options={[{ value: '', label: t('Any state') }, ...userStates.map((s) => ({ value: s, label: t(stateLabels[s]) }))]}
          values={filters}
        />
        <Select
          name="role"
          label={t('Role')}
          options={[{ value: '', label: t('Any role') }, ...roles.map((r) => ({ value: r, label: t(roleLabel(r)) }))]}
          values={filters}
        />
        <input type="hidden" name="sort" value={query.sort} />
        <input type="hidden" name="direction" value={query.direction} />
        <button type="submit">{t('Search')}</button>
      </form>
      <p>{t('{{count}} users', { count: page.total })}</p>
      {page.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <SortHeader path="/users" query={linkQuery} column="email">
                {t('E-mail')}
              </SortHeader>
              <SortHeader path="/users" query={linkQuery} column="fullName">
                {t('Name')}
              </SortHeader>
              <SortHeader path="/users" query={linkQuery} column="role">
                {t('Role')}
              </SortHeader>
              <th scope="col">{t('State')}</th>
              <SortHeader path="/users" query={linkQuery} column="createdAt">
                {t('Joined')}
              </SortHeader>
            </tr>
          </thead>
          <tbody>
            {page.items.map((user) => (
              <tr>
                <td>
                  <a href={`/users/${user.id}`}>{user.email}</a>
                </td>
                <td>{user.fullName}</td>
                <td>{t(roleLabel(user.role))}</td>
                <td>
                  <StateBadge user={user} />
                </td>
                <td>{ctx.format.date(user.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pagination path="/users" query={linkQuery} page={page} />
    </Layout>
  );
}

/** Which form on the user page was posted, so its values and errors are shown again. */
export interface PostedForm {
  name: 'block' | 'unblock' | 'role';
  values: FormValues;
  errors: FieldErrors;
}

/** The optional reason of an action; each form's field has its own id, as two forms share the page. */
function ReasonField(props: { id: string; values?: FormValues | undefined; errors?: FieldErrors | undefined }) {
  const t = useT();
  const error = props.errors?.reason;
  return (
    <>
      <label for={props.id}>{t('Reason (optional)')}</label>
      <input
        id={props.id}
        name="reason"
        type="text"
        maxlength={500}
        value={props.values?.reason ?? ''}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${props.id}-error` : `${props.id}-hint`}
      />
      <small id={`${props.id}-hint`}>{t('One line, at most 500 characters; it goes into the audit log.')}</small>
      {error && (
        <small id={`${props.id}-error`} class="field-error">
          {t(error)}
        </small>
      )}
    </>
  );
}

export function UserPage(props: { ctx: PageContext; user: UserRow; rights: OversightRights; form?: PostedForm }) {
  const { ctx, user, rights, form } = props;
  const { t, format } = ctx;
  const errorsOf = (name: PostedForm['name']) => (form?.name === name ? form.errors : undefined);
  const valuesOf = (name: PostedForm['name']) => (form?.name === name ? form.values : undefined);
  const blockForm = user.blockedAt ? 'unblock' : 'block';
  return (
    <Layout ctx={ctx} title={user.email}>
      <p>
        <a href="/users">← {t('Users')}</a>
      </p>
      <article>
        <h1>{user.fullName || user.email}</h1>
        <table>
          <tbody>
            <tr>
              <th scope="row">{t('E-mail')}</th>
              <td>{user.email}</td>
            </tr>
            <tr>
              <th scope="row">{t('Role')}</th>
              <td>{t(roleLabel(user.role))}</td>
            </tr>
            <tr>
              <th scope="row">{t('State')}</th>
              <td>
                <StateBadge user={user} />
                {user.blockedAt && ` ${t('since {{date}}', { date: format.dateTime(user.blockedAt) })}`}
                {user.blockedReason && ` — ${user.blockedReason}`}
              </td>
            </tr>
            <tr>
              <th scope="row">{t('E-mail confirmed')}</th>
              <td>{user.emailConfirmedAt ? format.dateTime(user.emailConfirmedAt) : t('No')}</td>
            </tr>
            <tr>
              <th scope="row">{t('Time zone')}</th>
              <td>{user.timeZone}</td>
            </tr>
            <tr>
              <th scope="row">{t('Joined')}</th>
              <td>{format.dateTime(user.createdAt)}</td>
            </tr>
          </tbody>
        </table>
        <p>
          <a href={`/audit?targetType=user&targetId=${user.id}`}>{t('Audit entries about this user')}</a>
        </p>
      </article>
      {rights.block && (
        <article>
          <h2>{user.blockedAt ? t('Unblock') : t('Block')}</h2>
          <p>
            {user.blockedAt
              ? t('The user may log in again; their API tokens work again.')
              : t('Ends their sessions at once, stops their API tokens and their mailings, and refuses new logins.')}
          </p>
          <Form
            action={`/users/${user.id}/${blockForm}`}
            csrfToken={ctx.csrfToken}
            submit={user.blockedAt ? t('Unblock') : t('Block')}
            errors={errorsOf(blockForm)}
          >
            <ReasonField id="field-reason" values={valuesOf(blockForm)} errors={errorsOf(blockForm)} />
          </Form>
        </article>
      )}
      {rights.changeRole && (
        <article>
          <h2>{t('Role')}</h2>
          <Form action={`/users/${user.id}/role`} csrfToken={ctx.csrfToken} submit={t('Change role')} errors={errorsOf('role')}>
            <Select
              name="role"
              label={t('New role')}
              options={roles.map((r) => ({ value: r, label: t(roleLabel(r)) }))}
              values={form?.name === 'role' ? form.values : { role: user.role }}
              errors={errorsOf('role')}
            />
            <ReasonField id="field-role-reason" values={valuesOf('role')} errors={errorsOf('role')} />
          </Form>
        </article>
      )}
      {rights.delete && (
        <p>
          <a href={`/users/${user.id}/delete`}>{t('Delete this user…')}</a>
        </p>
      )}
    </Layout>
  );
}

export function UserDeletePage(props: { ctx: PageContext; user: UserRow; values?: FormValues; errors?: FieldErrors }) {
  const { ctx, user } = props;
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('Delete user')}>
      <article>
        <h1>{t('Delete the user {{email}}?', { email: user.email })}</h1>
        <p>
          {t(
            'Their recipients, messages, mailings and everything else they own are deleted with them. The audit log keeps who they were. This cannot be undone.',
          )}
        </p>
        <Form action={`/users/${user.id}/delete`} csrfToken={ctx.csrfToken} submit={t('Delete')} errors={props.errors}>
          <ReasonField id="field-reason" values={props.values} errors={props.errors} />
        </Form>
        <p>
          <a href={`/users/${user.id}`}>{t('Cancel')}</a>
        </p>
      </article>
    </Layout>
  );
}
