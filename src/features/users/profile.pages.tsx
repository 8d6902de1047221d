import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.ts';
import { formValues, pageContext, redirectWithFlash, sendPage } from '../../http/context.ts';
import { handleForm } from '../../http/forms.ts';
import { msg } from '../../i18n/i18n.ts';
import type { Actor } from '../../permissions.ts';
import type { AuthService } from '../auth/auth.service.ts';
import type { Figures } from '../stats/stats.repository.ts';
import { ChangePasswordPage, ProfileEditPage, ProfilePage, TokensPage } from './profile.views.tsx';
import type { UsersService } from './users.service.ts';

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** The signed-in user's own pages: profile, edit, password, API tokens. */
export function createProfilePages(deps: {
  users: UsersService;
  auth: AuthService;
  devMailbox: boolean;
  /** The user's own statistics, shown on the profile. */
  ownFigures: (actor: Actor) => Promise<Figures>;
}) {
  const ctx = (request: FastifyRequest, reply: FastifyReply) => pageContext(request, reply, deps.devMailbox);
  const actorOf = (request: FastifyRequest): Actor => {
    if (!request.actor) throw new AppError('UNAUTHENTICATED', 'Log in first.');
    return request.actor;
  };

  const tokensPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: Partial<Parameters<typeof TokensPage>[0]> = {},
  ) => {
    const tokens = await deps.auth.listApiTokens(actorOf(request));
    return TokensPage({ ctx: ctx(request, reply), tokens, ...extra });
  };

  return {
    profile: async (request, reply) => {
      const actor = actorOf(request);
      const [user, figures] = await Promise.all([deps.users.getProfile(actor), deps.ownFigures(actor)]);
      return sendPage(reply, ProfilePage({ ctx: ctx(request, reply), user, figures }));
    },

    editForm: async (request, reply) => {
      const user = await deps.users.getProfile(actorOf(request));
      const values = { fullName: user.fullName, timeZone: user.timeZone, language: user.language };
      return sendPage(reply, ProfileEditPage({ ctx: ctx(request, reply), values }));
    },

    edit: async (request, reply) => {
      const values = formValues(request.body);
      return handleForm(
        reply,
        async () => {
          await deps.users.updateProfile(actorOf(request), values);
          return redirectWithFlash(reply, '/profile', 'success', msg('Your profile is saved.'));
        },
        (errors) => ProfileEditPage({ ctx: ctx(request, reply), values, errors }),
      );
    },

    passwordForm: async (request, reply) => sendPage(reply, ChangePasswordPage({ ctx: ctx(request, reply) })),

    changePassword: async (request, reply) =>
      handleForm(
        reply,
        async () => {
          await deps.auth.changePassword(actorOf(request), formValues(request.body), request.sessionToken);
          return redirectWithFlash(
            reply,
            '/profile',
            'success',
            msg('Your password is changed; your other sessions have ended.'),
          );
        },
        (errors) => ChangePasswordPage({ ctx: ctx(request, reply), errors }),
      ),

    tokens: async (request, reply) => sendPage(reply, await tokensPage(request, reply)),

    createToken: async (request, reply) => {
      const values = formValues(request.body);
      try {
        const { token, row } = await deps.auth.createApiToken(actorOf(request), values);
        return sendPage(reply, await tokensPage(request, reply, { created: { name: row.name, token } }), 201);
      } catch (error) {
        if (!(error instanceof AppError) || !error.fields) throw error;
        return sendPage(reply, await tokensPage(request, reply, { values, errors: error.fields }), error.status);
      }
    },

    revokeToken: async (request, reply) => {
      await deps.auth.revokeApiToken(actorOf(request), (request.params as { id: string }).id);
      return redirectWithFlash(reply, '/profile/tokens', 'success', msg('The token is revoked.'));
    },
  } satisfies Record<string, Handler>;
}
