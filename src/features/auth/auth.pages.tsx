import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import { formValues, pageContext, redirectWithFlash, SESSION_COOKIE, sendPage } from '../../http/context.ts';
import { handleForm, safeNext } from '../../http/forms.ts';
import { msg } from '../../i18n/i18n.ts';
import type { AuthService } from './auth.service.ts';
import {
  CheckInboxPage,
  EmailOnlyPage,
  LoginPage,
  MessagePage,
  NewPasswordPage,
  RegisterPage,
  SetupPage,
} from './auth.views.tsx';

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
type WithToken = FastifyRequest<{ Params: { token: string } }>;

/** Account pages: thin handlers over the auth service. */
export function createAuthPages(deps: { auth: AuthService; config: Pick<Config, 'secureCookies'>; devMailbox: boolean }) {
  const { auth } = deps;
  const ctx = (request: FastifyRequest, reply: FastifyReply) => pageContext(request, reply, deps.devMailbox);

  const setSessionCookie = (reply: FastifyReply, token: string, expires: Date) =>
    reply.setCookie(SESSION_COOKIE, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: deps.config.secureCookies,
      expires,
    });

  const resendPage = (request: FastifyRequest, reply: FastifyReply, values = {}, errors = {}) =>
    EmailOnlyPage({
      ctx: ctx(request, reply),
      title: msg('Resend the confirmation link'),
      intro: msg('Enter the address you registered with; if its account is not confirmed yet, we send a new link.'),
      action: '/confirm/resend',
      submit: msg('Send link'),
      values,
      errors,
    });

  const resetRequestPage = (request: FastifyRequest, reply: FastifyReply, values = {}, errors = {}) =>
    EmailOnlyPage({
      ctx: ctx(request, reply),
      title: msg('Reset your password'),
      intro: msg('Enter your e-mail address; if it has an account, we send a link to choose a new password.'),
      action: '/password-reset',
      submit: msg('Send reset link'),
      values,
      errors,
    });

  return {
    registerForm: async (request, reply) => sendPage(reply, RegisterPage({ ctx: ctx(request, reply) })),

    register: async (request, reply) => {
      const values = formValues(request.body);
      return handleForm(
        reply,
        async () => {
          await auth.register(values, request.language);
          return sendPage(reply, CheckInboxPage({ ctx: ctx(request, reply), email: values.email?.trim().toLowerCase() ?? '' }));
        },
        (errors) => RegisterPage({ ctx: ctx(request, reply), values, errors }),
      );
    },

    confirm: async (request, reply) => {
      await auth.confirmEmail((request as WithToken).params.token);
      return redirectWithFlash(reply, '/login', 'success', msg('Your e-mail address is confirmed. You can log in now.'));
    },

    resendForm: async (request, reply) => sendPage(reply, resendPage(request, reply)),

    resend: async (request, reply) => {
      const values = formValues(request.body);
      return handleForm(
        reply,
        async () => {
          await auth.resendConfirmation(values);
          return redirectWithFlash(
            reply,
            '/login',
            'info',
            msg('If that address has an unconfirmed account, a new confirmation link is on its way.'),
          );
        },
        (errors) => resendPage(request, reply, values, errors),
      );
    },

    loginForm: async (request, reply) => {
      const next = safeNext((request.query as { next?: unknown }).next);
      return sendPage(reply, LoginPage({ ctx: ctx(request, reply), next }));
    },

    login: async (request, reply) => {
      const values = formValues(request.body);
      const next = safeNext((request.query as { next?: unknown }).next);
      return handleForm(
        reply,
        async () => {
          const session = await auth.login(values, {
            ip: request.ip,
            userAgent: request.headers['user-agent']?.slice(0, 300) ?? null,
          });
          setSessionCookie(reply, session.token, session.expiresAt);
          return redirectWithFlash(reply, next, 'success', msg('Welcome back, {{name}}.', { name: session.user.fullName }));
        },
        (errors, error) =>
          LoginPage({ ctx: ctx(request, reply), values, errors, next, unconfirmed: error.code === 'EMAIL_NOT_CONFIRMED' }),
      );
    },

    logout: async (request, reply) => {
      if (request.sessionToken) await auth.logout(request.sessionToken);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return redirectWithFlash(reply, '/', 'info', msg('You are logged out.'));
    },

    resetRequestForm: async (request, reply) => sendPage(reply, resetRequestPage(request, reply)),

    resetRequest: async (request, reply) => {
      const values = formValues(request.body);
      return handleForm(
        reply,
        async () => {
          await auth.requestPasswordReset(values);
          return sendPage(
            reply,
            MessagePage({
              ctx: ctx(request, reply),
              title: msg('Check your inbox'),
              message: msg(
                'If that address has an account, a link to reset its password is on its way. It works once, for one hour.',
              ),
            }),
          );
        },
        (errors) => resetRequestPage(request, reply, values, errors),
      );
    },

    resetForm: async (request, reply) => {
      const { token } = (request as WithToken).params;
      await auth.checkResetToken(token);
      return sendPage(reply, NewPasswordPage({ ctx: ctx(request, reply), action: `/password-reset/${token}` }));
    },

    reset: async (request, reply) => {
      const { token } = (request as WithToken).params;
      return handleForm(
        reply,
        async () => {
          await auth.resetPassword(token, formValues(request.body));
          reply.clearCookie(SESSION_COOKIE, { path: '/' });
          return redirectWithFlash(reply, '/login', 'success', msg('Your password is changed. Log in with the new one.'));
        },
        (errors, error) =>
          error.code === 'VALIDATION_FAILED'
            ? NewPasswordPage({ ctx: ctx(request, reply), action: `/password-reset/${token}`, errors })
            : MessagePage({ ctx: ctx(request, reply), title: msg('This link cannot be used'), message: error.message }),
      );
    },

    setupForm: async (request, reply) => {
      if (!(await auth.isSetupNeeded())) return reply.callNotFound();
      return sendPage(reply, SetupPage({ ctx: ctx(request, reply) }));
    },

    setup: async (request, reply) => {
      if (!(await auth.isSetupNeeded())) return reply.callNotFound();
      const values = formValues(request.body);
      return handleForm(
        reply,
        async () => {
          const session = await auth.setupFirstAdmin(values, request.headers['user-agent']?.slice(0, 300) ?? null);
          setSessionCookie(reply, session.token, session.expiresAt);
          return redirectWithFlash(reply, '/', 'success', msg('Herald is ready. You are logged in as its administrator.'));
        },
        (errors) => SetupPage({ ctx: ctx(request, reply), values, errors }),
      );
    },
  } satisfies Record<string, Handler>;
}
