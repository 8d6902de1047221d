import { mkdirSync, readFileSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * PGlite has no lock of its own and a second process opening the same directory corrupts it for
 * good, so Herald holds this exclusive lock file (PID and process start time inside) for as long
 * as it has the embedded database open. A lock whose process is gone is taken over.
 */
export class DataDirLockedError extends Error {
  constructor(
    readonly holder: LockInfo,
    readonly lockFile: string,
  ) {
    super(
      `The data directory is in use by another Herald process (PID ${holder.pid}, ${holder.command}, since ${holder.startedAt}). ` +
        'Stop it first, or run CLI commands while it runs: they are forwarded to it.',
    );
    this.name = 'DataDirLockedError';
  }
}

export interface LockInfo {
  pid: number;
  startTicks: string | null;
  command: string;
  startedAt: string;
}

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

export function lockFilePath(dataDir: string): string {
  return path.join(dataDir, 'herald.lock');
}

/** Reads the process start time from /proc, so a PID reused by another program is not mistaken for ours. */
function processStartTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return afterName[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(info: LockInfo): boolean {
  try {
    process.kill(info.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (info.startTicks === null) return true;
  const ticks = processStartTicks(info.pid);
  return ticks === null || ticks === info.startTicks;
}

/** Returns the live holder of the lock, or null when the directory is free (or its lock stale). */
export function readLiveHolder(dataDir: string): LockInfo | null {
  const info = readLock(lockFilePath(dataDir));
  return info && info.pid !== process.pid && isAlive(info) ? info : null;
}

function readLock(file: string): LockInfo | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockInfo>;
    if (typeof parsed.pid !== 'number') return null;
    return {
      pid: parsed.pid,
      startTicks: parsed.startTicks ?? null,
      command: parsed.command ?? 'herald',
      startedAt: parsed.startedAt ?? 'unknown',
    };
  } catch {
    return null;
  }
}

/** Takes the lock or throws DataDirLockedError naming the process that holds it. */
export function acquireDataDirLock(dataDir: string, command: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = lockFilePath(dataDir);
  const mine: LockInfo = {
    pid: process.pid,
    startTicks: processStartTicks(process.pid),
    command,
    startedAt: new Date().toISOString(),
  };
  const content = `${JSON.stringify(mine)}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      writeFileSync(file, content, { flag: 'wx', mode: 0o600 });
      return makeLock(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readLock(file);
    if (holder && holder.pid !== process.pid && isAlive(holder)) throw new DataDirLockedError(holder, file);
    takeOverStale(file, holder);
  }
  const holder = readLock(file);
  if (holder) throw new DataDirLockedError(holder, file);
  throw new Error(`Could not take the lock ${file}`);
}

/** Only one process may remove a stale lock: the one that creates the takeover directory. */
function takeOverStale(file: string, seen: LockInfo | null): void {
  const guard = `${file}.takeover`;
  try {
    mkdirSync(guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // A takeover left behind by a process killed mid-takeover is itself stale after a few seconds.
    try {
      if (Date.now() - statSync(guard).mtimeMs > 5000) rmdirSync(guard);
    } catch {}
    return;
  }
  try {
    const current = readLock(file);
    if (JSON.stringify(current) === JSON.stringify(seen)) unlinkSync(file);
  } catch {
  } finally {
    rmdirSync(guard);
  }
}

function makeLock(file: string): DataDirLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    const holder = readLock(file);
    if (holder?.pid === process.pid) {
      try {
        unlinkSync(file);
      } catch {}
    }
  };
  process.once('exit', release);
  return { file, release };
}
