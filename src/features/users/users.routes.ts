import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.ts';
import type { Actor } from '../../permissions.ts';
import type { ApiTokenRow } from '../auth/auth.repository.ts';
import type { AuthService } from '../auth/auth.service.ts';
import type { UserRow } from './users.repository.ts';
import type { UsersService } from './users.service.ts';

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

const actorOf = (request: FastifyRequest): Actor => {
  if (!request.actor) throw new AppError('UNAUTHENTICATED', 'Log in first.');
  return request.actor;
};

export const userJson = (user: UserRow) => ({
  id: user.id,
  email: user.email,
  fullName: user.fullName,
  role: user.role,
  timeZone: user.timeZone,
  language: user.language,
  emailConfirmed: user.emailConfirmedAt !== null,
  blocked: user.blockedAt !== null,
  createdAt: user.createdAt.toISOString(),
});

const tokenJson = (token: ApiTokenRow) => ({
  id: token.id,
  name: token.name,
  prefix: token.prefix,
  createdAt: token.createdAt.toISOString(),
  lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
});

/** JSON API for the signed-in user's profile and API tokens. */
export function createUsersApi(deps: { users: UsersService; auth: AuthService }) {
  return {
    me: async (request) => userJson(await deps.users.getProfile(actorOf(request))),
    updateMe: async (request) => userJson(await deps.users.updateProfile(actorOf(request), request.body)),
    listTokens: async (request) => ({ items: (await deps.auth.listApiTokens(actorOf(request))).map(tokenJson) }),
    createToken: async (request, reply) => {
      const { token, row } = await deps.auth.createApiToken(actorOf(request), request.body);
      return reply.code(201).send({ ...tokenJson(row), token });
    },
    revokeToken: async (request, reply) => {
      await deps.auth.revokeApiToken(actorOf(request), (request.params as { id: string }).id);
      return reply.code(204).send();
    },
  } satisfies Record<string, Handler>;
}
