import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { formats, type Language, translator } from '../i18n/i18n.ts';
import type { Permission } from '../permissions.ts';
import type { Flash, PageContext } from '../views/layout.tsx';
import { assetUrl } from './assets.ts';
import { pageCsrfToken, setEtagSource } from './http-cache.ts';

/**
 * Who may reach a route: anyone (`public`), only signed-out visitors (`guest`), any signed-in
 * user (`signed-in`), or a signed-in user holding a permission of the table.
 */
export type Access = 'public' | 'guest' | 'signed-in' | Permission;

declare module 'fastify' {
  interface FastifyRequest {
    actor: import('../permissions.ts').Actor | null;
    sessionToken: string | null;
    flash: Flash | null;
    /** The language the answer is written in (see `pickLanguage`). */
    language: Language;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}

export const SESSION_COOKIE = 'herald_session';
/** The language an anonymous visitor chose with the footer switcher. */
export const LANGUAGE_COOKIE = 'herald_lang';
const FLASH_COOKIE = 'herald_flash';

export const isApiRequest = (request: FastifyRequest) => request.url.startsWith('/api/');

/** The layout's stylesheets under their content-hashed names (read when first asked for). */
export const assets = {
  get css() {
    return assetUrl('pico.min.css');
  },
  get appCss() {
    return assetUrl('app.css');
  },
};

/** Reads (and clears) the flash message left by the previous redirect. */
export function readFlash(request: FastifyRequest, reply: FastifyReply): Flash | null {
  const raw = request.cookies[FLASH_COOKIE];
  if (!raw) return null;
  reply.clearCookie(FLASH_COOKIE, { path: '/' });
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return null;
  try {
    const parsed = JSON.parse(unsigned.value) as Flash;
    return typeof parsed.message === 'string' && ['success', 'error', 'info'].includes(parsed.kind) ? parsed : null;
  } catch {
    return null;
  }
}

/** Redirects after a successful form (POST → redirect → GET) with a message for the next page. */
export function redirectWithFlash(reply: FastifyReply, url: string, kind: Flash['kind'], message: string) {
  reply.setCookie(FLASH_COOKIE, JSON.stringify({ kind, message }), {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    signed: true,
    maxAge: 60,
  });
  return reply.redirect(url, 303);
}

/** What every page gets from the request. `csrfToken` stands in for the token of a page rendered ahead (`renderTemplate`). */
export function pageContext(request: FastifyRequest, reply: FastifyReply, devMailbox: boolean, csrfToken?: string): PageContext {
  return {
    actor: request.actor,
    // Drawn only by pages with forms: a page without one sets no CSRF cookie and may be cached publicly.
    get csrfToken() {
      return csrfToken ?? pageCsrfToken(reply);
    },
    flash: request.flash,
    language: request.language,
    t: translator(request.language),
    format: formats(request.language, request.actor?.timeZone ?? 'UTC'),
    timeZone: request.actor?.timeZone ?? 'UTC',
    path: request.url.split('?')[0] ?? '/',
    query: request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '',
    devMailbox,
    assets,
  };
}

/** A page as HTML, with the HTML5 doctype. */
export const renderPage = (page: VNode): string => `<!doctype html>${renderToString(page)}`;

/** Sends a page's HTML; its Cache-Control and ETag come from http-cache.ts. */
export function sendHtml(reply: FastifyReply, html: string | Buffer, status = 200) {
  return reply.code(status).header('content-type', 'text/html; charset=utf-8').send(html);
}

/** Renders and sends a page. */
export const sendPage = (reply: FastifyReply, page: VNode, status = 200) => sendHtml(reply, renderPage(page), status);

/**
 * A page rendered ahead, to be cached and sent many times (see `sendTemplate`). Its forms carry a
 * nonce of this rendering, which no content of the page can contain, in place of a CSRF token.
 */
export function renderTemplate(page: (csrfToken: string) => VNode): string {
  const nonce = `csrf-${randomUUID()}`;
  return `${nonce}\n${renderPage(page(nonce))}`;
}

/**
 * Templates lately sent, as UTF-8 pieces between their nonces: a page sent many times is split and
 * encoded once, and each answer is the pieces joined by its token (one copy, no encoding).
 */
const templatePieces = new LRUCache<string, Buffer[]>({ max: 256 });

/** Sends a page made by `renderTemplate`, with this answer's own CSRF token in its forms. */
export function sendTemplate(reply: FastifyReply, template: string) {
  let pieces = templatePieces.get(template);
  if (pieces === undefined) {
    const at = template.indexOf('\n');
    pieces = template
      .slice(at + 1)
      .split(template.slice(0, at))
      .map((piece) => Buffer.from(piece));
    templatePieces.set(template, pieces);
  }
  setEtagSource(reply, template);
  if (pieces.length === 1) return sendHtml(reply, pieces[0] as Buffer);
  const token = Buffer.from(pageCsrfToken(reply));
  return sendHtml(reply, Buffer.concat(pieces.flatMap((piece, i) => (i === 0 ? [piece] : [token, piece]))));
}

/** A string value from a form body (first one if repeated), or undefined. */
export function formValues(body: unknown): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {};
  if (!body || typeof body !== 'object') return values;
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') values[key] = first;
  }
  return values;
}
