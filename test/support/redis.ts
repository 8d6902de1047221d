import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from './net.ts';

/** Debian's redis-server (`apt-get install redis-server`; .ci/run installs it). */
export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** True when something on 127.0.0.1:port answers PING with PONG. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * A real Redis for one test file: on 127.0.0.1 and a free port, nothing saved to disk, in a temp
 * directory. `stop()` ends it by the PID it wrote, and waits until it is gone.
 */
export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'herald-redis-'));
  const pidFile = path.join(dir, 'redis.pid');
  const port = await freePort();
  const started = spawnSync(
    REDIS_SERVER,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'yes',
      '--pidfile',
      pidFile,
      '--dir',
      dir,
      '--logfile',
      path.join(dir, 'redis.log'),
    ],
    { encoding: 'utf8' },
  );
  if (started.status !== 0) throw new Error(`redis-server did not start: ${started.stderr || started.stdout}`);
  // The daemon answers a moment after it forks; there is no event to await from outside.
  for (let tries = 0; !(await answersPing(port)); tries++) {
    if (tries > 100) throw new Error(`redis-server on port ${port} does not answer PING`);
    await delay(50);
  }
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (alive(pid)) process.kill(pid, 'SIGTERM');
      for (let tries = 0; alive(pid) && tries < 200; tries++) await delay(25);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
