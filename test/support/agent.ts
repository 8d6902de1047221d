import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/**
 * A cookie-keeping client over `app.inject()`, like a browser without JavaScript: it reads the
 * CSRF token from the forms it is shown and sends it back with its posts.
 */
export class Agent {
  readonly cookies = new Map<string, string>();
  private csrf: string | null = null;

  constructor(
    private readonly app: FastifyInstance,
    private readonly ip = '127.0.0.1',
  ) {}

  /** The Cookie header this client sends. */
  cookieHeader(): string {
    // Values are kept decoded (as light-my-request gives them) and encoded again as a browser sends them.
    return [...this.cookies].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('; ');
  }

  private remember(response: LightMyRequestResponse): LightMyRequestResponse {
    for (const cookie of response.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const expired = cookie.maxAge === 0 || (cookie.expires && cookie.expires.getTime() <= Date.now());
      if (expired || cookie.value === '') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    const match = /name="_csrf" value="([^"]+)"/.exec(response.body);
    if (match?.[1]) this.csrf = match[1];
    return response;
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.remember(
      await this.app.inject({ method: 'GET', url, remoteAddress: this.ip, headers: { cookie: this.cookieHeader(), ...headers } }),
    );
  }

  /** A token from a form Herald rendered for this client. */
  async csrfToken(): Promise<string> {
    if (!this.csrf) {
      const page = await this.get('/password-reset');
      // Before setup every page leads to /setup, which has a form too.
      if (page.statusCode === 303 && page.headers.location) await this.get(String(page.headers.location));
    }
    if (!this.csrf) throw new Error('no CSRF token found in the page');
    return this.csrf;
  }

  /** Posts a form the way a browser does, with the CSRF token unless `csrf: false`. */
  async post(url: string, form: Record<string, string> = {}, options: { csrf?: boolean | string } = {}) {
    const token = options.csrf === false ? undefined : typeof options.csrf === 'string' ? options.csrf : await this.csrfToken();
    const payload = new URLSearchParams({ ...(token ? { _csrf: token } : {}), ...form }).toString();
    return this.remember(
      await this.app.inject({
        method: 'POST',
        url,
        remoteAddress: this.ip,
        payload,
        headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      }),
    );
  }

  /** A JSON API call with this client's cookies (and its CSRF token on writes). */
  async api(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) {
    const headers: Record<string, string> = { cookie: this.cookieHeader() };
    if (method !== 'GET') headers['x-csrf-token'] = await this.csrfToken();
    return this.remember(
      await this.app.inject({
        method,
        url,
        remoteAddress: this.ip,
        headers,
        ...(body === undefined ? {} : { payload: body as object }),
      }),
    );
  }
}

/** A JSON API call authenticated by a bearer token, with no cookies at all. */
export function bearer(app: FastifyInstance, token: string) {
  return (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
    app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });
}
