/**
 * `herald export-attempts` and `herald stats` as real processes, on a database with a sent demo
 * mailing: the CSV on stdout or in a file, the figures, bad arguments refused with a message and
 * a non-zero exit, and (embedded database) the same export forwarded to a running `herald start`.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HeraldProcess, killStartedHeralds, pollUntil, withLimit } from '../support/herald-process.ts';
import { freePort } from '../support/net.ts';
import { createDatabase } from '../support/postgres.ts';

const pgServerUrl = process.env.HERALD_TEST_PG_URL;
const embedded = !pgServerUrl;
const slow = { timeout: 180_000 };
const COMMAND_LIMIT_MS = 60_000;
const HEADER = 'attempted_at,mailing_id,mailing,run_id,recipient,name,result,code,response,duration_ms,server';
const ADA = 'ada@demo.herald.test';

let workDir: string;
let env: Record<string, string>;

before(async () => {
  workDir = mkdtempSync(path.join(os.tmpdir(), 'herald-stats-cli-'));
  env = {
    DATA_DIR: path.join(workDir, 'data'),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // The neutral locale: the CLI speaks its default, English, whatever the runner's locale.
    LANG: 'C.UTF-8',
    ...(pgServerUrl ? { DATABASE_URL: await createDatabase(pgServerUrl) } : {}),
  };
});

after(async () => {
  await killStartedHeralds();
  rmSync(workDir, { recursive: true, force: true });
});

/** Runs `herald <args>` to its end (with `extra` variables, such as a language). */
async function cli(args: string[], extra: Record<string, string> = {}) {
  const herald = new HeraldProcess(args, { cwd: workDir, env: { ...env, ...extra } });
  const exit = await withLimit(herald.exited, COMMAND_LIMIT_MS, () => `herald ${args.join(' ')} did not end\n${herald.tail()}`);
  return { code: exit.code, stdout: herald.stdout, stderr: herald.stderr };
}

const lines = (csv: string) =>
  csv
    .replace(/^\uFEFF/, '')
    .trimEnd()
    .split('\n');

describe(`herald export-attempts and herald stats as processes (${embedded ? 'embedded PGlite' : 'PostgreSQL'})`, () => {
  before(async () => {
    assert.equal((await cli(['seed-demo'])).code, 0);
    const sent = await cli(['send', '1']);
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stdout, /25 sent/);
  });

  test('to stdout: the CSV alone on stdout, the summary on stderr', slow, async () => {
    const result = await cli(['export-attempts', '--status', 'success']);
    assert.equal(result.code, 0, result.stderr);
    const csv = lines(result.stdout);
    assert.equal(csv[0], `${HEADER},owner`, 'everyone’s attempts, with their owner');
    assert.equal(csv.length, 26);
    assert.ok(csv.slice(1).every((line) => line.endsWith(`,${ADA}`)));
    assert.match(result.stderr, /^25 attempts written to .*attempts\.csv\.\n$/);
  });

  test('--owner and --output: that owner’s attempts in the file; another owner’s filter gives a header only', slow, async () => {
    const file = path.join(workDir, 'ada.csv');
    const mine = await cli(['export-attempts', '--owner', ADA, '--mailing', '1', '--output', file]);
    assert.equal(mine.code, 0, mine.stderr);
    assert.equal(mine.stdout, `25 attempts of ${ADA} written to ${file}.\n`);
    const csv = lines(readFileSync(file, 'utf8'));
    assert.equal(csv[0], HEADER);
    assert.equal(csv.length, 26);

    const theirs = await cli(['export-attempts', '--owner', 'grace@demo.herald.test', '--mailing', '1']);
    assert.equal(theirs.code, 0, theirs.stderr);
    assert.deepEqual(lines(theirs.stdout), [HEADER]);
  });

  test('bad arguments: a message on stderr, nothing on stdout, a non-zero exit, no file', slow, async () => {
    const file = path.join(workDir, 'refused.csv');
    const cases: [string[], number, RegExp][] = [
      [['--from', '2026-02-30'], 1, /^Error: Some fields need attention\.\n {2}from: From is not a real date\./],
      [['--mailing', 'first'], 1, /mailingId: Mailing id must be a number\./],
      [['--owner', 'nobody@example.com'], 1, /^Error: No user has the e-mail nobody@example\.com\./],
      [['--status', 'maybe'], 2, /argument 'maybe' is invalid\. Allowed choices are success, failure/],
      [['--colour', 'red'], 2, /unknown option '--colour'/],
    ];
    for (const [args, code, message] of cases) {
      const result = await cli(['export-attempts', ...args, '--output', file]);
      assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
      assert.equal(existsSync(file), false);
    }
    const stdout = await cli(['export-attempts', '--to', 'tomorrow']);
    assert.equal(stdout.code, 1);
    assert.equal(stdout.stdout, '', 'a refused export writes no CSV to stdout');
    assert.match(stdout.stderr, /to: To must be a date as YYYY-MM-DD\./);
  });

  test('herald stats prints the figures; an unknown owner is refused', slow, async () => {
    const everyone = await cli(['stats']);
    assert.equal(everyone.code, 0, everyone.stderr);
    assert.match(
      everyone.stdout,
      /^Statistics of everyone:\n {2}successful attempts {2}25\n {2}failed attempts {6}0\n {2}messages sent {8}25/,
    );
    assert.match(everyone.stdout, /ada@demo\.herald\.test \(user\): 25 \/ 0 \/ 25/);
    const ada = await cli(['stats', '--owner', ADA]);
    assert.equal(ada.code, 0, ada.stderr);
    assert.match(ada.stdout, /^Statistics of ada@demo\.herald\.test:\n {2}successful attempts {2}25/);
    const nobody = await cli(['stats', '--owner', 'nobody@example.com']);
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /^Error: No user has the e-mail nobody@example\.com\./);
  });

  test('in Russian (LANG=ru_RU.UTF-8): headings and summaries are Russian, data rows and the CSV are not', slow, async () => {
    const ru = { LANG: 'ru_RU.UTF-8' };
    const file = path.join(workDir, 'ada-ru.csv');
    const [everyone, exported, refused] = await Promise.all([
      cli(['stats'], ru),
      cli(['export-attempts', '--owner', ADA, '--output', file], ru),
      cli(['export-attempts', '--from', '2026-02-30', '--output', path.join(workDir, 'refused-ru.csv')], ru),
    ]);
    assert.equal(everyone.code, 0, everyone.stderr);
    assert.match(
      everyone.stdout,
      /^Статистика всех пользователей:\n {2}успешные попытки {6}25\n {2}неудачные попытки {5}0\n {2}отправлено сообщений {2}25\n/,
    );
    assert.match(everyone.stdout, /\nПопытки по дням за последние 30 дней \(UTC\): успешные \/ неудачные\n/);
    assert.match(everyone.stdout, /\nРассылки: успешные \/ неудачные \/ отправлено\n/);
    assert.match(everyone.stdout, /\nПользователи: успешные \/ неудачные \/ отправлено\n/);
    assert.match(everyone.stdout, /ada@demo\.herald\.test \(user\): 25 \/ 0 \/ 25/, 'data rows as they are');
    assert.doesNotMatch(everyone.stdout, /Statistics|attempts|successful|Users|Mailings/);

    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(exported.stdout, `25 попыток пользователя ${ADA} записано в ${file}.\n`);
    assert.equal(lines(readFileSync(file, 'utf8'))[0], HEADER, 'the CSV header is for machines: not translated');

    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^Ошибка: .+\n {2}from: /);
    assert.doesNotMatch(refused.stderr, /^Error/);
  });

  test('while herald start holds the embedded database, the export is carried out by it and still reaches stdout', {
    ...slow,
    skip: embedded ? false : 'embedded database only',
  }, async () => {
    const port = await freePort();
    const server = new HeraldProcess(['start'], { cwd: workDir, env: { ...env, PORT: String(port) }, label: 'herald start' });
    const healthy = async () => {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
        await response.arrayBuffer();
        return response.ok ? true : null;
      } catch {
        return null;
      }
    };
    await server.whileRunning(pollUntil(healthy, 90_000, () => `herald start did not answer /healthz\n${server.tail()}`));
    const result = await server.whileRunning(cli(['export-attempts', '--owner', ADA]));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(lines(result.stdout).length, 26);
    const file = path.join(workDir, 'forwarded.csv');
    const toFile = await server.whileRunning(cli(['export-attempts', '--output', file]));
    assert.equal(toFile.code, 0, toFile.stderr);
    assert.equal(lines(readFileSync(file, 'utf8')).length, 26);
    assert.equal((await server.stop('SIGTERM')).code, 0);
  });
});
