import type { FieldErrors } from '../../errors.ts';
import type { Page } from '../../lib/scope.ts';
import { roles } from '../../permissions.ts';
import { formatDay, formatUtc } from '../../views/format.ts';
import { Form, type FormValues, Select } from '../../views/forms.tsx';
import { Layout, type PageContext } from '../../views/layout.tsx';
import { Pagination, SortHeader } from '../../views/list.tsx';
import type { OversightRights } from './oversight.service.ts';
import { stateOf, type UserListQuery, type UserRow, type UserState, type UserSummary, userStates } from './users.repository.ts';

const stateLabels: Record<UserState, string> = { active: 'Active', blocked: 'Blocked', unconfirmed: 'Unconfirmed' };
const roleLabels: Record<string, string> = { user: 'User', manager: 'Manager', admin: 'Admin' };
const utc = (date: Date) => formatUtc(date);

function StateBadge({ user }: { user: UserSummary }) {
  const state = stateOf(user);
  return state === 'active' ? <span>{stateLabels[state]}</span> : <mark class="badge">{stateLabels[state]}</mark>;
}

export function UserListPage(props: { ctx: PageContext; page: Page<UserSummary>; query: UserListQuery }) {
  const { ctx, page, query } = props;
  const linkQuery = { q: query.q, state: query.state, role: query.role, sort: query.sort, direction: query.direction };
  const filters = { state: query.state ?? '', role: query.role ?? '' };
  return (
    <Layout ctx={ctx} title="Users">
      <h1>Users</h1>
      <form method="get" action="/users">
        <label for="user-search">Search by e-mail or name</label>
        <input id="user-search" type="search" name="q" value={query.q ?? ''} />
        <Select
          name="state"
          label="State"
          options={[{ value: '', label: 'Any state' }, ...userStates.map((s) => ({ value: s, label: stateLabels[s] }))]}
          values={filters}
        />
        <Select
          name="role"
          label="Role"
          options={[{ value: '', label: 'Any role' }, ...roles.map((r) => ({ value: r, label: roleLabels[r] ?? r }))]}
          values={filters}
        />
        <input type="hidden" name="sort" value={query.sort} />
        <input type="hidden" name="direction" value={query.direction} />
        <button type="submit">Search</button>
      </form>
      <p>
        {page.total} {page.total === 1 ? 'user' : 'users'}
      </p>
      {page.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <SortHeader path="/users" query={linkQuery} column="email">
                E-mail
              </SortHeader>
              <SortHeader path="/users" query={linkQuery} column="fullName">
                Name
              </SortHeader>
              <SortHeader path="/users" query={linkQuery} column="role">
                Role
              </SortHeader>
              <th scope="col">State</th>
              <SortHeader path="/users" query={linkQuery} column="createdAt">
                Joined
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
                <td>{roleLabels[user.role] ?? user.role}</td>
                <td>
                  <StateBadge user={user} />
                </td>
                <td>{formatDay(user.createdAt)}</td>
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
  const error = props.errors?.reason;
  return (
    <>
      <label for={props.id}>Reason (optional)</label>
      <input
        id={props.id}
        name="reason"
        type="text"
        maxlength={500}
        value={props.values?.reason ?? ''}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${props.id}-error` : `${props.id}-hint`}
      />
      <small id={`${props.id}-hint`}>One line, at most 500 characters; it goes into the audit log.</small>
      {error && (
        <small id={`${props.id}-error`} class="field-error">
          {error}
        </small>
      )}
    </>
  );
}

export function UserPage(props: { ctx: PageContext; user: UserRow; rights: OversightRights; form?: PostedForm }) {
  const { ctx, user, rights, form } = props;
  const errorsOf = (name: PostedForm['name']) => (form?.name === name ? form.errors : undefined);
  const valuesOf = (name: PostedForm['name']) => (form?.name === name ? form.values : undefined);
  const blockForm = user.blockedAt ? 'unblock' : 'block';
  return (
    <Layout ctx={ctx} title={user.email}>
      <p>
        <a href="/users">← Users</a>
      </p>
      <article>
        <h1>{user.fullName || user.email}</h1>
        <table>
          <tbody>
            <tr>
              <th scope="row">E-mail</th>
              <td>{user.email}</td>
            </tr>
            <tr>
              <th scope="row">Role</th>
              <td>{roleLabels[user.role] ?? user.role}</td>
            </tr>
            <tr>
              <th scope="row">State</th>
              <td>
                <StateBadge user={user} />
                {user.blockedAt && ` since ${utc(user.blockedAt)}`}
                {user.blockedReason && ` — ${user.blockedReason}`}
              </td>
            </tr>
            <tr>
              <th scope="row">E-mail confirmed</th>
              <td>{user.emailConfirmedAt ? utc(user.emailConfirmedAt) : 'No'}</td>
            </tr>
            <tr>
              <th scope="row">Time zone</th>
              <td>{user.timeZone}</td>
            </tr>
            <tr>
              <th scope="row">Joined</th>
              <td>{utc(user.createdAt)}</td>
            </tr>
          </tbody>
        </table>
        <p>
          <a href={`/audit?targetType=user&targetId=${user.id}`}>Audit entries about this user</a>
        </p>
      </article>
      {rights.block && (
        <article>
          <h2>{user.blockedAt ? 'Unblock' : 'Block'}</h2>
          <p>
            {user.blockedAt
              ? 'The user may log in again; their API tokens work again.'
              : 'Ends their sessions at once, stops their API tokens and their mailings, and refuses new logins.'}
          </p>
          <Form
            action={`/users/${user.id}/${blockForm}`}
            csrfToken={ctx.csrfToken}
            submit={user.blockedAt ? 'Unblock' : 'Block'}
            errors={errorsOf(blockForm)}
          >
            <ReasonField id="field-reason" values={valuesOf(blockForm)} errors={errorsOf(blockForm)} />
          </Form>
        </article>
      )}
      {rights.changeRole && (
        <article>
          <h2>Role</h2>
          <Form action={`/users/${user.id}/role`} csrfToken={ctx.csrfToken} submit="Change role" errors={errorsOf('role')}>
            <Select
              name="role"
              label="New role"
              options={roles.map((r) => ({ value: r, label: roleLabels[r] ?? r }))}
              values={form?.name === 'role' ? form.values : { role: user.role }}
              errors={errorsOf('role')}
            />
            <ReasonField id="field-role-reason" values={valuesOf('role')} errors={errorsOf('role')} />
          </Form>
        </article>
      )}
      {rights.delete && (
        <p>
          <a href={`/users/${user.id}/delete`}>Delete this user…</a>
        </p>
      )}
    </Layout>
  );
}

export function UserDeletePage(props: { ctx: PageContext; user: UserRow; values?: FormValues; errors?: FieldErrors }) {
  const { ctx, user } = props;
  return (
    <Layout ctx={ctx} title="Delete user">
      <article>
        <h1>Delete the user {user.email}?</h1>
        <p>
          Their recipients, messages, mailings and everything else they own are deleted with them. The audit log keeps who they
          were. This cannot be undone.
        </p>
        <Form action={`/users/${user.id}/delete`} csrfToken={ctx.csrfToken} submit="Delete" errors={props.errors}>
          <ReasonField id="field-reason" values={props.values} errors={props.errors} />
        </Form>
        <p>
          <a href={`/users/${user.id}`}>Cancel</a>
        </p>
      </article>
    </Layout>
  );
}
