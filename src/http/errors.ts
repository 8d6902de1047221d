import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode, isAppError } from '../errors.ts';
import { english, msg, pickLanguage } from '../i18n/i18n.ts';
import { ErrorPage } from '../views/error-page.tsx';
import { isApiRequest, pageContext, sendPage } from './context.ts';

/** Maps Fastify's own errors (body too large, bad content type, CSRF, rate limit) to our codes. */
function toAppError(error: FastifyError): AppError | null {
  const formExpired = msg('The form has expired or did not come from Herald. Reload the page and try again.');
  const byFastifyCode: Record<string, [ErrorCode, string]> = {
    FST_CSRF_INVALID_TOKEN: ['CSRF_INVALID', formExpired],
    FST_CSRF_MISSING_SECRET: ['CSRF_INVALID', formExpired],
    FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', msg('The request is too large.')],
    FST_ERR_CTP_INVALID_MEDIA_TYPE: ['UNSUPPORTED_MEDIA_TYPE', msg('This content type is not accepted here.')],
    FST_ERR_CTP_EMPTY_JSON_BODY: ['BAD_REQUEST', msg('The request body is empty.')],
    FST_ERR_CTP_INVALID_JSON_BODY: ['BAD_REQUEST', msg('The request body is not valid JSON.')],
  };
  const known = error.code ? byFastifyCode[error.code] : undefined;
  if (known) return new AppError(known[0], known[1]);
  if (error.statusCode === 429) return new AppError('RATE_LIMITED', 'Too many requests. Try again later.');
  if (error.validation) return new AppError('BAD_REQUEST', error.message);
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return new AppError('BAD_REQUEST', error.message);
  return null;
}

const inEnglish = (fields: Record<string, string>) =>
  Object.fromEntries(Object.entries(fields).map(([name, message]) => [name, english(message)]));

/** Sends an AppError as a problem document (API) or an error page (everything else). */
export function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError, devMailbox: boolean) {
  if (error.retryAfterSeconds) reply.header('retry-after', String(error.retryAfterSeconds));
  if (isApiRequest(request) || request.headers.accept === 'application/json') {
    return reply
      .code(error.status)
      .type('application/problem+json')
      .send({
        type: `https://herald.invalid/problems/${error.code.toLowerCase().replaceAll('_', '-')}`,
        title: english(error.message),
        status: error.status,
        code: error.code,
        ...(error.fields ? { errors: inEnglish(error.fields) } : {}),
      });
  }
  return sendPage(
    reply,
    ErrorPage({ ctx: pageContext(request, reply, devMailbox), status: error.status, message: error.message }),
    error.status,
  );
}

/**
 * Fastify's `frameworkErrors`: what the router refuses before any hook runs, such as a URL whose
 * percent-encoding does not decode (`/recipients/%E0%A4%A`), answered like every other 400
 * instead of with Fastify's own JSON.
 */
export const frameworkErrors = (devMailbox: boolean) => (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
  // No hook has run yet: the browser's language is all there is to go by.
  request.language = pickLanguage({ acceptLanguage: request.headers['accept-language'] });
  return sendError(
    request,
    reply,
    // A path parameter over the router's maxParamLength keeps its 414.
    error.statusCode === 414
      ? new AppError('URI_TOO_LONG', msg('The address is too long.'))
      : new AppError('BAD_REQUEST', msg('The address is not valid.')),
    devMailbox,
  );
};

export function registerErrorHandlers(app: FastifyInstance, devMailbox: boolean) {
  app.setErrorHandler((raw: FastifyError, request, reply) => {
    const error = isAppError(raw) ? raw : toAppError(raw);
    if (error) return sendError(request, reply, error, devMailbox);
    request.log.error({ err: raw }, 'unhandled error');
    return sendError(
      request,
      reply,
      new AppError('INTERNAL', 'Something went wrong on our side. It has been logged.'),
      devMailbox,
    );
  });
  app.setNotFoundHandler((request, reply) => sendError(request, reply, AppError.notFound(), devMailbox));
}
