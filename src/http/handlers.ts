import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import type { Actor } from '../permissions.ts';

export type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** The signed-in actor; the access hook has already refused anonymous requests to such routes. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new AppError('UNAUTHENTICATED', 'Log in first.');
  return request.actor;
}

/** The `:id` route parameter as given; services parse it and answer NOT_FOUND when it is no id. */
export const idParam = (request: FastifyRequest): string => String((request.params as { id?: unknown }).id ?? '');
