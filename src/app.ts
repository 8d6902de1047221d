import type { IncomingMessage, ServerResponse } from 'node:http';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyMultipart from '@fastify/multipart';
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import helmet from 'helmet';
import { LRUCache } from 'lru-cache';
import type { Bindings, ChildLoggerOptions, LogFn, Logger } from 'pino';
import type { Container } from './container.ts';
import { registerAccessHooks } from './http/access.ts';
import { registerAssets } from './http/assets.ts';
import type { Access } from './http/context.ts';
import { frameworkErrors, registerErrorHandlers } from './http/errors.ts';
import { registerHttpCache } from './http/http-cache.ts';
import { registerRoutes } from './http/routes.ts';
import { requestIdOf } from './lib/logger.ts';

export interface RegisteredRoute {
  method: string;
  url: string;
  access: Access | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    heraldRoutes: RegisteredRoute[];
  }
}

/** The headers a request-independent middleware (helmet's) sets, read by running it once. */
function headersOf(middleware: (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void) {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | string[]) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  middleware({} as IncomingMessage, response as unknown as ServerResponse, (error) => {
    if (error) throw error;
  });
  return headers;
}

/**
 * Cookie signatures, with the verdicts on cookies seen lately remembered: every page with a form
 * checks the CSRF cookie's signature, and an HMAC per request showed in profiles. A verdict
 * depends on nothing but the cookie's text and the key.
 */
function rememberingSigner(secret: string): Pick<fastifyCookie.Signer, 'sign' | 'unsign'> {
  const signer = new fastifyCookie.Signer(secret);
  const verdicts = new LRUCache<string, fastifyCookie.UnsignResult>({ max: 10_000 });
  return {
    sign: (value) => signer.sign(value),
    unsign(signed) {
      let verdict = verdicts.get(signed);
      if (verdict === undefined) {
        verdict = signer.unsign(signed);
        verdicts.set(signed, verdict);
      }
      return { ...verdict };
    },
  };
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/**
 * A request's logger, made (with its request id and redaction) only when something is logged at
 * a level that is on: most requests log nothing, and pino's child per request showed in profiles
 * of the cached pages. A route with a level of its own gets its child at once.
 */
function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  if (options.level !== undefined) return logger.child(bindings, options);
  let child: FastifyBaseLogger | undefined;
  const made = () => {
    child ??= logger.child(bindings, options);
    return child;
  };
  const lazy = {
    get level() {
      return (child ?? logger).level;
    },
    set level(level: string) {
      made().level = level;
    },
    silent: () => {},
    child: (more: Bindings, moreOptions?: ChildLoggerOptions) => made().child(more, moreOptions),
  } as unknown as FastifyBaseLogger;
  for (const level of LEVELS) {
    lazy[level] = ((...args: Parameters<LogFn>) => {
      if (child || (logger as unknown as Logger).isLevelEnabled(level)) made()[level](...args);
    }) as LogFn;
  }
  return lazy;
}

/** Builds the HTTP app around a container; the listener lives apart (server.ts), tests use inject(). */
export async function buildApp(c: Container): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: c.logger as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    trustProxy: c.config.trustProxy,
    routerOptions: { maxParamLength: 200 },
    // Every request log line carries `reqId`: the proxy's X-Request-Id when sane, else a fresh one.
    requestIdHeader: false,
    genReqId: requestIdOf,
    childLoggerFactory: lazyChildLogger,
    frameworkErrors: frameworkErrors(c.mail.transportKind === 'dev-mailbox'),
  });
  if (c.metrics.enabled) {
    app.addHook('onResponse', (request, reply, done) => {
      c.metrics.observe(request, reply);
      done();
    });
  }

  await app.register(fastifyCookie, { secret: rememberingSigner(c.config.secretKey) });
  await app.register(fastifyFormbody, { bodyLimit: 256 * 1024 });
  await app.register(fastifyMultipart, { limits: { fileSize: 50 * 1024 * 1024, files: 1, fields: 10, fieldSize: 4096 } });
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    // Multipart uploads stream their file, so their form carries the token in the action URL instead of the body.
    getToken: (request) => {
      const body = request.body as { _csrf?: unknown } | undefined;
      const fromQuery = request.isMultipart() ? (request.query as { _csrf?: unknown })._csrf : undefined;
      const token = body?._csrf ?? fromQuery ?? request.headers['x-csrf-token'] ?? request.headers['csrf-token'];
      return typeof token === 'string' ? token : undefined;
    },
    cookieKey: 'herald_csrf',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', signed: true, secure: c.config.secureCookies },
  });
  // helmet's headers depend on nothing in the request, so they are worked out once and each
  // answer gets the same set (calling its middleware, or @fastify/helmet, per request showed in
  // profiles of the home page). Every log line carries the request's id, and so does the answer.
  const secureHeaders = headersOf(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          upgradeInsecureRequests: c.config.secureCookies ? [] : null,
        },
      },
      hsts: c.config.secureCookies,
    }),
  );
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(secureHeaders);
    reply.header('x-request-id', request.id);
    done();
  });
  // With REDIS_URL every process counts in Redis; if Redis fails, requests pass rather than fail.
  await app.register(fastifyRateLimit, {
    global: false,
    ...(c.redis ? { redis: c.redis, nameSpace: 'herald:rate-limit:', skipOnError: true } : {}),
  });
  // Hashed asset names, Cache-Control, Vary and ETag: src/http/assets.ts and http-cache.ts.
  registerAssets(app);
  registerHttpCache(app);

  let adminExists = false;
  const isSetupNeeded = async () => {
    if (adminExists) return false;
    adminExists = !(await c.auth.isSetupNeeded());
    return !adminExists;
  };

  // Every route with its access rule, for the access-matrix test and the API description.
  const routeList: RegisteredRoute[] = [];
  app.decorate('heraldRoutes', routeList);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routeList.push({ method, url: route.url, access: route.config?.access });
    }
  });

  registerErrorHandlers(app, c.mail.transportKind === 'dev-mailbox');
  registerAccessHooks(app, { auth: c.auth, isSetupNeeded });
  registerRoutes(app, c);
  return app;
}
