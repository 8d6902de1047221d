/**
 * `npm test`: type-check, lint, then the whole suite on PGlite, again on a real PostgreSQL 15
 * server started here, then the browser tests in Debian's Chromium. Ends with one summary line.
 *
 *   npm test                     everything
 *   npm test -- <files…>         only these test files (both databases)
 *   HERALD_TEST_ONLY=pglite      one engine only (pglite | postgres | browser | checks, comma-separated)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startPostgres } from '../test/support/postgres.ts';

const root = path.resolve(import.meta.dirname, '..');
const only = process.env.HERALD_TEST_ONLY?.split(',');
const wants = (stage: string) => !only || only.includes(stage);

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function findTests(dir: string, accept: (file: string) => boolean): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(relative, accept));
    else if (/\.test\.tsx?$/.test(entry.name) && accept(relative)) found.push(relative);
  }
  return found.sort();
}

const totals = { passed: 0, failed: 0 };
const failures: string[] = [];

/** Runs node's test runner on files; counts come from a TAP copy of the report. */
async function runSuite(label: string, files: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  if (files.length === 0) return;
  console.log(`\n=== ${label}: ${files.length} files`);
  const tapDir = mkdtempSync(path.join(os.tmpdir(), 'herald-tap-'));
  const tapFile = path.join(tapDir, 'report.tap');
  const code = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      // Two files at a time: many tests wait (on processes, SMTP retries, a 30 s outage), and one
      // at a time (Node's default on a 2-core machine) made the suite outgrow CI's half hour.
      `--test-concurrency=${process.env.HERALD_TEST_CONCURRENCY ?? 2}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tapFile}`,
      ...files,
    ],
    env,
  );
  const tap = existsSync(tapFile) ? readFileSync(tapFile, 'utf8') : '';
  rmSync(tapDir, { recursive: true, force: true });
  const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
  totals.passed += count('pass');
  totals.failed += count('fail');
  if (code !== 0) failures.push(label);
}

const requested = process.argv.slice(2);
const isBrowserTest = (file: string) => file.startsWith(path.join('test', 'browser'));
const all = [...findTests('src', () => true), ...findTests('test', () => true)];
const selected = requested.length ? requested : all;
const serverTests = selected.filter((file) => !isBrowserTest(file));
const browserTests = selected.filter(isBrowserTest);

if (!requested.length && wants('checks')) {
  console.log('=== type-check (tsc --noEmit)');
  if ((await run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit'])) !== 0) failures.push('tsc');
  console.log('=== lint (biome check)');
  if ((await run(path.join(root, 'node_modules/.bin/biome'), ['check', '.'])) !== 0) failures.push('biome');
}

if (wants('pglite')) await runSuite('PGlite', serverTests);

if (wants('postgres') && serverTests.length) {
  const server = await startPostgres();
  try {
    await runSuite('PostgreSQL 15', serverTests, { HERALD_TEST_PG_URL: server.url });
  } finally {
    await server.stop();
  }
}

if (wants('browser')) await runSuite('Chromium', browserTests);

console.log(`\n${failures.length ? `failed stages: ${failures.join(', ')}` : 'all stages green'}`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(failures.length ? 1 : 0);
