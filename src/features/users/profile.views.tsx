import type { FieldErrors } from '../../errors.ts';
import { msg } from '../../i18n/i18n.ts';
import { timeZoneList } from '../../lib/validation.ts';
import { Field, Form, type FormValues, Select } from '../../views/forms.tsx';
import { Layout, type PageContext } from '../../views/layout.tsx';
import type { ApiTokenRow } from '../auth/auth.repository.ts';
import type { Figures } from '../stats/stats.repository.ts';
import { FigureGrid } from '../stats/stats.views.tsx';
import type { UserRow } from './users.repository.ts';
import { roleLabel } from './users.views.tsx';

/** Each language is named in itself, so a reader finds their own whatever the page's language. */
const languageNames: Record<string, string> = { en: 'English', ru: 'Русский' };

/** The header as typed, the same in every language. */
const authorizationHeader = 'Authorization: Bearer <token>';

const profileLinks = [
  ['/profile', msg('Profile')],
  ['/profile/edit', msg('Edit profile')],
  ['/profile/password', msg('Change password')],
  ['/profile/tokens', msg('API tokens')],
] as const;

function ProfileNav({ ctx, current }: { ctx: PageContext; current: string }) {
  return (
    <nav aria-label={ctx.t('Profile')}>
      <ul>
        {profileLinks.map(([href, label]) => (
          <li>
            <a href={href} aria-current={href === current ? 'page' : undefined}>
              {ctx.t(label)}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function ProfilePage({ ctx, user, figures }: { ctx: PageContext; user: UserRow; figures: Figures }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('Profile')}>
      <ProfileNav ctx={ctx} current="/profile" />
      <article>
        <h1>{user.fullName}</h1>
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
              <th scope="row">{t('Time zone')}</th>
              <td>{user.timeZone}</td>
            </tr>
            <tr>
              <th scope="row">{t('Language')}</th>
              <td>{languageNames[user.language] ?? user.language}</td>
            </tr>
            <tr>
              <th scope="row">{t('Member since')}</th>
              <td>{ctx.format.dateTime(user.createdAt)}</td>
            </tr>
          </tbody>
        </table>
      </article>
      <section aria-labelledby="profile-stats">
        <h2 id="profile-stats">{t('Your statistics')}</h2>
        <FigureGrid ctx={ctx} figures={figures} prefix="profile" />
        <p>
          <a href="/stats">{t('Charts and figures per mailing')}</a>
        </p>
      </section>
    </Layout>
  );
}

export function ProfileEditPage({ ctx, values, errors }: { ctx: PageContext; values: FormValues; errors?: FieldErrors }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('Edit profile')}>
      <ProfileNav ctx={ctx} current="/profile/edit" />
      <article>
        <h1>{t('Edit profile')}</h1>
        <Form action="/profile/edit" csrfToken={ctx.csrfToken} submit={t('Save')} errors={errors}>
          <Field name="fullName" label={t('Full name')} values={values} errors={errors} autocomplete="name" />
          <Select
            name="timeZone"
            label={t('Time zone')}
            options={timeZoneList.map((zone) => ({ value: zone, label: zone }))}
            values={values}
            errors={errors}
          />
          <Select
            name="language"
            label={t('Language')}
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
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('Change password')}>
      <ProfileNav ctx={ctx} current="/profile/password" />
      <article>
        <h1>{t('Change password')}</h1>
        <p>{t('Your other sessions end when the password changes; this one stays.')}</p>
        <Form action="/profile/password" csrfToken={ctx.csrfToken} submit={t('Change password')} errors={errors}>
          <Field
            name="currentPassword"
            label={t('Current password')}
            type="password"
            errors={errors}
            autocomplete="current-password"
          />
          <Field name="password" label={t('New password')} type="password" errors={errors} autocomplete="new-password" />
          <Field
            name="passwordConfirm"
            label={t('New password again')}
            type="password"
            errors={errors}
            autocomplete="new-password"
          />
        </Form>
      </article>
    </Layout>
  );
}

export function TokensPage(props: {
  ctx: PageContext;
  tokens: ApiTokenRow[];
  created?: { name: string; token: string } | undefined;
  values?: FormValues;
  errors?: FieldErrors;
}) {
  const { ctx, tokens } = props;
  const { t } = ctx;
  const when = (date: Date | null) => (date ? ctx.format.dateTime(date) : '—');
  return (
    <Layout ctx={ctx} title={t('API tokens')}>
      <ProfileNav ctx={ctx} current="/profile/tokens" />
      <article>
        <h1>{t('API tokens')}</h1>
        {props.created && (
          <section aria-live="polite">
            <p>{t('Token “{{name}}” is created. Copy it now: it is shown only once.', { name: props.created.name })}</p>
            <p class="token" id="new-token">
              {props.created.token}
            </p>
          </section>
        )}
        <p>
          {t('Use a token with the API under {{path}}, in this header:', { path: '/api/v1' })} <code>{authorizationHeader}</code>
        </p>
        {tokens.length === 0 ? (
          <p>{t('You have no API tokens.')}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('Name')}</th>
                <th scope="col">{t('Starts with')}</th>
                <th scope="col">{t('Created')}</th>
                <th scope="col">{t('Last used')}</th>
                <th scope="col">
                  <span class="visually-hidden">{t('Actions')}</span>
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
                  <td>{when(token.createdAt)}</td>
                  <td>{when(token.lastUsedAt)}</td>
                  <td>
                    <form method="post" action={`/profile/tokens/${token.id}/revoke`} class="inline">
                      <input type="hidden" name="_csrf" value={ctx.csrfToken} />
                      <button type="submit" class="secondary outline">
                        {t('Revoke')}
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <h2>{t('New token')}</h2>
        <Form action="/profile/tokens" csrfToken={ctx.csrfToken} submit={t('Create token')} errors={props.errors}>
          <Field name="name" label={t('Name')} values={props.values} errors={props.errors} hint={t('What the token is for.')} />
        </Form>
      </article>
    </Layout>
  );
}
