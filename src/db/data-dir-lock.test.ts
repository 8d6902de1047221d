import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import { acquireDataDirLock, DataDirLockedError, type LockInfo, lockFilePath, readLiveHolder } from './data-dir-lock.ts';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'herald-lock-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const children = new Set<ChildProcess>();
after(async () => {
  for (const child of children) await stop(child);
});

/** A process that idles until it is killed, to stand for another Herald holding the lock. */
async function idleProcess(): Promise<ChildProcess & { pid: number }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.add(child);
  await once(child, 'spawn');
  assert.ok(child.pid, 'the child process has a pid');
  return child as ChildProcess & { pid: number };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
  children.delete(child);
}

/** A pid that belonged to a process which has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = await idleProcess();
  await stop(child);
  return child.pid;
}

const writeLock = (info: Partial<LockInfo> | string) =>
  writeFileSync(lockFilePath(dataDir), typeof info === 'string' ? info : `${JSON.stringify(info)}\n`);
const readLockFile = () => JSON.parse(readFileSync(lockFilePath(dataDir), 'utf8')) as LockInfo;
const otherHolder = (pid: number, startTicks: string | null = null): LockInfo => ({
  pid,
  startTicks,
  command: 'herald start',
  startedAt: '2020-01-01T00:00:00.000Z',
});

describe('data-directory lock', () => {
  test('acquire writes our PID into DATA_DIR/herald.lock; release removes it', () => {
    const lock = acquireDataDirLock(dataDir, 'herald test');
    assert.equal(lock.file, path.join(dataDir, 'herald.lock'));
    const info = readLockFile();
    assert.equal(info.pid, process.pid);
    assert.equal(info.command, 'herald test');
    if (process.platform !== 'win32') assert.equal(statSync(lock.file).mode & 0o777, 0o600);
    assert.equal(readLiveHolder(dataDir), null, 'our own lock is not "another holder"');
    lock.release();
    assert.equal(existsSync(lock.file), false);
    lock.release(); // a second release is harmless
    const again = acquireDataDirLock(dataDir, 'herald test');
    again.release();
    assert.equal(existsSync(again.file), false);
  });

  test('acquire creates a missing data directory', () => {
    const nested = path.join(dataDir, 'a', 'b');
    const lock = acquireDataDirLock(nested, 'herald test');
    assert.equal(readFileSync(lock.file, 'utf8').includes(`"pid":${process.pid}`), true);
    lock.release();
  });

  test('a lock held by a live other process is refused with its PID', async () => {
    const holder = await idleProcess();
    writeLock(otherHolder(holder.pid));
    assert.equal(readLiveHolder(dataDir)?.pid, holder.pid);
    assert.throws(
      () => acquireDataDirLock(dataDir, 'herald test'),
      (error: unknown) => {
        assert.ok(error instanceof DataDirLockedError, `expected DataDirLockedError, got ${String(error)}`);
        assert.equal(error.holder.pid, holder.pid);
        assert.equal(error.lockFile, lockFilePath(dataDir));
        assert.match(error.message, new RegExp(`PID ${holder.pid}\\b`));
        assert.match(error.message, /herald start/);
        return true;
      },
    );
    assert.equal(readLockFile().pid, holder.pid, 'the holder’s lock is left alone');
    await stop(holder);
  });

  test('a lock naming a dead PID is taken over', async () => {
    const pid = await deadPid();
    writeLock(otherHolder(pid));
    assert.equal(readLiveHolder(dataDir), null);
    const lock = acquireDataDirLock(dataDir, 'herald test');
    assert.equal(readLockFile().pid, process.pid);
    assert.equal(existsSync(`${lock.file}.takeover`), false, 'the takeover guard is cleaned up');
    lock.release();
    assert.equal(existsSync(lock.file), false);
  });

  test('a live PID with another start time (a reused PID) is taken over', { skip: !existsSync('/proc/self/stat') }, async () => {
    const holder = await idleProcess();
    writeLock(otherHolder(holder.pid, '1'));
    assert.equal(readLiveHolder(dataDir), null);
    const lock = acquireDataDirLock(dataDir, 'herald test');
    assert.equal(readLockFile().pid, process.pid);
    lock.release();
    await stop(holder);
  });

  for (const [label, content] of [
    ['garbage', 'this is not a lock\n'],
    ['an empty file', ''],
    ['JSON without a pid', '{"command":"herald start"}\n'],
  ]) {
    test(`a lock file holding ${label} is taken over`, () => {
      writeLock(content!);
      assert.equal(readLiveHolder(dataDir), null);
      const lock = acquireDataDirLock(dataDir, 'herald test');
      assert.equal(readLockFile().pid, process.pid);
      lock.release();
      assert.equal(existsSync(lock.file), false);
    });
  }

  test('a takeover guard left behind by a killed process does not block for good', async () => {
    writeLock(otherHolder(await deadPid()));
    const guard = `${lockFilePath(dataDir)}.takeover`;
    mkdirSync(guard);
    const old = new Date(Date.now() - 60_000);
    utimesSync(guard, old, old);
    const lock = acquireDataDirLock(dataDir, 'herald test');
    assert.equal(readLockFile().pid, process.pid);
    assert.equal(existsSync(guard), false);
    lock.release();
  });

  test('release removes only our own lock', async () => {
    const lock = acquireDataDirLock(dataDir, 'herald test');
    // Someone else's lock now sits in the file (ours was taken over while we thought we held it).
    const other = await idleProcess();
    writeLock(otherHolder(other.pid));
    lock.release();
    assert.equal(existsSync(lock.file), true);
    assert.equal(readLockFile().pid, other.pid);
    await stop(other);
  });
});
