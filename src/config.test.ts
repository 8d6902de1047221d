import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

const SECRET = 'a-secret-key-that-is-long-enough-0123456789';
const dkimKey = generateKeyPairSync('rsa', { modulusLength: 1024 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'herald-config-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const secretFile = () => path.join(dataDir, 'secret.key');

describe('loadConfig', () => {
  test('defaults: port 3000, base URL on localhost, cookies not secure', () => {
    const config = loadConfig({ DATA_DIR: dataDir, SECRET_KEY: SECRET });
    assert.equal(config.port, 3000);
    assert.equal(config.baseUrl, 'http://localhost:3000');
    assert.equal(config.secureCookies, false);
    assert.equal(config.dataDir, path.resolve(dataDir));
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.smtpUrl, undefined);
    assert.equal(config.dkim, undefined);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.trustProxy, false);
    assert.equal(config.secretKey, SECRET);
  });

  test('the default base URL follows PORT; empty values count as unset', () => {
    assert.equal(loadConfig({ DATA_DIR: dataDir, SECRET_KEY: SECRET, PORT: '8080' }).baseUrl, 'http://localhost:8080');
    const config = loadConfig({ DATA_DIR: dataDir, SECRET_KEY: SECRET, PORT: '', BASE_URL: '', DATABASE_URL: '' });
    assert.equal(config.port, 3000);
    assert.equal(config.baseUrl, 'http://localhost:3000');
    assert.equal(config.databaseUrl, undefined);
  });

  test('an https BASE_URL turns on secure cookies; a trailing slash is dropped', () => {
    const config = loadConfig({ DATA_DIR: dataDir, SECRET_KEY: SECRET, BASE_URL: 'https://mail.example.com/' });
    assert.equal(config.baseUrl, 'https://mail.example.com');
    assert.equal(config.secureCookies, true);
  });

  test('good values are taken as given', () => {
    const config = loadConfig({
      DATA_DIR: dataDir,
      SECRET_KEY: SECRET,
      PORT: '0',
      DATABASE_URL: 'postgresql://u:p@db:5432/herald',
      SMTP_URL: 'smtps://u:p@smtp.example.com:465',
      DKIM_DOMAIN: 'example.com',
      DKIM_SELECTOR: 'herald',
      DKIM_PRIVATE_KEY: dkimKey,
      LOG_LEVEL: 'warn',
    });
    assert.equal(config.port, 0);
    assert.equal(config.databaseUrl, 'postgresql://u:p@db:5432/herald');
    assert.equal(config.smtpUrl, 'smtps://u:p@smtp.example.com:465');
    assert.deepEqual(config.dkim, { domain: 'example.com', selector: 'herald', privateKey: dkimKey });
    assert.equal(config.logLevel, 'warn');
  });

  const bad: [string, Record<string, string>, string | RegExp][] = [
    ['PORT=abc', { PORT: 'abc' }, 'PORT'],
    ['PORT=70000', { PORT: '70000' }, 'PORT'],
    ['PORT=-1', { PORT: '-1' }, 'PORT'],
    ['DATABASE_URL=mysql://x', { DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    ['DATABASE_URL=not a url', { DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    ['SMTP_URL=http://x', { SMTP_URL: 'http://x' }, 'SMTP_URL'],
    ['SMTP_URL=smtp.example.com', { SMTP_URL: 'smtp.example.com' }, 'SMTP_URL'],
    ['BASE_URL=ftp://x', { BASE_URL: 'ftp://x' }, 'BASE_URL'],
    ['BASE_URL=localhost:3000', { BASE_URL: 'localhost:3000' }, 'BASE_URL'],
    ['REDIS_URL=redis', { REDIS_URL: 'redis' }, 'REDIS_URL'],
    ['SECRET_KEY too short', { SECRET_KEY: 'short' }, 'SECRET_KEY'],
    ['LOG_LEVEL=loud', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    ['only DKIM_DOMAIN set', { DKIM_DOMAIN: 'example.com' }, /^DKIM_/],
    [
      'DKIM_PRIVATE_KEY not a key',
      { DKIM_DOMAIN: 'example.com', DKIM_SELECTOR: 'herald', DKIM_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----' },
      'DKIM_PRIVATE_KEY',
    ],
    ['MAIL_FROM without an address', { MAIL_FROM: 'Herald' }, 'MAIL_FROM'],
    ['MAIL_FROM with a second address', { MAIL_FROM: 'a@example.com, b@example.com' }, 'MAIL_FROM'],
    ['MAIL_FROM with a line break', { MAIL_FROM: 'Herald <a@example.com>\r\nBcc: b@example.com' }, 'MAIL_FROM'],
    ['SEND_RATE_PER_DOMAIN=0', { SEND_RATE_PER_DOMAIN: '0' }, 'SEND_RATE_PER_DOMAIN'],
    ['SEND_RATE_PER_SERVER=fast', { SEND_RATE_PER_SERVER: 'fast' }, 'SEND_RATE_PER_SERVER'],
    ['SMTP_CLIENT=telnet', { SMTP_CLIENT: 'telnet' }, 'SMTP_CLIENT'],
    ['HOME_PAGE_CACHE_SECONDS=-1', { HOME_PAGE_CACHE_SECONDS: '-1' }, 'HOME_PAGE_CACHE_SECONDS'],
    ['HOME_PAGE_CACHE_SECONDS=1.5', { HOME_PAGE_CACHE_SECONDS: '1.5' }, 'HOME_PAGE_CACHE_SECONDS'],
    ['HOME_PAGE_CACHE_SECONDS=a day', { HOME_PAGE_CACHE_SECONDS: 'a day' }, 'HOME_PAGE_CACHE_SECONDS'],
    ['HOME_PAGE_CACHE_SECONDS=86400', { HOME_PAGE_CACHE_SECONDS: '86400' }, 'HOME_PAGE_CACHE_SECONDS'],
  ];
  for (const [label, env, variable] of bad) {
    test(`${label} throws a ConfigError naming the variable, and writes nothing`, () => {
      assert.throws(
        () => loadConfig({ DATA_DIR: dataDir, ...env }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
          if (typeof variable === 'string') assert.equal(error.variable, variable);
          else assert.match(error.variable, variable);
          assert.ok(error.message.startsWith(`${error.variable}: `), error.message);
          return true;
        },
      );
      assert.equal(existsSync(secretFile()), false, 'a rejected configuration must not generate a secret');
    });
  }

  test('a partial DKIM configuration says which parts belong together', () => {
    assert.throws(
      () => loadConfig({ DATA_DIR: dataDir, SECRET_KEY: SECRET, DKIM_DOMAIN: 'example.com', DKIM_SELECTOR: 'herald' }),
      (error: unknown) =>
        error instanceof ConfigError && error.variable === 'DKIM_PRIVATE_KEY' && /DKIM_DOMAIN, DKIM_SELECTOR/.test(error.message),
    );
  });

  test('SECRET_KEY unset: generated once into DATA_DIR/secret.key (0600) and reused', () => {
    const first = loadConfig({ DATA_DIR: dataDir });
    assert.ok(first.secretKey.length >= 32, 'the generated secret is long enough to be a SECRET_KEY');
    assert.equal(readFileSync(secretFile(), 'utf8').trim(), first.secretKey);
    if (process.platform !== 'win32') assert.equal(statSync(secretFile()).mode & 0o777, 0o600);
    const second = loadConfig({ DATA_DIR: dataDir });
    assert.equal(second.secretKey, first.secretKey);
  });

  test('SECRET_KEY unset creates a missing DATA_DIR', () => {
    const nested = path.join(dataDir, 'not', 'yet');
    const config = loadConfig({ DATA_DIR: nested });
    assert.equal(readFileSync(path.join(nested, 'secret.key'), 'utf8').trim(), config.secretKey);
  });

  test('SECRET_KEY set: no secret file is written', () => {
    assert.equal(loadConfig({ DATA_DIR: dataDir, SECRET_KEY: SECRET }).secretKey, SECRET);
    assert.equal(existsSync(secretFile()), false);
  });

  test('the returned object is frozen', () => {
    const config = loadConfig({ DATA_DIR: dataDir, SECRET_KEY: SECRET });
    assert.ok(Object.isFrozen(config));
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
    assert.equal(config.port, 3000);
  });
});
