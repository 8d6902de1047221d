/**
 * The `herald` CLI as real processes: `start` holding the embedded database (lock file, forwarding
 * of CLI commands over the control channel, stale-lock takeover after kill -9), and every command
 * refusing bad input with a clear message and the documented exit code.
 *
 * With HERALD_TEST_PG_URL set (the runner's PostgreSQL pass) the same flow runs against a fresh
 * PostgreSQL database; the cases about the lock file only concern the embedded database.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { msg, translator } from '../../src/i18n/i18n.ts';
import { freePort } from '../support/net.ts';
import { createDatabase } from '../support/postgres.ts';

const HERALD = path.resolve(import.meta.dirname, '../../bin/herald.js');
const pgServerUrl = process.env.HERALD_TEST_PG_URL;
const embedded = !pgServerUrl;

/** Bounds for waits that only end a hung run; no assertion depends on how long anything takes. */
const COMMAND_LIMIT_MS = 60_000;
const READY_LIMIT_MS = 90_000;
const slow = { timeout: 180_000 };
const embeddedOnly = embedded ? slow : { ...slow, skip: 'embedded database only' };

/** Every variable Herald's configuration reads: the children get exactly the ones set here. */
const HERALD_VARIABLES = [
  'NODE_ENV',
  'HOST',
  'PORT',
  'BASE_URL',
  'DATA_DIR',
  'DATABASE_URL',
  'REDIS_URL',
  'SMTP_URL',
  'MAIL_FROM',
  'SECRET_KEY',
  'DKIM_DOMAIN',
  'DKIM_SELECTOR',
  'DKIM_PRIVATE_KEY',
  'TRUST_PROXY',
  'LOG_LEVEL',
  'LOGIN_MAX_FAILURES_PER_ADDRESS',
  'LOGIN_MAX_FAILURES_PER_IP',
  'LOGIN_FAILURE_WINDOW_SECONDS',
  'AUTH_RATE_LIMIT_PER_MINUTE',
  'SESSION_TTL_DAYS',
  'SEND_RATE_PER_SECOND',
  'SMTP_POOL_SIZE',
  'NODE_TEST_CONTEXT',
  // The CLI's language: unset, so the default (English) is what the tests see unless they ask.
  'HERALD_LANGUAGE',
  'LC_ALL',
  'LC_MESSAGES',
  'LANG',
];

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Launched {
  child: ChildProcess;
  pid: number;
  /** Set once the process has exited. */
  exit: Exit | null;
  exited: Promise<Exit>;
  output: { stdout: string; stderr: string };
}

interface Server extends Launched {
  port: number;
  base: string;
}

let workDir: string;
let dataDir: string;
let databaseUrl: string | undefined;
const running = new Set<Launched>();

before(async () => {
  workDir = mkdtempSync(path.join(os.tmpdir(), 'herald-cli-'));
  dataDir = path.join(workDir, 'data');
  if (pgServerUrl) databaseUrl = await createDatabase(pgServerUrl);
});

after(async () => {
  for (const launched of running) {
    if (launched.exit) continue;
    try {
      process.kill(launched.pid, 'SIGKILL');
    } catch {}
    await launched.exited;
  }
  rmSync(workDir, { recursive: true, force: true });
});

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !HERALD_VARIABLES.includes(name)));
  return {
    ...env,
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...extra,
  };
}

/** Starts `node bin/herald.js …` in the work directory (so no project `.env` is read). */
function launch(args: string[], env: Record<string, string> = {}): Launched {
  const child = spawn(process.execPath, [HERALD, ...args], {
    cwd: workDir,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    output.stdout += text;
  });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    output.stderr += text;
  });
  const launched: Launched = {
    child,
    pid: child.pid ?? -1,
    exit: null,
    output,
    exited: new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => {
        launched.exit = { code, signal, ...output };
        resolve(launched.exit);
      });
    }),
  };
  assert.ok(launched.pid > 0, `could not spawn herald ${args.join(' ')}`);
  running.add(launched);
  return launched;
}

/** Waits for a process to end; one that hangs is killed and fails the test. */
async function waitForExit(launched: Launched, what: string): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      try {
        process.kill(launched.pid, 'SIGKILL');
      } catch {}
      reject(new Error(`${what} did not exit\nstdout: ${launched.output.stdout}\nstderr: ${launched.output.stderr}`));
    }, COMMAND_LIMIT_MS);
  });
  try {
    return await Promise.race([launched.exited, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a CLI command to its end. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<Exit> {
  return waitForExit(launch(args, env), `herald ${args.join(' ')}`);
}

/** `herald start` on a free port, ready once /healthz answers (or failed once it exits). */
async function startServer(): Promise<Server> {
  const port = await freePort();
  const server: Server = Object.assign(launch(['start'], { PORT: String(port) }), { port, base: `http://127.0.0.1:${port}` });
  const deadline = Date.now() + READY_LIMIT_MS;
  while (Date.now() < deadline) {
    const exit = server.exit;
    if (exit) throw new Error(`herald start exited (${exit.code ?? exit.signal}) before it was ready:\n${exit.stderr}`);
    try {
      const response = await fetch(`${server.base}/healthz`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) return server;
    } catch {}
    await delay(100);
  }
  throw new Error(`herald start did not answer /healthz\nstderr: ${server.output.stderr}`);
}

async function stopServer(server: Server, signal: NodeJS.Signals): Promise<Exit> {
  process.kill(server.pid, signal);
  return waitForExit(server, `herald start (after ${signal})`);
}

const get = (server: Server, url: string, cookie?: string) =>
  fetch(`${server.base}${url}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });

function cookiesOf(response: Response): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(';');
    const index = pair!.indexOf('=');
    cookies.set(pair!.slice(0, index).trim(), pair!.slice(index + 1).trim());
  }
  return cookies;
}

/** Posts the real login form like a browser: CSRF token from the page, its cookie sent back. */
async function logIn(server: Server, email: string, password: string): Promise<{ status: number; session: string | undefined }> {
  const form = await get(server, '/login');
  assert.equal(form.status, 200, 'GET /login shows the form');
  const html = await form.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  const csrfCookie = cookiesOf(form).get('herald_csrf');
  assert.ok(csrf, 'the login form carries a _csrf field');
  assert.ok(csrfCookie, 'GET /login sets the herald_csrf cookie');
  const response = await fetch(`${server.base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `herald_csrf=${csrfCookie}` },
    body: new URLSearchParams({ _csrf: csrf, email, password }).toString(),
  });
  await response.arrayBuffer();
  return { status: response.status, session: cookiesOf(response).get('herald_session') };
}

/** Logs in and returns the account as the API shows it to its owner. */
async function assertLogsIn(server: Server, email: string, password: string) {
  const { status, session } = await logIn(server, email, password);
  assert.equal(status, 303, `${email} can log in`);
  assert.ok(session, 'a session cookie is set');
  const me = await get(server, '/api/v1/me', `herald_session=${session}`);
  assert.equal(me.status, 200);
  const account = (await me.json()) as { email: string; role: string; fullName: string };
  assert.equal(account.email, email);
  return account;
}

async function assertCannotLogIn(server: Server, email: string, password: string) {
  const { status, session } = await logIn(server, email, password);
  assert.equal(status, 401, `${email} cannot log in with that password`);
  assert.equal(session, undefined);
}

/** A refusal: the exit code, a message on stderr starting "Error:", nothing on stdout. */
function assertRefused(result: Exit, code: number, message: RegExp) {
  assert.equal(result.code, code, `exit code\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  assert.match(result.stderr, message);
  if (code === 1) assert.match(result.stderr, /^Error: /);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(result.stdout, '');
}

/** A refusal in Russian: the exit code, a message on stderr, nothing on stdout, no English "Error:". */
function assertRefusedInRussian(result: Exit, code: number, message: RegExp) {
  assert.equal(result.code, code, `exit code\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  assert.match(result.stderr, message);
  assert.match(result.stderr, /^(Ошибка|ошибка): /);
  assert.doesNotMatch(result.stderr, /\berror\b/i);
  assert.equal(result.stdout, '');
}

const RUSSIAN = { LANG: 'ru_RU.UTF-8' };
const russian = translator('ru');
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const lockFile = () => path.join(dataDir, 'herald.lock');
const controlFile = () => path.join(dataDir, 'control.json');
const lockHolder = () => (JSON.parse(readFileSync(lockFile(), 'utf8')) as { pid: number }).pid;

const ADMIN = { email: 'first-admin@example.com', password: 'first-admin-password-1', name: 'First Admin' };
const SECOND = { email: 'second-admin@example.com', password: 'second-admin-password-2', name: 'Second Admin' };
const OPS = { email: 'ops@example.com', password: 'ops-person-password-3' };
const createAdmin = (account: { email: string; password: string; name?: string }) =>
  cli([
    'create-admin',
    '--email',
    account.email,
    '--password',
    account.password,
    ...(account.name ? ['--name', account.name] : []),
  ]);

describe(`herald CLI as processes (${embedded ? 'embedded PGlite' : 'PostgreSQL'})`, () => {
  let server: Server | undefined;
  const current = () => {
    assert.ok(server, 'a server from an earlier step is running');
    return server;
  };

  test('start on a new DATA_DIR serves /healthz and sends / to /setup', slow, async () => {
    server = await startServer();
    const health = await get(server, '/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const home = await get(server, '/');
    assert.equal(home.status, 303);
    assert.equal(home.headers.get('location'), '/setup');
    assert.equal((await get(server, '/setup')).status, 200);
    if (embedded) {
      assert.equal(lockHolder(), server.pid, 'the server holds the data-directory lock');
      assert.ok(existsSync(controlFile()), 'the server publishes its control channel');
    }
  });

  test('create-admin while the server runs is carried out by it; the admin logs in and /setup is gone', slow, async () => {
    const s = current();
    const result = await createAdmin(ADMIN);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`Admin ${ADMIN.email} created`));
    if (embedded) assert.equal(lockHolder(), s.pid, 'the CLI did not take the lock: the server ran the command');
    const account = await assertLogsIn(s, ADMIN.email, ADMIN.password);
    assert.equal(account.role, 'admin');
    assert.equal(account.fullName, ADMIN.name);
    assert.equal((await get(s, '/setup')).status, 404);
    assert.equal((await get(s, '/')).status, 200);
  });

  test('set-role while the server runs changes the role', slow, async () => {
    const s = current();
    assert.equal((await createAdmin(OPS)).code, 0);
    const result = await cli(['set-role', OPS.email, 'manager', '--reason', 'moved to operations']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`${OPS.email} is now manager`));
    assert.equal((await assertLogsIn(s, OPS.email, OPS.password)).role, 'manager');
  });

  test('bad input while the server runs: clear message, exit code, nothing written', slow, async () => {
    const s = current();
    const shortPassword = { email: 'short-password@example.com', password: 'short' };
    // Independent refusals, so they run side by side (the server takes forwarded commands concurrently).
    const [noEmail, badEmail, tooShort, taken, badRole, unknownUser, unknownCommand] = await Promise.all([
      cli(['create-admin', '--password', 'some-long-password-1']),
      createAdmin({ email: 'not-an-address', password: 'some-long-password-1' }),
      createAdmin(shortPassword),
      createAdmin({ email: ADMIN.email, password: 'another-password-99', name: 'Intruder' }),
      cli(['set-role', OPS.email, 'overlord']),
      cli(['set-role', 'nobody@example.com', 'manager']),
      cli(['frobnicate']),
    ]);
    assertRefused(noEmail!, 2, /--email/);
    assertRefused(badEmail!, 1, /e-mail/i);
    assertRefused(tooShort!, 1, /password/i);
    assertRefused(taken!, 1, /already exists/);
    assertRefused(badRole!, 2, /overlord|role/i);
    assertRefused(unknownUser!, 1, /not found/i);
    assertRefused(unknownCommand!, 2, /unknown command/i);

    await assertCannotLogIn(s, shortPassword.email, shortPassword.password);
    await assertCannotLogIn(s, ADMIN.email, 'another-password-99');
    assert.equal(
      (await assertLogsIn(s, ADMIN.email, ADMIN.password)).fullName,
      ADMIN.name,
      'the refused duplicate changed nothing',
    );
    assert.equal((await assertLogsIn(s, OPS.email, OPS.password)).role, 'manager', 'the refused set-role changed nothing');
    assert.equal((await get(s, '/healthz')).status, 200, 'the server is unharmed');
    if (embedded) assert.equal(lockHolder(), s.pid);
  });

  test('import-recipients while the server runs: summary with bad rows, bad arguments refused', slow, async () => {
    const s = current();
    const file = path.join(workDir, 'people.csv');
    writeFileSync(file, 'email,name\nann@example.com,Ann\nbad-address,Bad\nANN@example.com,Ann again\n');
    const result = await cli(['import-recipients', file, '--owner', ADMIN.email]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /3 rows read for .*: 1 row imported, 1 duplicate row skipped, 1 row skipped as invalid\./);
    assert.match(result.stdout, /line 3: Enter a valid e-mail address/);
    const { session } = await logIn(s, ADMIN.email, ADMIN.password);
    const list = (await (await get(s, '/api/v1/recipients', `herald_session=${session}`)).json()) as { total: number };
    assert.equal(list.total, 1);

    writeFileSync(path.join(workDir, 'no-header.csv'), 'ann@example.com,Ann\n');
    const [noOwner, unknownOwner, missingFile, noHeader] = await Promise.all([
      cli(['import-recipients', file]),
      cli(['import-recipients', file, '--owner', 'ghost@example.com']),
      cli(['import-recipients', path.join(workDir, 'missing.csv'), '--owner', ADMIN.email]),
      cli(['import-recipients', path.join(workDir, 'no-header.csv'), '--owner', ADMIN.email]),
    ]);
    assertRefused(noOwner!, 2, /--owner/);
    assertRefused(unknownOwner!, 1, /No user has the e-mail/);
    assertRefused(missingFile!, 1, /cannot read/);
    assertRefused(noHeader!, 1, /header with an e-mail column/);
    const after = (await (await get(s, '/api/v1/recipients', `herald_session=${session}`)).json()) as { total: number };
    assert.equal(after.total, 1, 'the refused imports wrote nothing');
  });

  test('in Russian (LANG=ru_RU.UTF-8) the running server answers in the caller’s language', slow, async () => {
    const file = path.join(workDir, 'people-ru.csv');
    writeFileSync(
      file,
      'email,name\nboris@example.com,Boris\nvera@example.com,Vera\nnot-an-address,X\nBORIS@example.com,Boris again\nalso bad,Y\n',
    );
    const missing = path.join(workDir, 'missing.csv');
    const [report, missingFile, unknownOwner, noOwner, badRole, help, pinnedEnglish] = await Promise.all([
      cli(['import-recipients', file, '--owner', ADMIN.email], RUSSIAN),
      cli(['import-recipients', missing, '--owner', ADMIN.email], RUSSIAN),
      cli(['import-recipients', file, '--owner', 'ghost@example.com'], { HERALD_LANGUAGE: 'ru' }),
      cli(['import-recipients', file], RUSSIAN),
      cli(['set-role', OPS.email, 'overlord'], RUSSIAN),
      cli(['help', 'send'], RUSSIAN),
      cli(['import-recipients', missing, '--owner', ADMIN.email], { ...RUSSIAN, HERALD_LANGUAGE: 'en' }),
    ]);
    assert.equal(report!.code, 0, report!.stderr);
    assert.match(
      report!.stdout,
      /^Для first-admin@example\.com прочитано 5 строк: 2 строки импортированы, 1 повтор пропущен, 2 неверные строки пропущены\.\n {2}строка 4: .+\n {2}строка 6: /,
    );
    assert.doesNotMatch(report!.stdout, /rows|imported|skipped|line \d/);

    assertRefusedInRussian(missingFile!, 1, new RegExp(`^Ошибка: не удаётся прочитать ${escapeRegExp(missing)}\\.\\n$`));
    const noSuchUser = russian(msg('No user has the e-mail {{email}}.', { email: 'ghost@example.com' }));
    assert.equal(unknownOwner!.stderr, `Ошибка: ${noSuchUser}\n`, 'the service’s refusal, in the caller’s language');
    assertRefusedInRussian(noOwner!, 2, /^ошибка: не указан обязательный параметр «--owner <email>»/);
    assertRefusedInRussian(badRole!, 2, /^ошибка: недопустимое значение «overlord» аргумента «role»\. Допустимые значения: /);
    assert.equal(help!.code, 0, help!.stderr);
    assert.match(help!.stdout, /запустить рассылку сейчас и следить за запуском/);
    assert.match(help!.stdout, /mailing-id +рассылка, которую нужно отправить/);
    assertRefused(pinnedEnglish!, 1, /^Error: cannot read .*missing\.csv\.\n$/);
    if (embedded) assert.equal(lockHolder(), current().pid, 'the server carried the commands out');
  });

  test('migrate while the server runs exits 0', slow, async () => {
    const result = await cli(['migrate']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /up to date/);
    if (embedded) assert.equal(lockHolder(), current().pid);
  });

  test(
    'a second start on the same DATA_DIR is refused, naming the running PID; the first keeps working',
    embeddedOnly,
    async () => {
      const s = current();
      const second = await cli(['start'], { PORT: String(await freePort()) });
      assert.notEqual(second.code, 0);
      assert.match(second.stderr, /^Error: /);
      assert.match(second.stderr, new RegExp(`PID ${s.pid}\\b`));
      assert.equal(lockHolder(), s.pid, 'the refused start left the lock alone');
      assert.equal((JSON.parse(readFileSync(controlFile(), 'utf8')) as { pid: number }).pid, s.pid);
      assert.equal((await get(s, '/healthz')).status, 200);
      assert.equal((await assertLogsIn(s, ADMIN.email, ADMIN.password)).role, 'admin');
    },
  );

  test('SIGTERM stops the server with exit code 0 and releases the data directory', slow, async () => {
    const exit = await stopServer(current(), 'SIGTERM');
    server = undefined;
    assert.equal(exit.signal, null);
    assert.equal(exit.code, 0, exit.stderr);
    if (embedded) {
      assert.equal(existsSync(lockFile()), false, 'the lock file is removed');
      assert.equal(existsSync(controlFile()), false, 'the control channel file is removed');
    }
  });

  test('create-admin with the server stopped opens the database itself', slow, async () => {
    const result = await createAdmin(SECOND);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`Admin ${SECOND.email} created`));
    if (embedded) assert.equal(existsSync(lockFile()), false, 'the CLI released the lock it took');
  });

  test('bad input with the server stopped: clear message, exit code, nothing written', slow, async () => {
    // The commands that open the database take the lock one after another; those refused before
    // that (arguments, configuration) run alongside.
    const opensDatabase = async () => [
      await createAdmin({ email: 'another-short@example.com', password: 'tiny' }),
      await createAdmin({ email: SECOND.email, password: 'some-long-password-1' }),
      await cli(['set-role', 'nobody@example.com', 'user']),
    ];
    const [[tooShort, taken, unknownUser], badRole, unknownCommand, badPort] = await Promise.all([
      opensDatabase(),
      cli(['set-role', SECOND.email, 'emperor']),
      cli(['frobnicate']),
      cli(['start'], { PORT: 'abc' }),
    ]);
    assertRefused(tooShort!, 1, /password/i);
    assertRefused(taken!, 1, /already exists/);
    assertRefused(unknownUser!, 1, /not found/i);
    assertRefused(badRole!, 2, /emperor|role/i);
    assertRefused(unknownCommand!, 2, /unknown command/i);
    assertRefused(badPort!, 2, /^Configuration error: PORT: /);
    if (embedded) assert.equal(existsSync(lockFile()), false, 'nothing holds the data directory');
  });

  test('migrate with the server stopped exits 0', slow, async () => {
    const result = await cli(['migrate']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /up to date/);
    if (embedded) assert.equal(existsSync(lockFile()), false);
  });

  test('start again: the admins created while running and while stopped both log in', slow, async () => {
    server = await startServer();
    assert.equal((await assertLogsIn(server, ADMIN.email, ADMIN.password)).role, 'admin');
    const second = await assertLogsIn(server, SECOND.email, SECOND.password);
    assert.equal(second.role, 'admin');
    assert.equal(second.fullName, SECOND.name);
    await assertCannotLogIn(server, 'another-short@example.com', 'tiny');
    assert.equal((await assertLogsIn(server, OPS.email, OPS.password)).role, 'manager');
    assert.equal((await get(server, '/setup')).status, 404);
  });

  test('after kill -9 the next start takes over the stale lock and the data are intact', embeddedOnly, async () => {
    const killed = current();
    const exit = await stopServer(killed, 'SIGKILL');
    server = undefined;
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(lockHolder(), killed.pid, 'the killed server left its lock behind');

    server = await startServer();
    assert.equal(lockHolder(), server.pid, 'the new server took the stale lock over');
    assert.equal((await assertLogsIn(server, ADMIN.email, ADMIN.password)).role, 'admin');
    assert.equal((await assertLogsIn(server, SECOND.email, SECOND.password)).role, 'admin');
    assert.equal((await assertLogsIn(server, OPS.email, OPS.password)).role, 'manager');
  });

  test('after kill -9 a CLI command takes over the stale lock itself', embeddedOnly, async () => {
    const killed = current();
    await stopServer(killed, 'SIGKILL');
    server = undefined;
    assert.equal(lockHolder(), killed.pid);

    const third = { email: 'third-admin@example.com', password: 'third-admin-password-3' };
    const created = await createAdmin(third);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(existsSync(lockFile()), false, 'the CLI released the lock it took over');
    // The account was written: creating it again is refused.
    assertRefused(await createAdmin(third), 1, /already exists/);
  });
});

describe(`herald seed-demo as a process (${embedded ? 'embedded PGlite' : 'PostgreSQL'})`, () => {
  const demoAccounts = ['admin@demo.herald.test', 'manager@demo.herald.test', 'ada@demo.herald.test', 'grace@demo.herald.test'];
  let demoEnv: Record<string, string>;
  before(async () => {
    demoEnv = {
      DATA_DIR: path.join(workDir, 'demo-data'),
      ...(pgServerUrl ? { DATABASE_URL: await createDatabase(pgServerUrl) } : {}),
    };
  });

  test('on a new database it adds the demo data and prints the accounts and the password', slow, async () => {
    const result = await cli(['seed-demo'], demoEnv);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Demo data added\. .* with the password herald-demo-password:/);
    for (const email of demoAccounts) assert.match(result.stdout, new RegExp(email.replaceAll('.', '\\.')));
    assert.match(result.stdout, /ada@demo\.herald\.test \(Europe\/Moscow\): 25 recipients, 2 messages, 3 mailings/);
    if (embedded) assert.equal(existsSync(path.join(demoEnv.DATA_DIR!, 'herald.lock')), false, 'the lock is released');
  });

  test('again it is refused, and with --force it adds nothing twice', slow, async () => {
    // Neither outcome depends on the other, so both run at once (on PGlite one waits for the lock).
    const [again, forced] = await Promise.all([cli(['seed-demo'], demoEnv), cli(['seed-demo', '--force'], demoEnv)]);
    assertRefused(again!, 1, /the database already has data; use --force to add demo data anyway/);
    assert.equal(forced!.code, 0, forced!.stderr);
    assert.match(forced!.stdout, /^Nothing added\./);
    for (const email of demoAccounts)
      assert.match(forced!.stdout, new RegExp(`${email.replaceAll('.', '\\.')}: the account exists`));
  });

  test('in Russian the refusal and the summary are Russian; the demo content stays as it is', slow, async () => {
    const env = { ...demoEnv, ...RUSSIAN };
    const [again, forced] = await Promise.all([cli(['seed-demo'], env), cli(['seed-demo', '--force'], env)]);
    assertRefusedInRussian(
      again!,
      1,
      /^Ошибка: в базе данных уже есть данные; чтобы всё равно добавить демонстрационные данные, используйте --force\.\n$/,
    );
    assert.equal(forced!.code, 0, forced!.stderr);
    assert.match(forced!.stdout, /^Ничего не добавлено\.\nПропущено, чтобы ничего не добавить дважды:\n/);
    assert.match(forced!.stdout, /admin@demo\.herald\.test: учётная запись уже существует/);
    assert.doesNotMatch(forced!.stdout, /added|exists/);
  });
});

describe(`herald send and send-due as processes (${embedded ? 'embedded PGlite' : 'PostgreSQL'})`, () => {
  let sendEnv: Record<string, string>;
  before(async () => {
    sendEnv = {
      DATA_DIR: path.join(workDir, 'send-data'),
      ...(pgServerUrl ? { DATABASE_URL: await createDatabase(pgServerUrl) } : {}),
    };
    assert.equal((await cli(['seed-demo'], sendEnv)).code, 0);
  });

  test('send runs a mailing to the end with a summary; a completed one and bad ids are refused', slow, async () => {
    const result = await cli(['send', '1'], sendEnv);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Run #1 of mailing 1: 25 sent, 0 failed, 0 suppressed, 0 unknown, of 25\./);
    const [again, unknown, text, none] = await Promise.all([
      cli(['send', '1'], sendEnv),
      cli(['send', '999999'], sendEnv),
      cli(['send', 'abc'], sendEnv),
      cli(['send'], sendEnv),
    ]);
    assertRefused(again!, 1, /completed/);
    assertRefused(unknown!, 1, /not found/);
    assertRefused(text!, 1, /not found/);
    assertRefused(none!, 2, /mailing-id/);
  });

  test('in Russian: the summary of a run, the refusal reason and the send-due figures', slow, async () => {
    // Mailing 4 is the second demo owner's one-off mailing, not sent yet.
    const sent = await cli(['send', '4'], { ...sendEnv, ...RUSSIAN });
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(
      sent.stdout,
      /^Запуск №\d+ рассылки 4: отправлено 25, не доставлено 0, в стоп-листе 0, неизвестно 0, всего 25\.\n$/,
    );
    const [again, due, bad] = await Promise.all([
      cli(['send', '4'], { ...sendEnv, ...RUSSIAN }),
      cli(['send-due'], { ...sendEnv, HERALD_LANGUAGE: 'ru' }),
      cli(['send'], { ...sendEnv, ...RUSSIAN }),
    ]);
    const completed = russian('The mailing is completed; duplicate it to send again.');
    assert.equal(again!.code, 1);
    assert.equal(again!.stderr, `Ошибка: ${completed}\n`);
    assert.equal(due!.code, 0, due!.stderr);
    assert.equal(due!.stdout, 'Начато и отправлено 0 запусков, пропущено 0 устаревших срабатываний.\n');
    assertRefusedInRussian(bad!, 2, /^ошибка: не указан обязательный аргумент «mailing-id»/);
  });

  test('send-due starts and sends what is due (nothing here) and says so', slow, async () => {
    const result = await cli(['send-due'], sendEnv);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^0 runs started and sent, 0 occurrences skipped as too old\./);
  });

  test('a worker or a web-only process on the embedded database explains why not', {
    ...slow,
    skip: embedded ? false : 'PostgreSQL has workers',
  }, async () => {
    assertRefused(await cli(['worker'], sendEnv), 2, /a worker needs DATABASE_URL/);
    assertRefused(await cli(['web'], sendEnv), 2, /a web-only process needs DATABASE_URL/);
  });
});
