import type { FieldErrors } from '../../errors.ts';
import { timeZoneList } from '../../lib/validation.ts';
import { Field, Form, type FormValues, Select } from '../../views/forms.tsx';
import { Layout, type PageContext } from '../../views/layout.tsx';
import type { ApiTokenRow } from '../auth/auth.repository.ts';
import type { Figures } from '../stats/stats.repository.ts';
import { FigureGrid } from '../stats/stats.views.tsx';
import type { UserRow } from './users.repository.ts';

const languageNames: Record<string, string> = { en: 'English', ru: 'Русский' };
const formatDate = (date: Date | null, timeZone: string) =>
  date ? new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date) : '—';

function ProfileNav({ current }: { current: string }) {
  const links = [
    ['/profile', 'Profile'],
    ['/profile/edit', 'Edit profile'],
    ['/profile/password', 'Change password'],
    ['/profile/tokens', 'API tokens'],
  ];
  return (
    <nav aria-label="Profile">
      <ul>
        {links.map(([href, label]) => (
          <li>
            <a href={href} aria-current={href === current ? 'page' : undefined}>
              {label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function ProfilePage({ ctx, user, figures }: { ctx: PageContext; user: UserRow; figures: Figures }) {
  return (
    <Layout ctx={ctx} title="Profile">
      <ProfileNav current="/profile" />
      <article>
        <h1>{user.fullName}</h1>
        <table>
          <tbody>
            <tr>
              <th scope="row">E-mail</th>
              <td>{user.email}</td>
            </tr>
            <tr>
              <th scope="row">Role</th>
              <td>{user.role}</td>
            </tr>
            <tr>
              <th scope="row">Time zone</th>
              <td>{user.timeZone}</td>
            </tr>
            <tr>
              <th scope="row">Language</th>
              <td>{languageNames[user.language] ?? user.language}</td>
            </tr>
            <tr>
              <th scope="row">Member since</th>
              <td>{formatDate(user.createdAt, user.timeZone)}</td>
            </tr>
          </tbody>
        </table>
      </article>
      <section aria-labelledby="profile-stats">
        <h2 id="profile-stats">Your statistics</h2>
        <FigureGrid figures={figures} prefix="profile" />
        <p>
          <a href="/stats">Charts and figures per mailing</a>
        </p>
      </section>
    </Layout>
  );
}

export function ProfileEditPage({ ctx, values, errors }: { ctx: PageContext; values: FormValues; errors?: FieldErrors }) {
  return (
    <Layout ctx={ctx} title="Edit profile">
      <ProfileNav current="/profile/edit" />
      <article>
        <h1>Edit profile</h1>
        <Form action="/profile/edit" csrfToken={ctx.csrfToken} submit="Save" errors={errors}>
          <Field name="fullName" label="Full name" values={values} errors={errors} autocomplete="name" />
          <Select
            name="timeZone"
            label="Time zone"
            options={timeZoneList.map((zone) => ({ value: zone, label: zone }))}
            values={values}
            errors={errors}
          />
          <Select
            name="language"
            label="Language"
            options={Object.entries(languageNames).map(([value, label]) => ({ value, label }))}
            values={values}
            errors={errors}
          />
        </Form>
      </article>
    </Layout>
  );
}

export function ChangePasswordPage({ ctx, errors }: { ctx: PageContext; errors?: FieldErrors }) {
  return (
    <Layout ctx={ctx} title="Change password">
      <ProfileNav current="/profile/password" />
      <article>
        <h1>Change password</h1>
        <p>Your other sessions end when the password changes; this one stays.</p>
        <Form action="/profile/password" csrfToken={ctx.csrfToken} submit="Change password" errors={errors}>
          <Field
            name="currentPassword"
            label="Current password"
            type="password"
            errors={errors}
            autocomplete="current-password"
          />
          <Field name="password" label="New password" type="password" errors={errors} autocomplete="new-password" />
          <Field name="passwordConfirm" label="New password again" type="password" errors={errors} autocomplete="new-password" />
        </Form>
      </article>
    </Layout>
  );
}

export function TokensPage(props: {
  ctx: PageContext;
  tokens: ApiTokenRow[];
  timeZone: string;
  created?: { name: string; token: string } | undefined;
  values?: FormValues;
  errors?: FieldErrors;
}) {
  const { ctx, tokens } = props;
  return (
    <Layout ctx={ctx} title="API tokens">
      <ProfileNav current="/profile/tokens" />
      <article>
        <h1>API tokens</h1>
        {props.created && (
          <section aria-live="polite">
            <p>
              Token <strong>{props.created.name}</strong> is created. Copy it now: it is shown only once.
            </p>
            <p class="token" id="new-token">
              {props.created.token}
            </p>
          </section>
        )}
        <p>
          Use a token as <code>Authorization: Bearer &lt;token&gt;</code> with the API under <code>/api/v1</code>.
        </p>
        {tokens.length === 0 ? (
          <p>You have no API tokens.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Starts with</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((token) => (
                <tr>
                  <td>{token.name}</td>
                  <td>
                    <code>{token.prefix}…</code>
                  </td>
                  <td>{formatDate(token.createdAt, props.timeZone)}</td>
                  <td>{formatDate(token.lastUsedAt, props.timeZone)}</td>
                  <td>
                    <form method="post" action={`/profile/tokens/${token.id}/revoke`} class="inline">
                      <input type="hidden" name="_csrf" value={ctx.csrfToken} />
                      <button type="submit" class="secondary outline">
                        Revoke
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <h2>New token</h2>
        <Form action="/profile/tokens" csrfToken={ctx.csrfToken} submit="Create token" errors={props.errors}>
          <Field name="name" label="Name" values={props.values} errors={props.errors} hint="What the token is for." />
        </Form>
      </article>
    </Layout>
  );
}
