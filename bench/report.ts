/** What the benchmark prints: the machine it ran on, and the final table with the targets. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PG_BIN } from '../test/support/postgres.ts';

const root = path.resolve(import.meta.dirname, '..');

export interface MachineInfo {
  date: string;
  commit: string;
  cpu: string;
  cores: number;
  memoryGb: number;
  kernel: string;
  node: string;
  postgres: string;
  pglite: string;
  /** The 1-minute load average when the benchmark began: other work on the machine skews every figure. */
  load: number;
}

const firstLine = (command: string, args: string[]) => {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return result.status === 0 ? (result.stdout.trim().split('\n')[0] ?? '') : '';
};

export function machineInfo(): MachineInfo {
  const commit = firstLine('git', ['-C', root, 'rev-parse', '--short', 'HEAD']) || 'unknown';
  const dirty = firstLine('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no']) !== '';
  let pglite = 'unknown';
  try {
    pglite = JSON.parse(readFileSync(path.join(root, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')).version;
  } catch {}
  return {
    date: new Date().toISOString().slice(0, 16).replace('T', ' '),
    commit: dirty ? `${commit} (with uncommitted changes)` : commit,
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: os.cpus().length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: firstLine(path.join(PG_BIN, 'postgres'), ['--version']).replace(/^postgres \(PostgreSQL\) /, '') || 'unknown',
    pglite,
    load: os.loadavg()[0] ?? 0,
  };
}

export function describeMachine(m: MachineInfo): string {
  return [
    `${m.date} UTC · commit ${m.commit}`,
    `${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB · ${m.kernel} · Node ${m.node} · PostgreSQL ${m.postgres} · PGlite ${m.pglite}`,
    `load average at start ${m.load.toFixed(2)}${m.load > m.cores / 2 ? ' (the machine is busy: figures will be low and noisy)' : ''}`,
  ].join('\n');
}

export type Verdict = 'PASS' | 'MISS' | 'FAIL' | 'skipped' | '';

export interface Row {
  measure: string;
  result: string;
  target: string;
  verdict: Verdict;
}

/** A plain-text table, columns padded to their widest cell. */
export function renderTable(rows: Row[]): string {
  const header: Row = { measure: 'Measure', result: 'Result', target: 'Target', verdict: '' };
  const all = [header, ...rows];
  const width = (key: keyof Row) => Math.max(...all.map((row) => row[key].length));
  const widths = { measure: width('measure'), result: width('result'), target: width('target') };
  const line = (row: Row) =>
    `${row.measure.padEnd(widths.measure)}  ${row.result.padStart(widths.result)}  ${row.target.padEnd(widths.target)}  ${row.verdict}`.trimEnd();
  const rule = '-'.repeat(widths.measure + widths.result + widths.target + 12);
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** A whole number from the environment (at least `min`), or the default; anything else stops the benchmark before it starts. */
export function countFromEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (Number.isInteger(value) && value >= min) return value;
  process.stderr.write(`${name} must be a whole number of at least ${min}, not ${JSON.stringify(raw)}.\n`);
  process.exit(2);
}

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
export const int = (n: number) => grouped.format(n);
export const rate = (n: number) => `${grouped.format(n)} msg/s`;
export const seconds = (s: number) => `${s.toFixed(1)} s`;
export const megabytes = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
