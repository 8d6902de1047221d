import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import dns from 'node:dns';
import { EventEmitter, once } from 'node:events';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, type TestContext, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { freePort } from '../../../test/support/net.ts';
import { createSmtpPool, type SmtpPoolOptions, type SmtpSendOutcome } from './smtp-client.ts';

const FROM = 'campaigns@herald.test';

const cleanups = new WeakMap<TestContext, Array<() => unknown>>();
/** Runs `fn` when the test ends, in reverse order: pools close before their servers stop. */
function defer(t: TestContext, fn: () => unknown) {
  let stack = cleanups.get(t);
  if (!stack) {
    const list: Array<() => unknown> = [];
    cleanups.set(t, list);
    t.after(async () => {
      for (const cleanup of list.reverse()) await cleanup();
    });
    stack = list;
  }
  stack.push(fn);
}

/** A test message: an id header to find it again, then a body with whatever line endings it has. */
const message = (id: number, body: string) => Buffer.from(`X-Test-Id: ${id}\r\nSubject: test ${id}\r\n\r\n${body}`, 'utf8');

/** What the recipient's server must store: the same bytes, bare LF as CRLF, ending with CRLF. */
function stored(raw: Buffer): string {
  const text = raw.toString('latin1').replace(/\r?\n/g, '\r\n');
  return text.endsWith('\r\n') ? text : `${text}\r\n`;
}

/** Bodies that break naive clients: dot lines, a final '.', no final CRLF, bare LF, 8-bit text, a long one. */
const BODIES = [
  'Hello\r\n',
  '.starts with a dot\r\nmiddle\r\n..two dots\r\n.\r\nafter a lone dot\r\n.',
  'a final line that is a dot\r\n.\r\n',
  'no final line break',
  'bare\nline feeds\n.dot after a bare LF\n',
  'Grüße, ünïcödé 🙂\r\n',
  `${'.'.repeat(990)}\r\n`.repeat(300),
  '',
];

const readAll = async (stream: Readable) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

interface Received {
  to: string[];
  raw: Buffer;
  secure: boolean;
  user: unknown;
  mailArgs: Record<string, string>;
}

/** smtp-server on loopback recording every message byte for byte; `options` override the defaults. */
async function startServer(options: Partial<SMTPServerOptions> = {}, port = 0) {
  const received: Received[] = [];
  const events = new EventEmitter<{ data: [SMTPServerSession]; close: [] }>();
  const counts = { sessions: 0, open: 0, maxOpen: 0 };
  const server: SMTPServer = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onConnect(_session, callback) {
      counts.sessions += 1;
      counts.open += 1;
      counts.maxOpen = Math.max(counts.maxOpen, counts.open);
      callback();
    },
    onClose() {
      counts.open -= 1;
      events.emit('close');
    },
    async onData(stream, session, callback) {
      const raw = await readAll(stream);
      const { rcptTo, mailFrom } = session.envelope;
      const mailArgs = (mailFrom ? mailFrom.args : {}) as Record<string, string>;
      received.push({ to: rcptTo.map((r) => r.address), raw, secure: session.secure, user: session.user, mailArgs });
      callback();
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.server.address() as AddressInfo).port;
  return {
    port: actual,
    url: `smtp://127.0.0.1:${actual}`,
    received,
    counts,
    events,
    /** Cuts the client off without a word, as a crashing server would. */
    dropConnection(session: SMTPServerSession) {
      const connections = (server as unknown as { connections: Set<{ id: string; _socket: net.Socket }> }).connections;
      for (const connection of connections) if (connection.id === session.id) connection._socket.destroy();
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type TestServer = Awaited<ReturnType<typeof startServer>>;

/** A pool for one test, closed when the test ends. */
function poolFor(t: TestContext, options: Partial<SmtpPoolOptions> & { url: string }) {
  const pool = createSmtpPool({ poolSize: 2, clientName: 'herald.test', ...options });
  defer(t, () => pool.close());
  return pool;
}

function assertSuccess(outcome: SmtpSendOutcome) {
  assert.equal(outcome.success, true, outcome.response);
  assert.equal(outcome.code, 250);
  assert.match(outcome.response, /^250 /);
  assert.equal(outcome.uncertain, false);
}

/** Every line of the body ends in CRLF (no bare LF): the sender may say so with `crlfLines`. */
const hasCrlfLines = (body: string) => !/(^|[^\r])\n/.test(body);

/**
 * Sends the bodies round after round; in every second round the bodies whose lines all end in
 * CRLF are flagged `crlfLines` (as Herald's MIME builder flags its e-mails).
 */
async function sendAllBodies(pool: ReturnType<typeof createSmtpPool>, count: number) {
  const sent = Array.from({ length: count }, (_, id) => {
    const body = BODIES[id % BODIES.length]!;
    return { id, raw: message(id, body), crlfLines: Math.floor(id / BODIES.length) % 2 === 1 && hasCrlfLines(body) };
  });
  const outcomes = await Promise.all(
    sent.map(({ id, raw, crlfLines }) => pool.send({ from: FROM, to: `r${id}@herald.test`, raw, crlfLines })),
  );
  for (const outcome of outcomes) assertSuccess(outcome);
  return sent;
}

const idOf = (raw: string) => Number(/^X-Test-Id: (\d+)/m.exec(raw)?.[1]);

for (const pipelining of [true, false]) {
  describe(`smtp-server ${pipelining ? 'with' : 'without'} PIPELINING`, () => {
    const serve = (options: Partial<SMTPServerOptions> = {}) => startServer({ hidePIPELINING: !pipelining, ...options });

    test('many messages over a few reused connections arrive byte for byte, dot lines and odd endings included', async (t) => {
      const server = await serve();
      defer(t, () => server.stop());
      const pool = poolFor(t, { url: server.url, poolSize: 3 });
      const sent = await sendAllBodies(pool, 64);
      assert.equal(server.received.length, 64);
      for (const { id, raw } of sent) {
        const got = server.received.find((mail) => idOf(mail.raw.toString('latin1')) === id);
        assert.ok(got, `message ${id} arrived`);
        assert.deepEqual(got.to, [`r${id}@herald.test`]);
        assert.equal(got.raw.toString('latin1'), stored(raw), `message ${id} byte for byte`);
      }
      assert.ok(server.counts.sessions <= 3, `64 concurrent sends used ${server.counts.sessions} connections, pool of 3`);
      assert.ok(server.counts.maxOpen <= 3);

      const leadingDot = Buffer.from('..a first line with two dots\r\n\r\n.');
      assertSuccess(await pool.send({ from: FROM, to: 'dot@herald.test', raw: leadingDot }));
      assert.equal(server.received.at(-1)?.raw.toString('latin1'), stored(leadingDot));
    });

    test('a recipient refused with 4xx or 5xx fails alone, and the same connection carries the next message', async (t) => {
      const server = await serve({
        onRcptTo(address, _session, callback) {
          if (address.address === 'full@herald.test')
            return callback(Object.assign(new Error('Mailbox full'), { responseCode: 452 }));
          if (address.address === 'nobody@herald.test')
            return callback(Object.assign(new Error('No such user'), { responseCode: 550 }));
          callback();
        },
      });
      defer(t, () => server.stop());
      const pool = poolFor(t, { url: server.url, poolSize: 1 });
      const soft = await pool.send({ from: FROM, to: 'full@herald.test', raw: message(1, 'x\r\n') });
      assert.deepEqual([soft.success, soft.permanent, soft.code, soft.uncertain], [false, false, 452, false]);
      assert.match(soft.response, /^452 .*Mailbox full/);
      const hard = await pool.send({ from: FROM, to: 'nobody@herald.test', raw: message(2, 'x\r\n') });
      assert.deepEqual([hard.success, hard.permanent, hard.code], [false, true, 550]);
      assert.match(hard.response, /No such user/);
      assertSuccess(await pool.send({ from: FROM, to: 'ok@herald.test', raw: message(3, 'x\r\n') }));
      assert.deepEqual(
        server.received.map((mail) => mail.to),
        [['ok@herald.test']],
      );
      assert.equal(server.counts.sessions, 1);
    });

    test('a 4xx or 5xx reply to the data is the outcome, and the connection goes on', async (t) => {
      const server = await serve({
        async onData(stream, session, callback) {
          await readAll(stream);
          const to = session.envelope.rcptTo[0]?.address;
          if (to === 'later@herald.test') return callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
          if (to === 'spam@herald.test') return callback(Object.assign(new Error('Looks like spam'), { responseCode: 554 }));
          callback();
        },
      });
      defer(t, () => server.stop());
      const pool = poolFor(t, { url: server.url, poolSize: 1 });
      const later = await pool.send({ from: FROM, to: 'later@herald.test', raw: message(1, 'x\r\n') });
      assert.deepEqual([later.success, later.permanent, later.code, later.uncertain], [false, false, 451, false]);
      const spam = await pool.send({ from: FROM, to: 'spam@herald.test', raw: message(2, 'x\r\n') });
      assert.deepEqual([spam.success, spam.permanent, spam.code], [false, true, 554]);
      assert.match(spam.response, /Looks like spam/);
      assertSuccess(await pool.send({ from: FROM, to: 'ok@herald.test', raw: message(3, 'x\r\n') }));
      assert.equal(server.counts.sessions, 1);
    });

    test('a connection cut after the final dot, before the reply, is uncertain; the pool then opens a new one', async (t) => {
      const server: TestServer = await serve({
        async onData(stream, session, callback) {
          await readAll(stream);
          if (session.envelope.rcptTo[0]?.address === 'cut@herald.test') server.dropConnection(session);
          else callback();
        },
      });
      defer(t, () => server.stop());
      const pool = poolFor(t, { url: server.url, poolSize: 1 });
      const cut = await pool.send({ from: FROM, to: 'cut@herald.test', raw: message(1, 'x\r\n') });
      assert.deepEqual([cut.success, cut.permanent, cut.code, cut.uncertain], [false, false, null, true]);
      assert.match(cut.response, /^(ECONNRESET|ECONNCLOSED): /);
      assertSuccess(await pool.send({ from: FROM, to: 'ok@herald.test', raw: message(2, 'x\r\n') }));
      assert.equal(server.counts.sessions, 2);
    });

    test('a reused connection found dead before any reply is replaced without failing the message; a new one is not', async (t) => {
      const server: TestServer = await serve({
        onMailFrom(address, session, callback) {
          // The second message on a connection, or any from drop@: the server is gone without a word.
          if (session.transaction === 2 || address.address === 'drop@herald.test') server.dropConnection(session);
          else callback();
        },
      });
      defer(t, () => server.stop());
      const pool = poolFor(t, { url: server.url, poolSize: 1 });
      assertSuccess(await pool.send({ from: FROM, to: 'one@herald.test', raw: message(1, 'x\r\n') }));
      assertSuccess(await pool.send({ from: FROM, to: 'two@herald.test', raw: message(2, 'x\r\n') }));
      assert.deepEqual(
        server.received.map((mail) => mail.to),
        [['one@herald.test'], ['two@herald.test']],
      );
      assert.equal(server.counts.sessions, 2);

      const fresh = poolFor(t, { url: server.url, poolSize: 1 });
      const dropped = await fresh.send({ from: 'drop@herald.test', to: 'three@herald.test', raw: message(3, 'x\r\n') });
      assert.deepEqual([dropped.success, dropped.permanent, dropped.code, dropped.uncertain], [false, false, null, false]);
      assert.match(dropped.response, /^(ECONNRESET|ECONNCLOSED): /);
    });

    test('a 421 to the data ends the connection; messages queued behind it go out once on a new one', async (t) => {
      let refusedOne = false;
      const accepted: string[] = [];
      const server = await serve({
        async onData(stream, session, callback) {
          await readAll(stream);
          if (refusedOne) {
            accepted.push(session.envelope.rcptTo[0]?.address ?? '');
            return callback();
          }
          refusedOne = true;
          callback(Object.assign(new Error('Shutting down'), { responseCode: 421 }));
        },
      });
      defer(t, () => server.stop());
      const pool = poolFor(t, { url: server.url, poolSize: 1 });
      const outcomes = await Promise.all(
        [1, 2, 3, 4].map((id) => pool.send({ from: FROM, to: `q${id}@herald.test`, raw: message(id, 'x\r\n') })),
      );
      assert.deepEqual(
        outcomes.map((o) => o.code),
        [421, 250, 250, 250],
      );
      assert.deepEqual(accepted.sort(), ['q2@herald.test', 'q3@herald.test', 'q4@herald.test']);
      assert.equal(server.counts.sessions, 2);
    });

    test('a 421 is the outcome and closes that connection; the next message gets a new one', async (t) => {
      const server = await serve({
        onRcptTo(address, _session, callback) {
          if (address.address !== 'busy@herald.test') return callback();
          callback(Object.assign(new Error('Too busy, closing'), { responseCode: 421 }));
        },
      });
      defer(t, () => server.stop());
      const pool = poolFor(t, { url: server.url, poolSize: 1 });
      const busy = await pool.send({ from: FROM, to: 'busy@herald.test', raw: message(1, 'x\r\n') });
      assert.deepEqual([busy.success, busy.permanent, busy.code, busy.uncertain], [false, false, 421, false]);
      assert.match(busy.response, /Too busy/);
      assertSuccess(await pool.send({ from: FROM, to: 'ok@herald.test', raw: message(2, 'x\r\n') }));
      assert.equal(server.counts.sessions, 2);
    });
  });
}

describe('smtp-server sessions', () => {
  let certDir = '';
  let key = '';
  let cert = '';
  before(() => {
    certDir = mkdtempSync(path.join(os.tmpdir(), 'herald-tls-'));
    const result = spawnSync('openssl', [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'],
      ...['-keyout', path.join(certDir, 'key.pem'), '-out', path.join(certDir, 'cert.pem'), '-subj', '/CN=mail.herald.test'],
      ...['-addext', 'subjectAltName=DNS:mail.herald.test,IP:127.0.0.1'],
    ]);
    assert.equal(result.status, 0, String(result.stderr));
    key = readFileSync(path.join(certDir, 'key.pem'), 'utf8');
    cert = readFileSync(path.join(certDir, 'cert.pem'), 'utf8');
  });
  after(() => rmSync(certDir, { recursive: true, force: true }));

  /** Makes `mail.herald.test` resolve to loopback: a host the client cannot know to be local. */
  function resolveTestHost(t: TestContext) {
    t.mock.method(dns, 'lookup', (_host: string, ...rest: unknown[]) => {
      const callback = rest.at(-1) as (...args: unknown[]) => void;
      if ((rest[0] as { all?: boolean }).all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
      else callback(null, '127.0.0.1', 4);
    });
  }

  const user = 'herald@herald.test';
  const pass = 'p@ss:w/rd %é';
  const withCredentials = (host: string, port: number, password = pass) =>
    `smtp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}`;
  const checkCredentials = (tries: string[]): SMTPServerOptions['onAuth'] => {
    return (auth, _session, callback) => {
      tries.push(auth.method);
      if (auth.username === user && auth.password === pass) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Invalid credentials'), { responseCode: 535 }));
    };
  };

  test('STARTTLS is used when offered: the message travels encrypted, the certificate checked', async (t) => {
    const server = await startServer({ key, cert, disabledCommands: [] });
    defer(t, () => server.stop());
    const pool = poolFor(t, { url: server.url, tls: { ca: cert } });
    assertSuccess(await pool.send({ from: FROM, to: 'ok@herald.test', raw: message(1, 'secret\r\n') }));
    assert.equal(server.received[0]?.secure, true);
  });

  test('an untrusted certificate stops the session before anything is sent in clear', async (t) => {
    const server = await startServer({ key, cert, disabledCommands: [] });
    defer(t, () => server.stop());
    const pool = poolFor(t, { url: server.url });
    const outcome = await pool.send({ from: FROM, to: 'ok@herald.test', raw: message(1, 'secret\r\n') });
    assert.deepEqual([outcome.success, outcome.permanent, outcome.code, outcome.uncertain], [false, false, null, false]);
    assert.match(outcome.response, /certificate/i);
    assert.equal(server.received.length, 0);
  });

  test('smtps:// speaks TLS from the first byte', async (t) => {
    const server = await startServer({ key, cert, secure: true });
    defer(t, () => server.stop());
    const pool = poolFor(t, { url: `smtps://127.0.0.1:${server.port}`, tls: { ca: cert } });
    assert.equal(pool.server, `127.0.0.1:${server.port}`);
    assertSuccess(await pool.send({ from: FROM, to: 'ok@herald.test', raw: message(1, 'x\r\n') }));
    assert.equal(server.received[0]?.secure, true);
  });

  test('AUTH PLAIN after STARTTLS with URL-encoded credentials; a wrong password is a non-permanent 535', async (t) => {
    resolveTestHost(t);
    const tries: string[] = [];
    const server = await startServer({ key, cert, disabledCommands: [], authOptional: false, onAuth: checkCredentials(tries) });
    defer(t, () => server.stop());
    const pool = poolFor(t, { url: withCredentials('mail.herald.test', server.port), tls: { ca: cert } });
    assertSuccess(await pool.send({ from: FROM, to: 'ok@herald.test', raw: message(1, 'x\r\n') }));
    assert.deepEqual([server.received[0]?.user, server.received[0]?.secure], [user, true]);
    assert.deepEqual(tries, ['PLAIN']);

    const wrong = poolFor(t, { url: withCredentials('mail.herald.test', server.port, 'guess'), tls: { ca: cert } });
    const refused = await wrong.send({ from: FROM, to: 'ok@herald.test', raw: message(2, 'x\r\n') });
    assert.deepEqual([refused.success, refused.permanent, refused.code], [false, false, 535]);
    assert.match(refused.response, /Invalid credentials/);
    assert.equal(server.received.length, 1);
  });

  test('AUTH LOGIN when it is the only method, in clear on loopback', async (t) => {
    const tries: string[] = [];
    const server = await startServer({
      authMethods: ['LOGIN'],
      allowInsecureAuth: true,
      authOptional: false,
      onAuth: checkCredentials(tries),
    });
    defer(t, () => server.stop());
    const pool = poolFor(t, { url: withCredentials('127.0.0.1', server.port) });
    assertSuccess(await pool.send({ from: FROM, to: 'ok@herald.test', raw: message(1, 'x\r\n') }));
    assert.deepEqual(tries, ['LOGIN']);
    assert.equal(server.received[0]?.user, user);
  });

  test('credentials are never sent in clear to a host that is not loopback', async (t) => {
    resolveTestHost(t);
    const tries: string[] = [];
    const server = await startServer({ allowInsecureAuth: true, authOptional: false, onAuth: checkCredentials(tries) });
    defer(t, () => server.stop());
    const pool = poolFor(t, { url: withCredentials('mail.herald.test', server.port) });
    const outcome = await pool.send({ from: FROM, to: 'ok@herald.test', raw: message(1, 'x\r\n') });
    assert.deepEqual([outcome.success, outcome.permanent, outcome.code], [false, false, null]);
    assert.match(outcome.response, /^EAUTH: refusing to send credentials/);
    assert.deepEqual(tries, []);
    assert.equal(server.received.length, 0);
  });

  test('addresses that could inject commands are refused without touching the connection', async (t) => {
    const server = await startServer();
    defer(t, () => server.stop());
    const pool = poolFor(t, { url: server.url });
    const hostile = [
      { from: FROM, to: 'a@herald.test>\r\nRCPT TO:<b@herald.test' },
      { from: FROM, to: 'a@herald.test\nDATA' },
      { from: FROM, to: 'a@herald.test NOTIFY=NEVER' },
      { from: FROM, to: '<a@herald.test>' },
      { from: FROM, to: '' },
      { from: `${FROM}>\r\nRSET`, to: 'a@herald.test' },
    ];
    for (const addresses of hostile) {
      const outcome = await pool.send({ ...addresses, raw: message(1, 'x\r\n') });
      assert.deepEqual([outcome.success, outcome.permanent, outcome.code, outcome.uncertain], [false, true, null, false]);
      assert.match(outcome.response, /^EADDRESS: refused (sender|recipient) address/);
    }
    assert.equal(server.counts.sessions, 0);
    assertSuccess(await pool.send({ from: '', to: 'ok@herald.test', raw: message(2, 'x\r\n') }));
    assert.deepEqual(
      server.received.map((mail) => mail.to),
      [['ok@herald.test']],
    );
  });

  test('SIZE: the declared size is sent, and a message over the limit is refused before it is sent', async (t) => {
    const server = await startServer({ size: 4096 });
    defer(t, () => server.stop());
    const pool = poolFor(t, { url: server.url, poolSize: 1 });
    const small = message(1, 'x\r\n');
    assertSuccess(await pool.send({ from: FROM, to: 'ok@herald.test', raw: small }));
    assert.equal(server.received[0]?.mailArgs.SIZE, String(small.length));
    const big = await pool.send({ from: FROM, to: 'ok@herald.test', raw: message(2, 'y'.repeat(5000)) });
    assert.deepEqual([big.success, big.permanent, big.code], [false, true, null]);
    assert.match(big.response, /^ESIZE: /);
    assert.equal(server.received.length, 1);
  });

  test('server down: a connection error outcome at once; server back: the pool recovers', async (t) => {
    const port = await freePort();
    const pool = createSmtpPool({ url: `smtp://127.0.0.1:${port}`, poolSize: 2 });
    const down = await Promise.all(
      [1, 2, 3].map((id) => pool.send({ from: FROM, to: 'ok@herald.test', raw: message(id, 'x\r\n') })),
    );
    for (const outcome of down) {
      assert.deepEqual([outcome.success, outcome.permanent, outcome.code, outcome.uncertain], [false, false, null, false]);
      assert.equal(outcome.response, `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${port}`);
    }
    const server = await startServer({}, port);
    defer(t, () => server.stop());
    defer(t, () => pool.close());
    assertSuccess(await pool.send({ from: FROM, to: 'ok@herald.test', raw: message(4, 'x\r\n') }));
  });

  test('no reply to the data within socketTimeoutMs: an uncertain ETIMEDOUT, not a hang', async (t) => {
    const server = await startServer({
      async onData(stream) {
        await readAll(stream); // and never answer
      },
    });
    defer(t, () => server.stop());
    const pool = poolFor(t, { url: server.url, socketTimeoutMs: 200 });
    const outcome = await pool.send({ from: FROM, to: 'ok@herald.test', raw: message(1, 'x\r\n') });
    assert.deepEqual([outcome.success, outcome.code, outcome.uncertain], [false, null, true]);
    assert.equal(outcome.response, 'ETIMEDOUT: no reply within 200 ms');
  });

  test('an idle connection is closed with QUIT after socketTimeoutMs, and a new one opened on demand', async (t) => {
    const server = await startServer();
    defer(t, () => server.stop());
    const pool = poolFor(t, { url: server.url, poolSize: 1, socketTimeoutMs: 100 });
    assertSuccess(await pool.send({ from: FROM, to: 'ok@herald.test', raw: message(1, 'x\r\n') }));
    await once(server.events, 'close');
    assertSuccess(await pool.send({ from: FROM, to: 'ok@herald.test', raw: message(2, 'x\r\n') }));
    assert.equal(server.counts.sessions, 2);
  });

  test('close() with messages in flight and queued settles every send and does not hang', async (t) => {
    const held: Array<() => void> = [];
    const server: TestServer = await startServer({
      async onData(stream, session, callback) {
        await readAll(stream);
        held.push(callback);
        server.events.emit('data', session);
      },
    });
    defer(t, () => server.stop());
    const pool = createSmtpPool({ url: server.url, poolSize: 2 });
    const sends = [1, 2, 3, 4, 5].map((id) => pool.send({ from: FROM, to: `r${id}@herald.test`, raw: message(id, 'x\r\n') }));
    while (held.length < 2) await once(server.events, 'data');
    await pool.close();
    const outcomes = await Promise.all(sends);
    assert.equal(outcomes.filter((o) => o.uncertain).length, 2, 'the two whose data was written are uncertain');
    for (const outcome of outcomes) assert.deepEqual([outcome.success, outcome.code, outcome.permanent], [false, null, false]);
    assert.equal(outcomes.filter((o) => /^ECLOSED: /.test(o.response)).length, 5);
    const late = await pool.send({ from: FROM, to: 'ok@herald.test', raw: message(6, 'x\r\n') });
    assert.match(late.response, /^ECLOSED: the SMTP pool is closed/);
  });
});

/**
 * A scripted server for what smtp-server and smtp-sink never do: accept DATA after refusing the
 * only recipient, or send a reply that never ends.
 */
async function startScripted(greeting: string) {
  const commands: string[] = [];
  const bodies: string[] = [];
  /** What each read from the socket held, to see which writes travelled together. */
  const chunks: string[] = [];
  const server = net.createServer((socket) => {
    let pending = '';
    let inData = false;
    let body = '';
    socket.write(greeting);
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      chunks.push(chunk.toString('latin1'));
      pending += chunk.toString('latin1');
      for (let lf = pending.indexOf('\n'); lf !== -1; lf = pending.indexOf('\n')) {
        const line = pending.slice(0, lf + 1);
        pending = pending.slice(lf + 1);
        if (inData) {
          if (line !== '.\r\n') body += line;
          else {
            inData = false;
            bodies.push(body);
            socket.write('250 2.0.0 Accepted\r\n');
          }
          continue;
        }
        const command = line.trim();
        commands.push(command);
        const verb = command.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-scripted\r\n250 PIPELINING\r\n');
        else if (verb === 'RCPT' && command.includes('nobody@')) socket.write('550 5.1.1 No such user\r\n');
        else if (verb === 'DATA') {
          inData = true;
          body = '';
          socket.write('354 Go ahead\r\n');
        } else if (verb === 'QUIT') socket.end('221 Bye\r\n');
        else socket.write('250 Ok\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    commands,
    bodies,
    chunks,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('pipelining across messages', () => {
  test("with PIPELINING the next message's envelope travels in the same write as the current message's data", async (t) => {
    const server = await startScripted('220 scripted ESMTP\r\n');
    defer(t, () => server.stop());
    const pool = poolFor(t, { url: server.url, poolSize: 1 });
    const outcomes = await Promise.all(
      [1, 2, 3, 4, 5].map((id) => pool.send({ from: FROM, to: `p${id}@herald.test`, raw: message(id, 'x\r\n') })),
    );
    for (const outcome of outcomes) assertSuccess(outcome);
    assert.equal(server.bodies.length, 5);
    assert.equal(server.commands.filter((c) => c.startsWith('MAIL FROM')).length, 5, 'each envelope sent once');
    const together = server.chunks.filter((chunk) => /\r\n\.\r\nMAIL FROM:/.test(chunk));
    assert.ok(together.length >= 1, `no data write carried the next envelope: ${JSON.stringify(server.chunks)}`);
  });
});

describe('servers that misbehave', () => {
  test('a server that accepts the connection but never greets: ETIMEDOUT after connectTimeoutMs', async (t) => {
    const server = await startScripted('');
    defer(t, () => server.stop());
    const pool = poolFor(t, { url: server.url, connectTimeoutMs: 200 });
    const outcome = await pool.send({ from: FROM, to: 'ok@herald.test', raw: message(1, 'x\r\n') });
    assert.deepEqual([outcome.success, outcome.permanent, outcome.code, outcome.uncertain], [false, false, null, false]);
    assert.equal(outcome.response, `ETIMEDOUT: no SMTP session with ${pool.server} within 200 ms`);
  });

  test('DATA accepted after a refused recipient: the data is ended empty, the refusal reported, the connection reset and reused', async (t) => {
    const server = await startScripted('220 scripted\r\n');
    defer(t, () => server.stop());
    const pool = poolFor(t, { url: server.url, poolSize: 1 });
    const refused = await pool.send({ from: FROM, to: 'nobody@herald.test', raw: message(1, 'must not be sent\r\n') });
    assert.deepEqual([refused.success, refused.permanent, refused.code], [false, true, 550]);
    assert.equal(refused.response, '550 5.1.1 No such user');
    assertSuccess(await pool.send({ from: FROM, to: 'ok@herald.test', raw: message(2, 'x\r\n') }));
    assert.deepEqual(server.bodies, ['', stored(message(2, 'x\r\n'))]);
    assert.deepEqual(
      server.commands.filter((c) => !c.startsWith('EHLO')),
      [
        `MAIL FROM:<${FROM}>`,
        'RCPT TO:<nobody@herald.test>',
        'DATA',
        'RSET',
        `MAIL FROM:<${FROM}>`,
        'RCPT TO:<ok@herald.test>',
        'DATA',
      ],
    );
  });

  test('a reply that never ends, or is not SMTP, is a protocol error, not a hang or a crash', async (t) => {
    for (const greeting of [`220-${'x'.repeat(70_000)}`, 'HTTP/1.1 400 Bad Request\r\n']) {
      const server = await startScripted(greeting);
      defer(t, () => server.stop());
      const pool = poolFor(t, { url: server.url, poolSize: 1 });
      const outcome = await pool.send({ from: FROM, to: 'ok@herald.test', raw: message(1, 'x\r\n') });
      assert.deepEqual([outcome.success, outcome.permanent, outcome.code], [false, false, null]);
      assert.match(outcome.response, /^EPROTOCOL: /);
    }
  });
});

/** Postfix's smtp-sink on a free loopback port, writing each message to its own file. */
async function startSink(t: TestContext, flags: string[] = []) {
  const port = await freePort();
  const dumps = mkdtempSync(path.join(os.tmpdir(), 'herald-sink-'));
  chmodSync(dumps, 0o777); // smtp-sink drops to nobody when started as root
  const asRoot = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
  const child = spawn('/usr/sbin/smtp-sink', [...flags, ...asRoot, '-d', `${dumps}/%M.`, `127.0.0.1:${port}`, '64'], {
    stdio: 'ignore',
  });
  const exited = once(child, 'exit');
  defer(t, async () => {
    if (child.exitCode === null) child.kill();
    await exited;
    rmSync(dumps, { recursive: true, force: true });
  });
  await listening(port, () => child.exitCode !== null);
  return {
    url: `smtp://127.0.0.1:${port}`,
    /** The stored messages by test id, without smtp-sink's own header lines (it stores LF line ends). */
    messages() {
      const byId = new Map<number, string>();
      for (const file of readdirSync(dumps)) {
        const text = readFileSync(path.join(dumps, file), 'latin1');
        byId.set(idOf(text), text.slice(text.indexOf('X-Test-Id:')));
      }
      return byId;
    },
  };
}

/** Waits until the freshly started server accepts connections (a bounded number of tries). */
async function listening(port: number, gone: () => boolean) {
  for (let tries = 0; tries < 250 && !gone(); tries++) {
    const socket = net.connect(port, '127.0.0.1');
    const connected = await new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true));
      socket.once('error', () => resolve(false));
    });
    socket.destroy();
    if (connected) return;
    await delay(20);
  }
  throw new Error(`smtp-sink did not start on port ${port}`);
}

for (const pipelining of [true, false]) {
  describe(`smtp-sink ${pipelining ? 'with' : 'without'} PIPELINING`, () => {
    const flags = pipelining ? [] : ['-p'];

    test('many messages over a few connections are all stored, dot lines and odd endings included', async (t) => {
      const sink = await startSink(t, flags);
      const pool = poolFor(t, { url: sink.url, poolSize: 3 });
      const sent = await sendAllBodies(pool, 48);
      const dumped = sink.messages();
      assert.equal(dumped.size, 48);
      for (const { id, raw } of sent) {
        // smtp-sink stores lines with LF and one blank line after the message.
        assert.equal(dumped.get(id), `${stored(raw).replaceAll('\r\n', '\n')}\n`, `message ${id}`);
      }
    });

    test('a connection dropped right after the final dot gives an uncertain outcome', async (t) => {
      const sink = await startSink(t, [...flags, '-q', '.']);
      const pool = poolFor(t, { url: sink.url, poolSize: 1 });
      const outcome = await pool.send({ from: FROM, to: 'ok@herald.test', raw: message(1, 'x\r\n') });
      assert.deepEqual([outcome.success, outcome.permanent, outcome.code, outcome.uncertain], [false, false, null, true]);
    });
  });
}

describe('smtp-sink replies', () => {
  test('a server without ESMTP gets HELO and plain commands', async (t) => {
    const sink = await startSink(t, ['-e']);
    const pool = poolFor(t, { url: sink.url });
    await sendAllBodies(pool, 8);
    assert.equal(sink.messages().size, 8);
  });

  test('AUTH PLAIN on loopback', async (t) => {
    const sink = await startSink(t);
    const pool = poolFor(t, { url: `smtp://user:secret@${new URL(sink.url).host}` });
    await sendAllBodies(pool, 2);
    assert.equal(sink.messages().size, 2);
  });

  const cases = [
    { flags: ['-r', 'rcpt', '-b', '452 4.2.2 Mailbox full'], code: 452, permanent: false },
    { flags: ['-f', 'rcpt', '-B', '550 5.1.1 No such user'], code: 550, permanent: true },
    { flags: ['-r', 'mail', '-b', '451 4.3.0 Try later'], code: 451, permanent: false },
    { flags: ['-r', '.', '-b', '451 4.7.1 Greylisted'], code: 451, permanent: false },
    { flags: ['-f', '.', '-B', '554 5.7.1 Rejected as spam'], code: 554, permanent: true },
  ];
  for (const { flags, code, permanent } of cases) {
    test(`smtp-sink ${flags.join(' ')}: outcome ${code}, and the next message on the connection too`, async (t) => {
      const sink = await startSink(t, flags);
      const pool = poolFor(t, { url: sink.url, poolSize: 1 });
      const reply = flags.at(-1)!;
      for (const id of [1, 2]) {
        const outcome = await pool.send({ from: FROM, to: 'ok@herald.test', raw: message(id, 'x\r\n') });
        assert.deepEqual(outcome, { success: false, permanent, code, response: reply, server: pool.server, uncertain: false });
      }
      if (flags[1] === 'rcpt' || flags[1] === 'mail') assert.equal(sink.messages().size, 0);
    });
  }
});
