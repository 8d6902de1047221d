/**
 * The Herald processes the benchmark starts (bench/measure.ts jobs and `herald worker`), watched
 * from outside: their reports on stdout, their last words on stderr, their memory in /proc.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Cleanup } from './cleanup.ts';
import type { BenchEvent } from './measure.ts';
import { stopChild } from './postfix.ts';

const root = path.resolve(import.meta.dirname, '..');
export const HERALD_BIN = path.join(root, 'bin/herald.js');
export const MEASURE_SCRIPT = path.join(root, 'bench/measure.ts');
/** tsx by absolute location, with the project's tsconfig (JSX): the processes run outside the project folder. */
const TSX_LOADER = import.meta.resolve('tsx');
const TSCONFIG = path.join(root, 'tsconfig.json');

/** The newest modification time of the sources the build compiles, as bin/herald.js reckons it. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(file));
    else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return newest;
}

/** dist/ was built after the last change to src/: `bin/herald.js` runs it, not the sources. */
export const builtIsFresh = () =>
  existsSync(path.join(root, 'dist/.built')) &&
  statSync(path.join(root, 'dist/.built')).mtimeMs >= newestSource(path.join(root, 'src'));

/**
 * Builds dist/ as `npm ci` does, so `herald …` runs compiled, as deployed. An up-to-date dist/ is
 * left alone: rebuilding removes it first, under the feet of any other Herald process starting on
 * this checkout meanwhile. Returns null when dist/ is fresh, or the build's output when it failed.
 */
export function buildDist(): string | null {
  if (builtIsFresh()) return null;
  const result = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { encoding: 'utf8' });
  return result.status === 0 ? null : `${result.stdout}${result.stderr}`;
}

/** Keep this much of a child's output, for the report when something goes wrong. */
const KEEP_CHARS = 20_000;

export interface HeraldProcess {
  pid: number;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exit: Promise<number | string>;
  exited(): boolean;
  /** The events reported so far (bench/measure.ts), oldest first. */
  events: BenchEvent[];
  /** Calls `listener` for every event from now on. */
  onEvent(listener: (event: BenchEvent) => void): void;
  /** The last lines the process wrote on stdout and stderr. */
  logTail(lines?: number): string;
  /** Current and peak resident memory in kB (VmRSS, VmHWM), or null once the process is gone. */
  memory(): { rssKb: number; peakKb: number } | null;
  stop(): Promise<void>;
}

/** Node flags for the measuring processes (steps 0–4) that NODE_OPTIONS refuses, e.g. `--cpu-prof --cpu-prof-dir=/tmp/profiles`. */
const MEASURE_FLAGS = (process.env.BENCH_SEND_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);

/**
 * Starts `node <args>` in `cwd` (so no project `.env` is read) with exactly `env` (plus PATH);
 * the cleanup stops it if the benchmark ends first.
 */
export function startHeraldProcess(cleanup: Cleanup, args: string[], env: Record<string, string>, cwd: string): HeraldProcess {
  const nodeArgs = args[0] === MEASURE_SCRIPT ? [...MEASURE_FLAGS, '--import', TSX_LOADER, ...args] : args;
  const child = spawn(process.execPath, nodeArgs, {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TSX_TSCONFIG_PATH: TSCONFIG, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start node ${args.join(' ')}`);
  const stop = cleanup.add(`${path.basename(args[0] ?? 'node')} ${args.slice(1).join(' ')} (PID ${pid})`, () => stopChild(child));
  let log = '';
  let pending = '';
  const events: BenchEvent[] = [];
  const listeners: ((event: BenchEvent) => void)[] = [];
  const keep = (text: string) => {
    log = (log + text).slice(-KEEP_CHARS);
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('@bench ')) {
        keep(`${line}\n`);
        continue;
      }
      const event = JSON.parse(line.slice('@bench '.length)) as BenchEvent;
      events.push(event);
      for (const listener of listeners) listener(event);
    }
  });
  child.stderr?.setEncoding('utf8').on('data', keep);
  const exit = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  return {
    pid,
    exit,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    events,
    onEvent: (listener) => listeners.push(listener),
    logTail: (lines = 25) => log.trimEnd().split('\n').slice(-lines).join('\n'),
    memory: () => readMemory(pid),
    stop,
  };
}

/** VmRSS and VmHWM of a process from /proc/<pid>/status (Linux). */
export function readMemory(pid: number): { rssKb: number; peakKb: number } | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  const rssKb = field('VmRSS');
  const peakKb = field('VmHWM');
  return Number.isNaN(rssKb) || Number.isNaN(peakKb) ? null : { rssKb, peakKb };
}
