import type { FastifyReply } from 'fastify';
import type { VNode } from 'preact';
import { type AppError, type FieldErrors, isAppError } from '../errors.ts';
import { sendPage } from './context.ts';

/**
 * Runs a form action; when the service refuses the input, the same form is shown again with the
 * values that were typed and each message next to its field, with the error's status.
 */
export async function handleForm(
  reply: FastifyReply,
  action: () => Promise<unknown>,
  renderForm: (errors: FieldErrors, error: AppError) => VNode | Promise<VNode>,
): Promise<unknown> {
  try {
    return await action();
  } catch (error) {
    if (!isAppError(error) || error.status >= 500 || error.code === 'CSRF_INVALID') throw error;
    if (error.retryAfterSeconds) reply.header('retry-after', String(error.retryAfterSeconds));
    return sendPage(reply, await renderForm(error.fields ?? { _form: error.message }, error), error.status);
  }
}

/** Only a local path may follow a login: never another site (no open redirect). */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next.length > 2000 ? '/' : next;
}
