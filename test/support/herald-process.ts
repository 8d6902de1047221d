import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * `bin/herald.js` as a real child process, for the tests that kill, restart and run several of
 * them: started with exactly the environment given (nothing Herald reads leaks in from the test
 * runner, and no project `.env` is found in its working directory), its output kept for
 * diagnostics, awaited or killed by its own PID.
 */
export const HERALD_BIN = path.resolve(import.meta.dirname, '../../bin/herald.js');

/** The output kept per stream: enough for the end of a log, bounded for a process that talks a lot. */
const OUTPUT_LIMIT = 256 * 1024;

export interface HeraldExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const started = new Set<HeraldProcess>();

/** Rejects with a message built only when needed (it carries the processes' output) once `ms` pass. */
export async function withLimit<T>(work: Promise<T>, ms: number, explain: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(explain())), ms);
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Asks `check` until it answers something other than null, a short pause between questions; for
 * state another process writes to a database, where there is no event to await. Gives up after
 * `ms` with `explain()`'s message.
 */
export async function pollUntil<T>(check: () => Promise<T | null>, ms: number, explain: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const answer = await check();
    if (answer !== null) return answer;
    if (Date.now() > deadline) throw new Error(explain());
    await delay(200);
  }
}

export class HeraldProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly label: string;
  stdout = '';
  stderr = '';
  /** Set once the process has ended. */
  exit: HeraldExit | null = null;
  readonly exited: Promise<HeraldExit>;
  private readonly lines = new EventEmitter<{ line: [string]; exit: [HeraldExit] }>();

  /**
   * Starts `herald <args>` in `cwd` with `env` on top of PATH and HOME only. `label` names it in
   * failure messages (say "worker B" or "start #2").
   */
  constructor(args: string[], options: { cwd: string; env: Record<string, string>; label?: string }) {
    this.label = options.label ?? `herald ${args.join(' ')}`;
    const base = Object.fromEntries(
      ['PATH', 'HOME', 'TMPDIR', 'LANG'].flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])),
    );
    this.child = spawn(process.execPath, [HERALD_BIN, ...args], {
      cwd: options.cwd,
      env: { ...base, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (!this.child.pid) throw new Error(`could not spawn ${this.label}`);
    this.pid = this.child.pid;
    this.follow('stdout');
    this.follow('stderr');
    this.exited = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        this.lines.emit('exit', this.exit);
        resolve(this.exit);
      });
    });
    started.add(this);
  }

  private follow(stream: 'stdout' | 'stderr'): void {
    let partial = '';
    this.child[stream]!.setEncoding('utf8').on('data', (text: string) => {
      this[stream] = (this[stream] + text).slice(-OUTPUT_LIMIT);
      const parts = (partial + text).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) this.lines.emit('line', line);
    });
  }

  /** Resolves with the first line of output (either stream) from now on that matches; rejects if the process ends first. */
  waitForLine(pattern: RegExp, ms: number): Promise<string> {
    if (this.exit) return Promise.reject(new Error(`${this.label} has already ended\n${this.tail()}`));
    let onLine: (line: string) => void = () => {};
    let onExit: (exit: HeraldExit) => void = () => {};
    const found = new Promise<string>((resolve, reject) => {
      onLine = (line) => {
        if (pattern.test(line)) resolve(line);
      };
      onExit = (exit) =>
        reject(new Error(`${this.label} ended (${exit.code ?? exit.signal}) before printing ${pattern}\n${this.tail()}`));
      this.lines.on('line', onLine);
      this.lines.once('exit', onExit);
    });
    return withLimit(found, ms, () => `${this.label} did not print ${pattern} in ${ms} ms\n${this.tail()}`).finally(() => {
      this.lines.off('line', onLine);
      this.lines.off('exit', onExit);
    });
  }

  /** Awaits `work`, failing at once (with the output) should the process end before it is done. */
  whileRunning<T>(work: Promise<T>): Promise<T> {
    const ended = this.exited.then((exit) => {
      throw new Error(`${this.label} ended (${exit.code ?? exit.signal}) while it was awaited\n${this.tail()}`);
    });
    return Promise.race([work, ended]);
  }

  /** Sends `signal` and waits for the end; a process that outlives the wait is killed and the test fails. */
  async stop(signal: NodeJS.Signals, ms = 60_000): Promise<HeraldExit> {
    if (!this.exit) this.child.kill(signal);
    try {
      return await withLimit(this.exited, ms, () => `${this.label} did not end after ${signal}\n${this.tail()}`);
    } catch (error) {
      this.child.kill('SIGKILL');
      throw error;
    }
  }

  /** The end of both streams, for failure messages. */
  tail(chars = 4000): string {
    return `--- ${this.label} (PID ${this.pid}) stdout:\n${this.stdout.slice(-chars)}\n--- stderr:\n${this.stderr.slice(-chars)}`;
  }
}

/** Kills (SIGKILL) every Herald process these helpers started that is still running, and waits for each. */
export async function killStartedHeralds(): Promise<void> {
  for (const herald of started) {
    if (!herald.exit) herald.child.kill('SIGKILL');
    await herald.exited.catch(() => {});
    started.delete(herald);
  }
}
