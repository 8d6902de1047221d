import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Paths of secrets pino blanks wherever they appear in a log line: passwords and tokens in any
 * logged object, and the credentials of a logged request's headers.
 */
export const REDACTED_PATHS = [
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.passwordConfirm',
  '*.token',
  '*.secret',
  '*._csrf',
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

/** Route prefixes whose next path segment is a secret link token (confirmation, reset, unsubscribe). */
const TOKEN_PREFIXES = /^(\/(?:confirm|password-reset|unsubscribe)\/)(?!resend(?:$|[/?#]))[^/?#]+/;
/** Query parameters that may carry a secret (multipart forms send their CSRF token in the URL). */
const SECRET_PARAM = /token|csrf|secret|password|key/i;

/** A URL as it may be logged: link tokens in the path and secret query values replaced by `[redacted]`. */
export function maskUrl(url: string): string {
  const masked = url.replace(TOKEN_PREFIXES, '$1[redacted]');
  const queryAt = masked.indexOf('?');
  if (queryAt < 0) return masked;
  const query = masked
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const name = pair.split('=', 1)[0] ?? '';
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {}
      return SECRET_PARAM.test(decoded) ? `${name}=[redacted]` : pair;
    })
    .join('&');
  return `${masked.slice(0, queryAt)}?${query}`;
}

/** What a request log line says about the request: never its headers or body, and its URL masked. */
function serializeRequest(request: {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}) {
  return {
    method: request.method,
    url: maskUrl(request.url ?? ''),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** Herald's JSON logger (stdout unless a stream is given), with secrets redacted and URLs masked. */
export function createLogger(options: { level: string; stream?: DestinationStream }): Logger {
  const settings = {
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { req: serializeRequest, err: pino.stdSerializers.err },
  };
  return options.stream ? pino(settings, options.stream) : pino(settings);
}

/** An incoming `X-Request-Id` is kept when it is short and plain; anything else gets a fresh id. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

/** Fastify's `genReqId`: the caller's (or proxy's) request id when sane, else a random UUID. */
export function requestIdOf(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}
