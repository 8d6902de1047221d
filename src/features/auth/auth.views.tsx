import type { FieldErrors } from '../../errors.ts';
import { Field, Form, type FormValues } from '../../views/forms.tsx';
import { Layout, type PageContext } from '../../views/layout.tsx';
import { useT } from '../../views/translate-context.ts';

interface FormPageProps {
  ctx: PageContext;
  values?: FormValues | undefined;
  errors?: FieldErrors | undefined;
}

function AccountFields({ values, errors }: Omit<FormPageProps, 'ctx'>) {
  const t = useT();
  return (
    <>
      <Field name="fullName" label={t('Full name')} values={values} errors={errors} autocomplete="name" />
      <Field name="email" label={t('E-mail')} type="email" values={values} errors={errors} autocomplete="email" />
      <PasswordPair errors={errors} />
    </>
  );
}

function PasswordPair({ errors }: { errors?: FieldErrors | undefined }) {
  const t = useT();
  return (
    <>
      <Field
        name="password"
        label={t('Password')}
        type="password"
        errors={errors}
        autocomplete="new-password"
        hint={t('At least 10 characters; not a common password.')}
      />
      <Field name="passwordConfirm" label={t('Password again')} type="password" errors={errors} autocomplete="new-password" />
    </>
  );
}

export function RegisterPage({ ctx, values, errors }: FormPageProps) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('Register')}>
      <article>
        <h1>{t('Create your account')}</h1>
        <Form action="/register" csrfToken={ctx.csrfToken} submit={t('Register')} errors={errors}>
          <AccountFields values={values} errors={errors} />
        </Form>
        <p>
          {t('Already registered?')} <a href="/login">{t('Log in')}</a>
        </p>
      </article>
    </Layout>
  );
}

export function CheckInboxPage({ ctx, email }: { ctx: PageContext; email: string }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('Check your inbox')}>
      <article>
        <h1>{t('Check your inbox')}</h1>
        <p>
          {t('We sent a confirmation link to {{email}}.', { email })}{' '}
          {t('Open it to activate your account; it works once and expires in 48 hours.')}
        </p>
        <p>
          {t('Nothing arrived?')} <a href="/confirm/resend">{t('Send the link again')}</a>
        </p>
      </article>
    </Layout>
  );
}

export function LoginPage({ ctx, values, errors, next, unconfirmed }: FormPageProps & { next: string; unconfirmed?: boolean }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('Log in')}>
      <article>
        <h1>{t('Log in')}</h1>
        <Form
          action={`/login${next === '/' ? '' : `?next=${encodeURIComponent(next)}`}`}
          csrfToken={ctx.csrfToken}
          submit={t('Log in')}
          errors={errors}
        >
          <Field name="email" label={t('E-mail')} type="email" values={values} errors={errors} autocomplete="email" />
          <Field name="password" label={t('Password')} type="password" errors={errors} autocomplete="current-password" />
        </Form>
        {unconfirmed && (
          <form method="post" action="/confirm/resend" class="resend">
            <input type="hidden" name="_csrf" value={ctx.csrfToken} />
            <input type="hidden" name="email" value={values?.email ?? ''} />
            <button type="submit" class="secondary">
              {t('Resend the confirmation e-mail')}
            </button>
          </form>
        )}
        <p>
          <a href="/password-reset">{t('Forgot your password?')}</a> · <a href="/register">{t('Create an account')}</a>
        </p>
      </article>
    </Layout>
  );
}

/** A form asking only for an address; title, intro and submit are catalogue keys (msg). */
export function EmailOnlyPage(props: FormPageProps & { title: string; intro: string; action: string; submit: string }) {
  const { t } = props.ctx;
  return (
    <Layout ctx={props.ctx} title={t(props.title)}>
      <article>
        <h1>{t(props.title)}</h1>
        <p>{t(props.intro)}</p>
        <Form action={props.action} csrfToken={props.ctx.csrfToken} submit={t(props.submit)} errors={props.errors}>
          <Field name="email" label={t('E-mail')} type="email" values={props.values} errors={props.errors} autocomplete="email" />
        </Form>
      </article>
    </Layout>
  );
}

/** A page with one message; title and message are catalogue keys or messages (msg, AppError). */
export function MessagePage({ ctx, title, message }: { ctx: PageContext; title: string; message: string }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t(title)}>
      <article>
        <h1>{t(title)}</h1>
        <p>{t(message)}</p>
        <p>
          <a href="/login">{t('Log in')}</a>
        </p>
      </article>
    </Layout>
  );
}

export function NewPasswordPage({ ctx, errors, action }: FormPageProps & { action: string }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('Choose a new password')}>
      <article>
        <h1>{t('Choose a new password')}</h1>
        <Form action={action} csrfToken={ctx.csrfToken} submit={t('Set password')} errors={errors}>
          <PasswordPair errors={errors} />
        </Form>
      </article>
    </Layout>
  );
}

export function SetupPage({ ctx, values, errors }: FormPageProps) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('Set up Herald')}>
      <article>
        <h1>{t('Welcome to Herald')}</h1>
        <p>{t('Create the administrator account. This page is shown once, until the first admin exists.')}</p>
        <Form action="/setup" csrfToken={ctx.csrfToken} submit={t('Create admin')} errors={errors}>
          <AccountFields values={values} errors={errors} />
        </Form>
      </article>
    </Layout>
  );
}
