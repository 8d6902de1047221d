import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { SMTPServer } from 'smtp-server';
import type { TestSmtpServer } from './smtp.ts';

/**
 * Faults between Herald and its SMTP server, as a sender meets them in production: a client
 * process that dies in the middle of a transaction, and a server that goes away and comes back.
 */

/**
 * Keeps a test SMTP server alive when a client vanishes in the middle of a transaction (a Herald
 * process killed with SIGKILL): smtp-server reports that as an `error` event, which would
 * otherwise be an uncaught exception in the test process. Returns the errors seen, for diagnostics.
 */
export function collectClientErrors(smtp: TestSmtpServer): Error[] {
  const errors: Error[] = [];
  (smtp as unknown as { server: SMTPServer }).server.on('error', (error: Error) => errors.push(error));
  return errors;
}

/**
 * A loopback TCP relay in front of a server, to take it off the network and bring it back as its
 * clients see it. `cut()` closes the listening port and drops every open connection at once (an
 * SMTP server's own `close()` lets open sessions go on for up to 30 s); `restore()` listens on
 * the same port again.
 */
export class TcpRelay {
  port = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly target: { host: string; port: number }) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Listens on `port` (a free one by default; the same one again on restore). */
  async start(port = 0): Promise<this> {
    const server = createServer((client) => this.relay(client));
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : port;
    this.server = server;
    return this;
  }

  private relay(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      // Either side going away takes the other with it, as a broken connection does.
      socket.on('error', () => {});
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** The server is gone: connecting is refused, and every open connection breaks. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  /** The server is back, on the same port. */
  async restore(): Promise<void> {
    await this.start(this.port);
  }

  async stop(): Promise<void> {
    await this.cut();
  }
}
