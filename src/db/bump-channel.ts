import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Logger } from 'pino';
import type { BumpChannel } from '../lib/cache.ts';

const CHANNEL = 'herald_cache';
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * Cache versions shared through PostgreSQL when there is no Redis: every process LISTENs on one
 * channel on a connection of its own, and a bump is a NOTIFY on the shared pool. PostgreSQL
 * delivers a notification after its transaction commits, to every listener, the sender included.
 * When the listening connection breaks, the cache is told (so it stops answering from memory) and
 * the connection is made again, with a growing pause, until `close()`.
 */
export function createPostgresBumpChannel(options: {
  connectionString: string;
  pool: pg.Pool;
  logger: Logger;
}): BumpChannel & { connected: Promise<void>; events: EventEmitter; close(): Promise<void> } {
  const { logger } = options;
  /** 'bump' (namespaces) once a bump is applied, 'connection' (true or false) once the cache knows. */
  const events = new EventEmitter();
  let onBump: (namespaces: string[]) => void = () => {};
  let onConnection: (connected: boolean) => void = () => {};
  let client: pg.Client | undefined;
  let closed = false;
  let retryMs = RETRY_MIN_MS;
  let retryTimer: NodeJS.Timeout | undefined;
  let markFirstConnection: () => void = () => {};
  const connected = new Promise<void>((resolve) => {
    markFirstConnection = resolve;
  });

  const receive = (message: pg.Notification) => {
    if (message.channel !== CHANNEL || !message.payload) return;
    try {
      const namespaces: unknown = JSON.parse(message.payload);
      if (!Array.isArray(namespaces)) return;
      const names = namespaces.filter((n): n is string => typeof n === 'string');
      onBump(names);
      events.emit('bump', names);
    } catch {
      // Not ours: only Herald's bumps are JSON arrays.
    }
  };

  const lost = (listener: pg.Client, error?: unknown) => {
    if (client !== listener) return; // already handled
    client = undefined;
    onConnection(false);
    events.emit('connection', false);
    listener.removeAllListeners();
    listener.on('error', () => {});
    void listener.end().catch(() => {});
    if (closed) return;
    if (error) logger.warn({ err: error }, 'the cache lost its PostgreSQL channel; reconnecting');
    retryTimer = setTimeout(connect, retryMs);
    retryTimer.unref();
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  };

  async function connect(): Promise<void> {
    const listener = new pg.Client({
      connectionString: options.connectionString,
      connectionTimeoutMillis: 10_000,
      application_name: 'herald cache channel',
    });
    client = listener;
    listener.on('notification', receive);
    listener.on('error', (error) => lost(listener, error));
    listener.on('end', () => lost(listener));
    try {
      await listener.connect();
      await listener.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      lost(listener, error);
      return;
    }
    if (closed || client !== listener) return;
    retryMs = RETRY_MIN_MS;
    onConnection(true);
    events.emit('connection', true);
    markFirstConnection();
  }

  return {
    connected,
    events,
    subscribe(bump, connection) {
      onBump = bump;
      onConnection = connection;
      void connect();
    },
    async publish(namespaces) {
      if (namespaces.length === 0) return;
      await options.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(namespaces)]);
    },
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      const listener = client;
      client = undefined;
      onConnection(false);
      await listener?.end().catch(() => {});
    },
  };
}
