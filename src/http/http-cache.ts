import { hash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { Access } from './context.ts';

/**
 * Pages anyone may cache for a minute when seen signed out (route patterns as in the route
 * table). Only pages without forms belong here: a form's CSRF token belongs to one browser.
 */
export const PUBLIC_PAGES: ReadonlySet<string> = new Set([
  '/',
  '/blog',
  '/blog/feed.atom',
  '/blog/covers/:file',
  '/api/openapi.json',
  '/api/docs',
]);

/**
 * Responses no cache may keep, not even the browser's: secrets (API tokens, links with tokens,
 * captured mail), one-shot actions done on GET, and health answers that must be live.
 */
export const SECRET_PAGES: ReadonlySet<string> = new Set([
  '/profile/tokens',
  '/api/v1/tokens',
  '/confirm/:token',
  '/password-reset/:token',
  '/setup',
  '/dev/mailbox',
  '/dev/mailbox/:id',
  '/healthz',
  '/readyz',
  '/metrics',
]);

/**
 * Public pages whose every view must reach Herald: a post counts its views, so browsers and
 * proxies may keep it but must ask again each time (an unchanged post then costs a 304, and counts).
 */
export const REVALIDATED_PAGES: ReadonlySet<string> = new Set(['/blog/:slug']);

export const PUBLIC_PAGE_CACHE = 'public, max-age=60';
export const PUBLIC_REVALIDATE = 'public, no-cache';
export const PERSONAL_CACHE = 'private, no-cache';
export const NO_STORE = 'no-store';

const csrfTokens = new WeakMap<FastifyReply, string>();

/**
 * The CSRF token of this response's forms: made when a page first needs one, then the same for the
 * whole response. Pages without forms make none, so they set no cookie and can be cached publicly.
 */
export function pageCsrfToken(reply: FastifyReply): string {
  let token = csrfTokens.get(reply);
  if (token === undefined) {
    token = reply.generateCsrf();
    csrfTokens.set(reply, token);
  }
  return token;
}

/**
 * The Cache-Control of a Herald route's response, from the route's pattern and access rule and
 * whether someone is signed in. Answers to signed-in users are never `public`.
 */
export function cacheControlFor(input: {
  method: string;
  status: number;
  url: string;
  access: Access;
  signedIn: boolean;
}): string {
  const { method, status, url } = input;
  if ((method !== 'GET' && method !== 'HEAD') || (status !== 200 && status !== 304)) return NO_STORE;
  if (SECRET_PAGES.has(url)) return NO_STORE;
  if (!input.signedIn && input.access === 'public' && PUBLIC_PAGES.has(url)) return PUBLIC_PAGE_CACHE;
  if (!input.signedIn && input.access === 'public' && REVALIDATED_PAGES.has(url)) return PUBLIC_REVALIDATE;
  return PERSONAL_CACHE;
}

/** Every opaque tag of an If-None-Match header, weak or strong (GET compares them weakly). */
const tagsOf = (header: string | undefined) =>
  (header ?? '')
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .filter(Boolean);

/**
 * The text a response's ETag is made from, when it is not the body itself: a page rendered ahead
 * and sent many times (`sendTemplate`) is tagged by its rendering, so each answer need not be hashed.
 */
const etagSources = new WeakMap<FastifyReply, string>();

export function setEtagSource(reply: FastifyReply, text: string): void {
  etagSources.set(reply, text);
}

/**
 * A weak ETag of a page: of its text with this response's CSRF token left out (a new token is drawn
 * for every response, so hashing it would make every page unique), and then of the browser's CSRF
 * secret cookie, which the page's forms are valid for.
 */
function etagOf(request: FastifyRequest, reply: FastifyReply, payload: string | Buffer): string {
  const token = csrfTokens.get(reply);
  const source = etagSources.get(reply);
  const body = () => (typeof payload === 'string' ? payload : payload.toString('utf8'));
  const digest = source !== undefined ? digestOf(source) : digestOf(token ? body().split(token).join('') : body());
  const tag = token ? sha256(`${digest}\0${request.cookies.herald_csrf ?? ''}`) : digest;
  return `W/"${tag.slice(0, 27)}"`;
}

const sha256 = (text: string) => hash('sha256', text, 'base64url');

/**
 * Digests of the texts hashed lately: a page shared by many visitors (the cached home page) or
 * rendered ahead comes back as the same text, so it is hashed once, not once per request.
 */
const digests = new LRUCache<string, string>({ max: 64 });
const MEMO_MAX_LENGTH = 64 * 1024;

function digestOf(text: string): string {
  if (text.length > MEMO_MAX_LENGTH) return sha256(text);
  let digest = digests.get(text);
  if (digest === undefined) {
    digest = sha256(text);
    digests.set(text, digest);
  }
  return digest;
}

function addVary(reply: FastifyReply, fields: string[]): void {
  const current = String(reply.getHeader('vary') ?? '');
  if (current === '') {
    reply.header('vary', fields.join(', '));
    return;
  }
  const present = new Set(current.split(',').map((field) => field.trim().toLowerCase()));
  const missing = fields.filter((field) => !present.has(field.toLowerCase()));
  if (missing.length) reply.header('vary', [current, ...missing].filter(Boolean).join(', '));
}

/**
 * HTTP caching in one place, for every route of the route table (static assets and streams set
 * their own): Cache-Control by `cacheControlFor`, `Vary: Cookie, Authorization, Accept-Language`
 * (the language of a page comes from the profile, the language cookie or the browser), ETag with 304
 * on GET answers that have a body in memory (streams, such as server-sent events and CSV exports,
 * are left alone), and `Clear-Site-Data: "cache"` on logging out.
 */
export function registerHttpCache(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const access = request.routeOptions.config.access;
    if (access === undefined) return payload;
    addVary(reply, ['Cookie', 'Authorization', 'Accept-Language']);
    // Personal pages may stay in the browser's cache (private, no-cache): logging out drops them.
    if (request.method === 'POST' && request.routeOptions.url === '/logout') reply.header('clear-site-data', '"cache"');
    if (!reply.hasHeader('cache-control')) {
      const url = request.routeOptions.url ?? '';
      const signedIn = request.actor !== null;
      reply.header('cache-control', cacheControlFor({ method: request.method, status: reply.statusCode, url, access, signedIn }));
    }
    const cacheable = (request.method === 'GET' || request.method === 'HEAD') && reply.statusCode === 200;
    const inMemory = typeof payload === 'string' || Buffer.isBuffer(payload);
    if (!cacheable || !inMemory || String(reply.getHeader('cache-control')).includes(NO_STORE)) return payload;
    const etag = etagOf(request, reply, payload);
    reply.header('etag', etag);
    const tags = tagsOf(request.headers['if-none-match']);
    if (!tags.includes('*') && !tags.includes(etag.replace(/^W\//, ''))) return payload;
    reply.code(304);
    return '';
  });
}
