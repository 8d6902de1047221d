import { type APIRequestContext, type Browser, chromium } from 'playwright-core';
import { ensureAdmin, PASSWORD } from './accounts.ts';
import { createTestApp, type TestApp } from './app.ts';
import { freePort } from './net.ts';

/** Debian's Chromium, headless, with everything that would reach the network on its own turned off. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export interface ServedApp extends TestApp {
  /** Where the browser reaches this app, and the base of the links in its mails. */
  baseUrl: string;
}

/**
 * A test app listening on 127.0.0.1. The port is chosen before the app is built, so BASE_URL (and
 * with it the links in mails) points at the address the browser uses. `close()` stops the
 * listener with the app. Should another process take the port in between, a new one is tried.
 */
export async function serveTestApp(options: Parameters<typeof createTestApp>[0] = {}): Promise<ServedApp> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const t = await createTestApp({ ...options, env: { ...options.env, BASE_URL: baseUrl, PORT: String(port) } });
    try {
      await t.app.listen({ host: '127.0.0.1', port });
    } catch (error) {
      await t.close();
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 5) continue;
      throw error;
    }
    const address = t.app.server.address();
    if (typeof address !== 'object' || address?.port !== port) {
      await t.close();
      throw new Error(`the app listens on ${JSON.stringify(address)}, not on port ${port}`);
    }
    return Object.assign(t, { baseUrl });
  }
}

/** Chromium and a served app with an admin: what most browser test files share. */
export interface BrowserAndApp {
  browser: Browser;
  t: ServedApp;
}

/**
 * Starts Chromium and a served app side by side (an app takes seconds to migrate) and makes sure
 * the app has an admin, so no page leads to /setup. When anything fails, whatever did start is
 * stopped before the error is thrown.
 */
export async function startBrowserAndApp(options: Parameters<typeof serveTestApp>[0] = {}): Promise<BrowserAndApp> {
  const [browser, app] = await Promise.allSettled([launchBrowser(), serveTestApp(options)]);
  try {
    if (browser.status === 'rejected') throw browser.reason;
    if (app.status === 'rejected') throw app.reason;
    await ensureAdmin(app.value);
    return { browser: browser.value, t: app.value };
  } catch (error) {
    if (browser.status === 'fulfilled') await browser.value.close();
    if (app.status === 'fulfilled') await app.value.close();
    throw error;
  }
}

/** Stops what `startBrowserAndApp` started (either may be missing when starting failed). */
export async function stopBrowserAndApp(started: Partial<BrowserAndApp>): Promise<void> {
  await started.browser?.close();
  await started.t?.close();
}

/**
 * Posts the login form over HTTP, as a browser without JavaScript would (a GET for the CSRF token,
 * then the POST), in the cookie jar of `request` — a browser context's `context.request` logs
 * that context in. Returns the status of the POST: 303 on success.
 */
export async function postLogin(request: APIRequestContext, baseUrl: string, email: string, password = PASSWORD) {
  const form = await request.get(`${baseUrl}/login`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!csrf) throw new Error(`no CSRF token in the login page (status ${form.status()})`);
  const response = await request.post(`${baseUrl}/login`, { form: { _csrf: csrf, email, password }, maxRedirects: 0 });
  return response.status();
}

/** Logs a browser context in through HTTP (not by typing); throws unless Herald accepts. */
export async function loginOverHttp(request: APIRequestContext, baseUrl: string, email: string, password = PASSWORD) {
  const status = await postLogin(request, baseUrl, email, password);
  if (status !== 303) throw new Error(`login over HTTP failed with ${status}`);
}
