/**
 * The servers of `npm run bench:web`, each in a process of its own: Herald (`herald start`) on a
 * database seeded for the benchmark, and the bare Fastify hello-world it is compared with. Also
 * the one login over HTTP that gives the benchmark a session cookie.
 */
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { createContainer } from '../src/container.ts';
import { SESSION_COOKIE } from '../src/http/context.ts';
import { PASSWORD } from '../test/support/accounts.ts';
import { freePort } from '../test/support/net.ts';
import type { Cleanup } from './cleanup.ts';
import { heraldEnv, tempDir } from './herald.ts';
import { HERALD_BIN, type HeraldProcess, startHeraldProcess } from './processes.ts';
import { seedMailing } from './seed.ts';

/**
 * Herald's only HTTP rate limit is per client IP on the login, registration and reset forms
 * (AUTH_RATE_LIMIT_PER_MINUTE); the pages measured carry none. All the load comes from 127.0.0.1,
 * so it is raised anyway: a limit must never be what a figure measures.
 */
export const HTTP_LIMITS: Record<string, string> = { AUTH_RATE_LIMIT_PER_MINUTE: '1000000' };

/** Extra mailings of the same recipients besides the one `seedMailing` makes, so the lists are not trivially short. */
const EXTRA_MAILINGS = 2;

export interface HeraldSite {
  url: string;
  process: HeraldProcess;
  recipients: number;
  mailings: number;
  seedSeconds: number;
  /** The `Cookie` header of the user who owns the recipients: the session and the CSRF secret. */
  browserCookies: string;
  /** A personal API token of that user. */
  apiToken: string;
  /** The mailing of all the recipients (`seedMailing`'s; its duplicates are not counted here). */
  mailingId: number;
  /** With `split`: the `herald worker` next to `herald web` (`process`). */
  worker?: HeraldProcess;
}

/**
 * Seeds through Herald's container (its own services, and `generate_series` for the recipients)
 * in this process, before Herald starts: an admin as `herald create-admin` makes one, a user with
 * `recipients` recipients and a few mailings of them, and that user's API token.
 */
async function seed(env: Record<string, string>, recipients: number) {
  const c = await createContainer(loadConfig(env), {
    command: 'herald bench:web seed',
    logger: pino({ level: 'warn' }, pino.destination(2)),
  });
  try {
    await c.auth.createAdmin({
      email: 'admin@herald.bench.example',
      fullName: 'Benchmark Admin',
      password: PASSWORD,
      passwordConfirm: PASSWORD,
    });
    const seeded = await seedMailing(c, { recipients, bodyBytes: 1500 });
    for (let i = 0; i < EXTRA_MAILINGS; i++) await c.mailings.duplicateMailing(seeded.owner, seeded.mailingId);
    const { token } = await c.auth.createApiToken(seeded.owner, { name: 'bench:web' });
    // PostgreSQL's autovacuum would do this within a minute of the bulk insert: done now, it cannot
    // land in the middle of a measurement, and the planner has statistics from the first request.
    // PGlite has no autovacuum, so its tables stay as a real embedded install's are.
    if (c.config.databaseUrl) await c.db.execute(sql`VACUUM ANALYZE`);
    return { email: seeded.owner.email, apiToken: token, mailings: 1 + EXTRA_MAILINGS, mailingId: seeded.mailingId };
  } finally {
    await c.close();
  }
}

/** Resolves once `url` answers 200; fails if the process exits first or nothing answers within a minute. */
async function waitUntilServing(url: string, p: HeraldProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (p.exited()) throw new Error(`the process exited with ${await p.exit} before serving:\n${p.logTail()}`);
    const status = await fetch(url).then(
      (response) => response.arrayBuffer().then(() => response.status),
      () => 0,
    );
    if (status === 200) return;
    await delay(100);
  }
  throw new Error(`${url} did not answer 200 within 60 s:\n${p.logTail()}`);
}

/** `name=value` of every cookie a response sets. */
const cookiesOf = (response: Response) => response.headers.getSetCookie().map((cookie) => cookie.split(';')[0] ?? '');

/**
 * Logs in through the form as a browser without JavaScript does (CSRF cookie and token from GET
 * /login). Returns the cookies a browser then sends with every request: the session and the CSRF
 * secret that the pages' forms are signed for (without it, every page would draw a new secret).
 */
export async function logIn(baseUrl: string, email: string, password = PASSWORD): Promise<string> {
  const form = await fetch(`${baseUrl}/login`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!csrf) throw new Error(`no CSRF token in the login page (status ${form.status})`);
  const response = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookiesOf(form).join('; '), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, email, password }),
  });
  await response.arrayBuffer();
  const session = cookiesOf(response).find((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`));
  if (response.status !== 303 || !session) throw new Error(`login as ${email} answered ${response.status} without a session`);
  const csrfSecret = cookiesOf(form).filter((cookie) => cookie.startsWith('herald_csrf='));
  return [session, ...csrfSecret].join('; ');
}

/**
 * Seeds a fresh database (PostgreSQL at `databaseUrl`, or PGlite in a new DATA_DIR) and starts
 * `herald start` on it, listening on a free loopback port, then logs the recipients' owner in.
 * With `split` (PostgreSQL only) it starts Herald as deployed in two processes instead:
 * `herald web` and `herald worker`, sending to `smtpUrl`.
 */
export async function startHerald(
  cleanup: Cleanup,
  options: { recipients: number; databaseUrl?: string; nodeFlags?: string[]; smtpUrl?: string; split?: boolean },
): Promise<HeraldSite> {
  const dataDir = tempDir(cleanup, options.databaseUrl ? 'web-pg' : 'web-pglite');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // By default nothing listens there: no e-mail is due while the benchmark runs, and none must leave.
  const smtpUrl = options.smtpUrl ?? `smtp://127.0.0.1:${await freePort()}`;
  const env = {
    ...heraldEnv({ dataDir, smtpUrl, databaseUrl: options.databaseUrl }),
    HOST: '127.0.0.1',
    PORT: String(port),
    BASE_URL: url,
    ...HTTP_LIMITS,
  };
  const started = performance.now();
  const seeded = await seed(env, options.recipients);
  const seedSeconds = (performance.now() - started) / 1000;
  const flags = options.nodeFlags ?? [];
  const p = startHeraldProcess(cleanup, [...flags, HERALD_BIN, options.split ? 'web' : 'start'], env, dataDir);
  const worker = options.split ? startHeraldProcess(cleanup, [...flags, HERALD_BIN, 'worker'], env, dataDir) : undefined;
  await waitUntilServing(`${url}/readyz`, p);
  if (worker?.exited()) throw new Error(`herald worker exited with ${await worker.exit}:\n${worker.logTail()}`);
  const browserCookies = await logIn(url, seeded.email);
  return {
    url,
    process: p,
    recipients: options.recipients,
    mailings: seeded.mailings,
    seedSeconds,
    browserCookies,
    apiToken: seeded.apiToken,
    mailingId: seeded.mailingId,
    ...(worker ? { worker } : {}),
  };
}

const HELLO_SCRIPT = path.join(import.meta.dirname, 'hello.ts');

/** Starts bench/hello.ts (through tsx, the loader only: the code it runs is the same) on a free loopback port. */
export async function startHello(cleanup: Cleanup): Promise<{ url: string; process: HeraldProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const args = ['--import', import.meta.resolve('tsx'), HELLO_SCRIPT];
  const p = startHeraldProcess(cleanup, args, { NODE_ENV: 'production', PORT: String(port) }, import.meta.dirname);
  await waitUntilServing(url, p);
  return { url, process: p };
}
