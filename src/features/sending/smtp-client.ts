import net, { type Socket } from 'node:net';
import os from 'node:os';
import tls, { type ConnectionOptions } from 'node:tls';
import type { SendOutcome } from './messenger.ts';

/**
 * Herald's campaign SMTP client: a pool of persistent connections that pipelines each message's
 * envelope (RFC 2920) when the server allows it. It exists because a general-purpose transport
 * spends more CPU per message than the server needs to accept it; this one only writes bytes
 * that were prepared elsewhere (MIME, DKIM) and reads replies.
 */

export interface SmtpPoolOptions {
  /** smtp://[user:pass@]host[:port] (default port 587; STARTTLS when offered) or smtps://… (implicit TLS, default 465). */
  url: string;
  /** Persistent connections, opened lazily and reused for many messages. */
  poolSize: number;
  /** The EHLO name, os.hostname() by default. */
  clientName?: string;
  /** Extra TLS options (a CA, or rejectUnauthorized: false for a test server). */
  tls?: ConnectionOptions;
  /** Time to connect and finish the greeting, EHLO, STARTTLS and AUTH; 10 s by default. */
  connectTimeoutMs?: number;
  /** Longest silence while a reply is awaited, and idle time before a pooled connection is closed; 60 s by default. */
  socketTimeoutMs?: number;
}

/**
 * `uncertain` is true only when the connection broke after the final "." was written and before
 * its reply arrived: the server may have taken the message, so it must not be sent again blindly.
 */
export interface SmtpSendOutcome extends SendOutcome {
  uncertain: boolean;
}

export interface SmtpMail {
  from: string;
  to: string;
  raw: Buffer;
  /**
   * Every line of `raw` already ends in CRLF (as Herald's MIME builder writes them), so only a
   * search for lines that start with '.' is left to do before it goes out.
   */
  crlfLines?: boolean;
}

export interface SmtpPool {
  /** 'host:port', as recorded in attempts. */
  readonly server: string;
  send(mail: SmtpMail): Promise<SmtpSendOutcome>;
  /** QUIT on idle connections, end the others; sends still queued or in flight settle with a connection error. */
  close(): Promise<void>;
}

interface Reply {
  code: number;
  /** The reply as the server wrote it, lines joined with '\n'. */
  text: string;
}

interface Capabilities {
  readonly pipelining: boolean;
  readonly starttls: boolean;
  readonly auth: readonly string[];
  /** The SIZE limit in bytes; 0 when unlimited, -1 when SIZE is not offered. */
  readonly size: number;
}

/** What a server that answered HELO (or an EHLO without extensions) offers. */
const NO_EXTENSIONS: Capabilities = { pipelining: false, starttls: false, auth: [], size: -1 };

/** A reply that ended the session set-up (greeting, EHLO, STARTTLS, AUTH). */
class SetupRefused extends Error {
  constructor(readonly reply: Reply) {
    super(reply.text);
  }
}

const MAX_REPLY_CHARS = 64 * 1024;
const MAX_RESPONSE_CHARS = 1000;
const CR = 13;
const LF = 10;
const DOT = 46;
const CRLF_BYTES = Buffer.from('\r\n');
const DOT_BYTES = Buffer.from('.');
const END_BYTES = Buffer.from('.\r\n');
const CRLF_END_BYTES = Buffer.from('\r\n.\r\n');
const LF_DOT = Buffer.from('\n.');
// An address goes into the command line as is: a CR, LF or space would let it add commands or parameters.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const UNSAFE_ADDRESS = /[\u0000-\u0020<>\u007f]/;

function failure(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * The DATA payload of a raw message, ready to write: a bare LF becomes CRLF (servers reject or
 * rewrite bare LF, and it is how "end of data" smuggling starts), a line starting with '.' gets
 * another '.', and the terminator follows a final CRLF. A message with CRLF lines and no "\n." is
 * written as it is; otherwise it is cut into slices of the original around the additions.
 * `crlfLines` (see SmtpMail) spares the walk from line end to line end when no line starts with '.'.
 */
function encodeData(raw: Buffer, crlfLines = false): Buffer[] {
  if (raw.length === 0) return [END_BYTES];
  if (crlfLines && raw[0] !== DOT && raw.indexOf(LF_DOT) === -1) {
    return [raw, raw[raw.length - 1] === LF ? END_BYTES : CRLF_END_BYTES];
  }
  const pieces: Buffer[] = raw[0] === DOT ? [DOT_BYTES] : [];
  let start = 0;
  for (let lf = raw.indexOf(LF); lf !== -1; lf = raw.indexOf(LF, lf + 1)) {
    const bare = lf === 0 || raw[lf - 1] !== CR;
    const dotted = raw[lf + 1] === DOT;
    if (!bare && !dotted) continue;
    pieces.push(raw.subarray(start, bare ? lf : lf + 1));
    if (bare) pieces.push(CRLF_BYTES);
    if (dotted) pieces.push(DOT_BYTES);
    start = lf + 1;
  }
  pieces.push(start === 0 ? raw : raw.subarray(start));
  pieces.push(raw[raw.length - 1] === LF ? END_BYTES : CRLF_END_BYTES);
  return pieces;
}

/** A message waiting for a connection, and how its `send` settles. */
interface QueuedSend {
  mail: SmtpMail;
  resolve: (outcome: SmtpSendOutcome) => void;
}

/** One SMTP session: reads replies off the socket, in order, and hands them to one reader at a time. */
class SmtpConnection {
  capabilities = NO_EXTENSIONS;
  /** Why the connection is gone; set once. */
  failure: Error | null = null;
  /** No further message may use it (a 421, a failed RSET, QUIT sent, or a failure). */
  spent = false;
  /** Messages this connection has carried to an outcome. */
  delivered = 0;
  /** The next message, whose envelope went out right behind the current message's data. */
  chained: QueuedSend | null = null;
  private buffered = '';
  private lines: string[] = [];
  private replyChars = 0;
  private replies: Reply[] = [];
  private expected = 0;
  private reader: { resolve: (reply: Reply) => void; reject: (error: Error) => void } | null = null;
  private markEnded!: () => void;
  readonly ended = new Promise<void>((resolve) => {
    this.markEnded = resolve;
  });

  constructor(
    public socket: Socket,
    public secure: boolean,
    private readonly onEnd: (connection: SmtpConnection) => void,
  ) {
    this.listen(socket);
    this.expected = 1; // the greeting
  }

  /** Writes commands (one write, so pipelined ones share a packet) and counts the replies they will get. */
  send(text: string, replies: number): void {
    if (this.failure) throw this.failure;
    this.expected += replies;
    this.socket.write(text);
  }

  /**
   * Writes a message's DATA payload; its final reply is the next one. `then` (the next message's
   * pipelined envelope, `thenReplies` replies) goes out in the same write.
   */
  sendData(pieces: Buffer[], then?: string, thenReplies = 0): void {
    if (this.failure) throw this.failure;
    this.expected += 1 + thenReplies;
    this.socket.cork();
    for (const piece of pieces) this.socket.write(piece);
    if (then) this.socket.write(then);
    this.socket.uncork();
  }

  read(): Promise<Reply> {
    const reply = this.replies.shift();
    if (reply) return Promise.resolve(reply);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.reader = { resolve, reject };
    });
  }

  async command(line: string): Promise<Reply> {
    this.send(`${line}\r\n`, 1);
    return this.read();
  }

  /** STARTTLS after its 220: the session goes on inside TLS on the same socket. */
  upgrade(options: ConnectionOptions): void {
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('timeout');
    this.socket = tls.connect({ ...options, socket: plain });
    this.secure = true;
    this.listen(this.socket);
  }

  /** Ends the session politely; a server that does not answer is cut off soon after. */
  quit(): void {
    if (this.failure) return;
    this.spent = true;
    this.expected += 1;
    this.socket.end('QUIT\r\n');
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.spent = true;
    this.socket.destroy();
    const reader = this.reader;
    this.reader = null;
    reader?.reject(error);
  }

  private listen(socket: Socket): void {
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('timeout', () => this.onTimeout());
    socket.on('close', () => {
      this.fail(failure('ECONNCLOSED', 'the server closed the connection'));
      this.markEnded();
      this.onEnd(this);
    });
  }

  private onTimeout(): void {
    if (this.expected === 0) this.quit();
    else this.fail(failure('ETIMEDOUT', `no reply within ${this.socket.timeout} ms`));
  }

  /** Splits the received text into lines; a line whose fourth character is not '-' ends a reply. */
  private receive(chunk: string): void {
    const text = this.buffered + chunk;
    let start = 0;
    for (let lf = text.indexOf('\n'); lf !== -1 && !this.failure; lf = text.indexOf('\n', start)) {
      const line = text.slice(start, lf > start && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf);
      start = lf + 1;
      this.lines.push(line);
      this.replyChars += line.length;
      if (line.charCodeAt(3) !== 45) this.finishReply(line);
    }
    this.buffered = start === 0 ? text : text.slice(start);
    if (this.buffered.length + this.replyChars > MAX_REPLY_CHARS) {
      this.fail(failure('EPROTOCOL', `the server sent more than ${MAX_REPLY_CHARS} characters without ending its reply`));
    }
  }

  private finishReply(last: string): void {
    const code = Number(last.slice(0, 3));
    const text = this.lines.length === 1 ? last : this.lines.join('\n');
    this.lines = [];
    this.replyChars = 0;
    if (!(code >= 200 && code < 600) || (last.length > 3 && last.charCodeAt(3) !== 32)) {
      this.fail(failure('EPROTOCOL', `not an SMTP reply: ${text.slice(0, 200)}`));
      return;
    }
    if (this.expected === 0) {
      // A reply nobody asked for (typically a 421 before closing) would be taken for the next command's.
      this.fail(failure('EPROTOCOL', `unexpected reply: ${text.slice(0, 200)}`));
      return;
    }
    this.expected -= 1;
    if (code === 421) this.spent = true;
    const reply = { code, text };
    const reader = this.reader;
    if (reader) {
      this.reader = null;
      reader.resolve(reply);
    } else {
      this.replies.push(reply);
    }
  }
}

const isPositive = (reply: Reply) => reply.code >= 200 && reply.code < 300;

/** The extensions an EHLO reply lists, one per line after the first ("AUTH=…" is an old spelling of "AUTH …"). */
function parseCapabilities(ehlo: Reply): Capabilities {
  const found = new Map<string, string[]>();
  for (const line of ehlo.text.split('\n').slice(1)) {
    const [keyword = '', ...args] = line
      .slice(4)
      .toUpperCase()
      .split(/[\s=]+/);
    found.set(keyword, args);
  }
  const size = found.get('SIZE');
  return {
    pipelining: found.has('PIPELINING'),
    starttls: found.has('STARTTLS'),
    auth: found.get('AUTH') ?? [],
    size: size ? Number(size[0]) || 0 : -1,
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (net.isIPv4(host) && host.startsWith('127.'));
}

function replyOutcome(reply: Reply, server: string): SmtpSendOutcome {
  const success = isPositive(reply);
  const permanent = reply.code >= 500;
  return { success, permanent, code: reply.code, response: reply.text.slice(0, MAX_RESPONSE_CHARS), server, uncertain: false };
}

/**
 * A failure as an outcome. A refusal during set-up keeps its code but is never permanent: it says
 * nothing about the recipient, so the sender retries and gives up at its attempt limit instead of
 * failing (or suppressing) an address the server never saw.
 */
function failureOutcome(error: unknown, server: string, uncertain = false): SmtpSendOutcome {
  if (error instanceof SetupRefused) return { ...replyOutcome(error.reply, server), permanent: false };
  const e = error as { code?: string; message?: string };
  const response = `${e.code ?? 'ERROR'}: ${e.message ?? String(error)}`.slice(0, MAX_RESPONSE_CHARS);
  return { success: false, permanent: false, code: null, response, server, uncertain };
}

/** A message the client will not send as it is: sending it again would not help. */
function refusal(code: string, message: string, server: string): SmtpSendOutcome {
  return { ...failureOutcome(failure(code, message), server), permanent: true };
}

/** Why an envelope address cannot go on the wire, or null when it can. */
function addressProblem({ from, to }: SmtpMail): string | null {
  if (typeof from !== 'string' || UNSAFE_ADDRESS.test(from)) return `refused sender address ${JSON.stringify(from)}`;
  if (typeof to !== 'string' || !to || UNSAFE_ADDRESS.test(to)) return `refused recipient address ${JSON.stringify(to)}`;
  return null;
}

/** A pool of SMTP connections to one server; see SmtpPoolOptions. */
export function createSmtpPool(options: SmtpPoolOptions): SmtpPool {
  const url = new URL(options.url);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error(`not an smtp:// or smtps:// URL: ${url.protocol}`);
  const implicitTls = url.protocol === 'smtps:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port) || (implicitTls ? 465 : 587);
  const server = `${host}:${port}`;
  const credentials = url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : null;
  const clientName = options.clientName ?? os.hostname();
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const socketTimeoutMs = options.socketTimeoutMs ?? 60_000;
  const tlsOptions: ConnectionOptions = { ...(net.isIP(host) ? {} : { servername: host }), ...options.tls };
  const poolSize = Math.max(1, options.poolSize);

  const connections = new Set<SmtpConnection>();
  const idle: SmtpConnection[] = [];
  const queue: QueuedSend[] = [];
  let opening = 0;
  let closed = false;

  function forget(connection: SmtpConnection): void {
    connections.delete(connection);
    const index = idle.indexOf(connection);
    if (index !== -1) idle.splice(index, 1);
    dispatch();
  }

  async function hello(connection: SmtpConnection): Promise<void> {
    const ehlo = await connection.command(`EHLO ${clientName}`);
    if (isPositive(ehlo)) {
      connection.capabilities = parseCapabilities(ehlo);
      return;
    }
    if (ehlo.code < 500) throw new SetupRefused(ehlo);
    const helo = await connection.command(`HELO ${clientName}`);
    if (!isPositive(helo)) throw new SetupRefused(helo);
    connection.capabilities = NO_EXTENSIONS;
  }

  /** Sends a set-up command; `code` 235 (authenticated) takes any 2xx, as smtp-sink answers 250. */
  async function expect(connection: SmtpConnection, line: string, code: number): Promise<void> {
    const reply = await connection.command(line);
    if (code === 235 ? !isPositive(reply) : reply.code !== code) throw new SetupRefused(reply);
  }

  async function authenticate(connection: SmtpConnection, user: string, pass: string): Promise<void> {
    if (!connection.secure && !isLoopback(host)) {
      throw failure('EAUTH', `refusing to send credentials to ${server} over an unencrypted connection (no STARTTLS offered)`);
    }
    const methods = connection.capabilities.auth;
    const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
    if (methods.includes('PLAIN')) {
      await expect(connection, `AUTH PLAIN ${base64(`\u0000${user}\u0000${pass}`)}`, 235);
    } else if (methods.includes('LOGIN')) {
      await expect(connection, 'AUTH LOGIN', 334);
      await expect(connection, base64(user), 334);
      await expect(connection, base64(pass), 235);
    } else {
      throw failure('EAUTH', `${server} offers neither AUTH PLAIN nor AUTH LOGIN`);
    }
  }

  /** Connects and greets (STARTTLS and AUTH included); the connection is counted in the pool from the start. */
  async function open(): Promise<SmtpConnection> {
    const socket = implicitTls ? tls.connect({ host, port, ...tlsOptions }) : net.connect({ host, port });
    const connection = new SmtpConnection(socket, implicitTls, forget);
    connections.add(connection);
    const timer = setTimeout(
      () => connection.fail(failure('ETIMEDOUT', `no SMTP session with ${server} within ${connectTimeoutMs} ms`)),
      connectTimeoutMs,
    );
    try {
      const greeting = await connection.read();
      if (greeting.code !== 220) throw new SetupRefused(greeting);
      await hello(connection);
      if (!connection.secure && connection.capabilities.starttls) {
        await expect(connection, 'STARTTLS', 220);
        connection.upgrade({ host, ...tlsOptions });
        await hello(connection);
      }
      if (credentials) await authenticate(connection, credentials.user, credentials.pass);
      connection.socket.setTimeout(socketTimeoutMs);
      return connection;
    } catch (error) {
      connection.fail(error as Error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends a failed transaction; a connection that does not take RSET is not used again. */
  async function reset(connection: SmtpConnection): Promise<void> {
    if (connection.spent) return;
    const reply = await connection.command('RSET').catch(() => null);
    if (reply?.code !== 250) connection.spent = true;
  }

  /**
   * One message over a ready connection; never throws. Null when a reused connection turned out
   * to be dead before the server answered anything (it closed it while idle): nothing was sent,
   * so the message goes back to the head of the queue instead of failing.
   */
  async function deliver(connection: SmtpConnection, mail: SmtpMail, envelopeSent: boolean): Promise<SmtpSendOutcome | null> {
    const tooLarge = sizeProblem(connection, mail);
    if (tooLarge) return refusal('ESIZE', tooLarge, server);
    let answered = false;
    let dotWritten = false;
    try {
      let refused: Reply | null = null;
      let data: Reply | null = null;
      if (connection.capabilities.pipelining) {
        if (!envelopeSent) connection.send(envelope(connection, mail), 3);
        // After a 421 the server closes the connection without answering the commands behind it.
        const from = await connection.read();
        answered = true;
        if (from.code === 421) return replyOutcome(from, server);
        const to = await connection.read();
        if (to.code === 421) return replyOutcome(to, server);
        data = await connection.read();
        refused = !isPositive(from) ? from : !isPositive(to) ? to : null;
        if (refused && data.code === 354) {
          // Nothing valid to deliver, but the server waits for data: end it empty.
          connection.send('.\r\n', 1);
          await connection.read();
        }
      } else {
        const from = await connection.command(mailFromLine(connection, mail));
        answered = true;
        const to = isPositive(from) ? await connection.command(`RCPT TO:<${mail.to}>`) : null;
        refused = !isPositive(from) ? from : to && !isPositive(to) ? to : null;
        if (!refused) data = await connection.command('DATA');
      }
      if (refused || data?.code !== 354) {
        await reset(connection);
        return replyOutcome((refused ?? data)!, server);
      }
      // With PIPELINING the next queued message's envelope rides in the same write as this data
      // (RFC 2920 lets a group start with message content): one write per message, not two.
      const next = connection.capabilities.pipelining && !closed ? takeChainable(connection) : null;
      connection.sendData(encodeData(mail.raw, mail.crlfLines), next ? envelope(connection, next.mail) : undefined, next ? 3 : 0);
      connection.chained = next;
      dotWritten = true;
      return replyOutcome(await connection.read(), server);
    } catch (error) {
      if (!answered && connection.failure && (connection.delivered > 0 || envelopeSent) && !closed) return null;
      return failureOutcome(error, server, dotWritten);
    }
  }

  /** Why the server's SIZE limit refuses the message, or null. */
  function sizeProblem(connection: SmtpConnection, mail: SmtpMail): string | null {
    const { size } = connection.capabilities;
    return size > 0 && mail.raw.length > size
      ? `the message has ${mail.raw.length} bytes, ${server} takes at most ${size}`
      : null;
  }

  const mailFromLine = (connection: SmtpConnection, mail: SmtpMail) =>
    connection.capabilities.size >= 0 ? `MAIL FROM:<${mail.from}> SIZE=${mail.raw.length}` : `MAIL FROM:<${mail.from}>`;

  /** MAIL FROM, RCPT TO and DATA as one pipelined group. */
  const envelope = (connection: SmtpConnection, mail: SmtpMail) =>
    `${mailFromLine(connection, mail)}\r\nRCPT TO:<${mail.to}>\r\nDATA\r\n`;

  /** The next queued message this connection can take right away (one the server's SIZE allows), off the queue. */
  function takeChainable(connection: SmtpConnection): QueuedSend | null {
    const next = queue[0];
    if (!next || sizeProblem(connection, next.mail)) return null;
    return queue.shift() ?? null;
  }

  function run(connection: SmtpConnection, job: QueuedSend, envelopeSent = false): void {
    void deliver(connection, job.mail, envelopeSent).then((outcome) => {
      if (outcome) {
        connection.delivered += 1;
        job.resolve(outcome);
      } else {
        queue.unshift(job);
      }
      const chained = connection.chained;
      connection.chained = null;
      if (chained && !connection.spent && !closed) {
        // Its envelope is already on the wire: its replies come next on this connection.
        run(connection, chained, true);
        return;
      }
      // Never answered, so never sent: back to the queue (or settled, when the pool is closing).
      if (chained && closed)
        chained.resolve(failureOutcome(failure('ECLOSED', 'the SMTP pool was closed before this message was sent'), server));
      else if (chained) queue.unshift(chained);
      if (!connection.spent && !closed) idle.push(connection);
      else if (!connection.failure) connection.quit();
      dispatch();
    });
  }

  /** Gives queued messages to idle connections, and opens connections for the rest up to poolSize. */
  function dispatch(): void {
    while (queue.length > 0 && idle.length > 0) {
      const connection = idle.pop()!;
      if (!connection.spent) run(connection, queue.shift()!);
    }
    while (!closed && queue.length > opening && connections.size < poolSize) {
      opening += 1;
      open().then(
        (connection) => {
          opening -= 1;
          if (closed) connection.quit();
          else idle.push(connection);
          dispatch();
        },
        (error: unknown) => {
          opening -= 1;
          // The connection was opened for a waiting message: that message carries its failure.
          queue.shift()?.resolve(failureOutcome(error, server));
          dispatch();
        },
      );
    }
  }

  return {
    server,
    send(mail) {
      const problem = addressProblem(mail);
      if (problem) return Promise.resolve(refusal('EADDRESS', problem, server));
      if (closed) return Promise.resolve(failureOutcome(failure('ECLOSED', 'the SMTP pool is closed'), server));
      return new Promise((resolve) => {
        queue.push({ mail, resolve });
        dispatch();
      });
    },
    async close() {
      closed = true;
      const closedError = failure('ECLOSED', 'the SMTP pool was closed before this message was sent');
      for (const job of queue.splice(0)) job.resolve(failureOutcome(closedError, server));
      const ending = [...connections];
      for (const connection of ending) {
        if (idle.includes(connection)) connection.quit();
        else connection.fail(failure('ECLOSED', 'the SMTP pool was closed while this connection was busy'));
      }
      await Promise.all(ending.map((connection) => connection.ended));
    },
  };
}
