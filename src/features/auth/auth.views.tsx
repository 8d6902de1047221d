import type { FieldErrors } from '../../errors.ts';
import { Field, Form, type FormValues } from '../../views/forms.tsx';
import { Layout, type PageContext } from '../../views/layout.tsx';

interface FormPageProps {
  ctx: PageContext;
  values?: FormValues | undefined;
  errors?: FieldErrors | undefined;
}

function AccountFields({ values, errors }: Omit<FormPageProps, 'ctx'>) {
  return (
    <>
      <Field name="fullName" label="Full name" values={values} errors={errors} autocomplete="name" />
      <Field name="email" label="E-mail" type="email" values={values} errors={errors} autocomplete="email" />
      <PasswordPair errors={errors} />
    </>
  );
}

function PasswordPair({ errors }: { errors?: FieldErrors | undefined }) {
  return (
    <>
      <Field
        name="password"
        label="Password"
        type="password"
        errors={errors}
        autocomplete="new-password"
        hint="At least 10 characters; not a common password."
      />
      <Field name="passwordConfirm" label="Password again" type="password" errors={errors} autocomplete="new-password" />
    </>
  );
}

export function RegisterPage({ ctx, values, errors }: FormPageProps) {
  return (
    <Layout ctx={ctx} title="Register">
      <article>
        <h1>Create your account</h1>
        <Form action="/register" csrfToken={ctx.csrfToken} submit="Register" errors={errors}>
          <AccountFields values={values} errors={errors} />
        </Form>
        <p>
          Already registered? <a href="/login">Log in</a>.
        </p>
      </article>
    </Layout>
  );
}

export function CheckInboxPage({ ctx, email }: { ctx: PageContext; email: string }) {
  return (
    <Layout ctx={ctx} title="Check your inbox">
      <article>
        <h1>Check your inbox</h1>
        <p>
          We sent a confirmation link to <strong>{email}</strong>. Open it to activate your account; it works once and expires in
          48 hours.
        </p>
        <p>
          Nothing arrived? <a href="/confirm/resend">Send the link again</a>.
        </p>
      </article>
    </Layout>
  );
}

export function LoginPage({ ctx, values, errors, next, unconfirmed }: FormPageProps & { next: string; unconfirmed?: boolean }) {
  return (
    <Layout ctx={ctx} title="Log in">
      <article>
        <h1>Log in</h1>
        <Form
          action={`/login${next === '/' ? '' : `?next=${encodeURIComponent(next)}`}`}
          csrfToken={ctx.csrfToken}
          submit="Log in"
          errors={errors}
        >
          <Field name="email" label="E-mail" type="email" values={values} errors={errors} autocomplete="email" />
          <Field name="password" label="Password" type="password" errors={errors} autocomplete="current-password" />
        </Form>
        {unconfirmed && (
          <form method="post" action="/confirm/resend" class="resend">
            <input type="hidden" name="_csrf" value={ctx.csrfToken} />
            <input type="hidden" name="email" value={values?.email ?? ''} />
            <button type="submit" class="secondary">
              Resend the confirmation e-mail
            </button>
          </form>
        )}
        <p>
          <a href="/password-reset">Forgot your password?</a> · <a href="/register">Create an account</a>
        </p>
      </article>
    </Layout>
  );
}

export function EmailOnlyPage(props: FormPageProps & { title: string; intro: string; action: string; submit: string }) {
  return (
    <Layout ctx={props.ctx} title={props.title}>
      <article>
        <h1>{props.title}</h1>
        <p>{props.intro}</p>
        <Form action={props.action} csrfToken={props.ctx.csrfToken} submit={props.submit} errors={props.errors}>
          <Field name="email" label="E-mail" type="email" values={props.values} errors={props.errors} autocomplete="email" />
        </Form>
      </article>
    </Layout>
  );
}

export function MessagePage({ ctx, title, message }: { ctx: PageContext; title: string; message: string }) {
  return (
    <Layout ctx={ctx} title={title}>
      <article>
        <h1>{title}</h1>
        <p>{message}</p>
        <p>
          <a href="/login">Log in</a>
        </p>
      </article>
    </Layout>
  );
}

export function NewPasswordPage({ ctx, errors, action }: FormPageProps & { action: string }) {
  return (
    <Layout ctx={ctx} title="Choose a new password">
      <article>
        <h1>Choose a new password</h1>
        <Form action={action} csrfToken={ctx.csrfToken} submit="Set password" errors={errors}>
          <PasswordPair errors={errors} />
        </Form>
      </article>
    </Layout>
  );
}

export function SetupPage({ ctx, values, errors }: FormPageProps) {
  return (
    <Layout ctx={ctx} title="Set up Herald">
      <article>
        <h1>Welcome to Herald</h1>
        <p>Create the administrator account. This page is shown once, until the first admin exists.</p>
        <Form action="/setup" csrfToken={ctx.csrfToken} submit="Create admin" errors={errors}>
          <AccountFields values={values} errors={errors} />
        </Form>
      </article>
    </Layout>
  );
}
