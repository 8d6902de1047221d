/**
 * Postfix's test programs: `smtp-sink`, the server every measurement sends into (it accepts and
 * discards everything, announces PIPELINING, and counts what it took), and `smtp-source`, the
 * C client whose rate into that sink is the physical limit Herald is compared with.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from '../test/support/net.ts';
import type { Cleanup } from './cleanup.ts';

export const SMTP_SINK = process.env.BENCH_SMTP_SINK ?? '/usr/sbin/smtp-sink';
export const SMTP_SOURCE = process.env.BENCH_SMTP_SOURCE ?? '/usr/sbin/smtp-source';

/** smtp-sink refuses to run as root without a user to switch to. */
const asRoot = process.getuid?.() === 0;
const NOBODY = 65534;

export interface Sink {
  port: number;
  url: string;
  /** Messages the sink has received so far (its `-c` counter, "mesg=" after each final "."). */
  messages(): number;
  stop(): Promise<void>;
}

/**
 * Starts smtp-sink on a free loopback port and follows its running counter. With `dumpDir` it
 * also writes every message there (slow: only for looking at one).
 */
export async function startSink(cleanup: Cleanup, options: { dumpDir?: string } = {}): Promise<Sink> {
  const port = await freePort();
  if (options.dumpDir && asRoot) chownSync(options.dumpDir, NOBODY, NOBODY);
  // -c: a running counter on stdout; backlog 1024 so hundreds of parallel sessions queue, not fail.
  const args = [
    '-c',
    ...(asRoot ? ['-u', 'nobody'] : []),
    ...(options.dumpDir ? ['-d', path.join(options.dumpDir, '%H%M%S.')] : []),
    `127.0.0.1:${port}`,
    '1024',
  ];
  const child = spawn(SMTP_SINK, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let received = 0;
  let carry = '';
  let errors = '';
  // The counter must be read as fast as it is written: a full pipe would stall the sink itself.
  child.stdout?.setEncoding('latin1').on('data', (chunk: string) => {
    const text = carry + chunk;
    const end = text.lastIndexOf('\r');
    if (end === -1) {
      carry = text.slice(-200);
      return;
    }
    const at = text.lastIndexOf('mesg=', end);
    if (at !== -1) received = Number.parseInt(text.slice(at + 5, end), 10) || received;
    carry = text.slice(end + 1);
  });
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    errors += text;
  });
  const stop = cleanup.add(`smtp-sink (PID ${child.pid})`, () => stopChild(child));
  await waitForListener(port, child, () => errors);
  return { port, url: `smtp://127.0.0.1:${port}`, messages: () => received, stop };
}

/** Resolves once something accepts connections on the port; fails if the sink exits first. */
async function waitForListener(port: number, child: ChildProcess, errors: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`smtp-sink exited with ${child.exitCode}: ${errors()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await delay(50);
  }
  throw new Error(`smtp-sink did not listen on 127.0.0.1:${port} within 10 s: ${errors()}`);
}

/** Ends a child process this benchmark started: SIGTERM, then SIGKILL if it lingers. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export interface SourceResult {
  sessions: number;
  /** `-d`: every session keeps its connection for all its messages, as Herald's pool does. */
  persistent: boolean;
  messages: number;
  seconds: number;
  rate: number;
}

/** One smtp-source run of `messages` 5 KB messages over `sessions` parallel sessions into the sink. */
export async function runSmtpSource(
  sink: Sink,
  options: { sessions: number; persistent: boolean; messages: number; size: number },
): Promise<SourceResult> {
  const before = sink.messages();
  const args = [
    ...(options.persistent ? ['-d'] : []),
    '-s',
    String(options.sessions),
    '-l',
    String(options.size),
    '-m',
    String(options.messages),
    `127.0.0.1:${sink.port}`,
  ];
  const started = performance.now();
  const child = spawn(SMTP_SOURCE, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    errors += text;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`smtp-source ${args.join(' ')} exited with ${code}: ${errors}`);
  const counted = (await waitForCount(sink, before + options.messages, 5000)) - before;
  if (counted !== options.messages) throw new Error(`smtp-sink counted ${counted} of smtp-source's ${options.messages} messages`);
  return { ...options, seconds, rate: options.messages / seconds };
}

/** Waits (briefly) until the sink's counter reaches `expected`; returns what it counted. */
export async function waitForCount(sink: Sink, expected: number, withinMs: number): Promise<number> {
  const deadline = Date.now() + withinMs;
  while (sink.messages() < expected && Date.now() < deadline) await delay(20);
  return sink.messages();
}

/**
 * The size on the wire (CRLF line ends, before dot-stuffing) of the one message a dumping sink
 * received: smtp-sink's dump has LF line ends and its own headers (X-…, Received) in front.
 */
export function dumpedMessageBytes(dumpDir: string): number {
  const [file] = readdirSync(dumpDir);
  if (!file) throw new Error(`smtp-sink wrote no message into ${dumpDir}`);
  const lines = readFileSync(path.join(dumpDir, file), 'latin1').split('\n');
  let start = 0;
  while (lines[start]?.startsWith('X-')) start++;
  if (lines[start]?.startsWith('Received:')) start++;
  while (/^[ \t]/.test(lines[start] ?? '')) start++;
  // The dump ends each message with an empty line of its own (and the file with a line end).
  let end = lines.length;
  while (end > start && lines[end - 1] === '') end--;
  return lines.slice(start, end).reduce((bytes, line) => bytes + line.length + 2, 0);
}
