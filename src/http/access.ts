import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import type { AuthService } from '../features/auth/auth.service.ts';
import { pickLanguage } from '../i18n/i18n.ts';
import { can } from '../permissions.ts';
import { isApiRequest, LANGUAGE_COOKIE, readFlash, SESSION_COOKIE } from './context.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const setupExempt = (url: string | undefined) =>
  url === '/setup' || url === '/healthz' || url === '/readyz' || url === '/metrics';

/**
 * Authenticates every request (session cookie or `Authorization: Bearer`), checks CSRF on every
 * cookie-authenticated write, and enforces the route's declared access. One place for all of it.
 */
export function registerAccessHooks(app: FastifyInstance, deps: { auth: AuthService; isSetupNeeded: () => Promise<boolean> }) {
  app.decorateRequest('actor', null);
  app.decorateRequest('sessionToken', null);
  app.decorateRequest('flash', null);
  app.decorateRequest('language', 'en');

  // Runs after authentication (hooks run in order): the profile's language wins.
  const chooseLanguage = (request: FastifyRequest) => {
    request.language = pickLanguage({
      profile: request.actor?.language,
      chosen: request.cookies[LANGUAGE_COOKIE],
      acceptLanguage: request.headers['accept-language'],
    });
  };

  app.addHook('onRequest', async (request, reply) => {
    const authorization = request.headers.authorization;
    // A route that checks its own bearer token (/metrics) is not an API route: its header names no user.
    if (authorization !== undefined && request.routeOptions.config.apiToken !== false) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      const actor = match?.[1] ? await deps.auth.authenticateApiToken(match[1]) : null;
      if (!actor) throw new AppError('UNAUTHENTICATED', 'The API token is missing, wrong, revoked, or its user is blocked.');
      request.actor = actor;
      chooseLanguage(request);
      return;
    }
    const token = request.cookies[SESSION_COOKIE];
    if (token && token.length <= 200) {
      request.actor = await deps.auth.authenticateSession(token);
      request.sessionToken = request.actor ? token : null;
      if (!request.actor) reply.clearCookie(SESSION_COOKIE, { path: '/' });
    }
    chooseLanguage(request);
    if (!isApiRequest(request) && SAFE_METHODS.has(request.method)) request.flash = readFlash(request, reply);
  });

  app.addHook('preHandler', (request, reply, done) => {
    // A bearer token is not sent by browsers on their own, so it needs no CSRF token.
    const viaToken = request.actor?.via === 'token';
    const exempt = request.routeOptions.config.csrf === false;
    // An API call with no credentials at all on a route that needs someone: the access check answers
    // 401 without touching anything. Forms keep the CSRF check first, so any form post without a token is 403.
    const access = request.routeOptions.config.access;
    const refusedAnyway =
      isApiRequest(request) && !request.actor && access !== undefined && access !== 'public' && access !== 'guest';
    if (SAFE_METHODS.has(request.method) || viaToken || exempt || refusedAnyway) return done();
    app.csrfProtection(request, reply, done);
  });

  app.addHook('preHandler', async (request, reply) => {
    const access = request.routeOptions.config.access;
    if (access === undefined) {
      const url = request.routeOptions.url;
      if (url === undefined || url.startsWith('/assets/')) return; // not-found handler, static files
      throw new Error(`Route ${request.method} ${request.routeOptions.url} declares no access rule`);
    }
    if (
      !isApiRequest(request) &&
      request.method === 'GET' &&
      !setupExempt(request.routeOptions.url) &&
      (await deps.isSetupNeeded())
    ) {
      return reply.redirect('/setup', 303);
    }
    if (access === 'public') return;
    if (access === 'guest') {
      if (request.actor && request.method === 'GET') return reply.redirect('/', 303);
      return;
    }
    if (!request.actor) {
      if (!isApiRequest(request) && request.method === 'GET') {
        return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
      }
      throw new AppError('UNAUTHENTICATED', 'Log in first.');
    }
    if (access !== 'signed-in' && !can(request.actor, access)) {
      throw new AppError('FORBIDDEN', 'Your role does not allow this.');
    }
  });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false only for endpoints that authenticate by an unguessable token in the URL (RFC 8058). */
    csrf?: boolean;
    /** false only for a route that checks `Authorization` itself (/metrics): the header is then no API token. */
    apiToken?: boolean;
  }
}
