import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { english, msg } from '../i18n/i18n.ts';
import { type CliCommand, type CommandResult, type ProgressListener, translatorOf } from './commands.ts';

/**
 * While a server holds the embedded database, CLI commands reach it here: a loopback-only HTTP
 * listener, authenticated by a secret in a file only the data directory's owner can read.
 */
const controlFile = (dataDir: string) => path.join(dataDir, 'control.json');

interface ControlInfo {
  pid: number;
  port: number;
  secret: string;
}

export interface ControlServer {
  close(): Promise<void>;
}

export async function startControlServer(
  dataDir: string,
  execute: (command: CliCommand, onProgress: ProgressListener) => Promise<CommandResult>,
): Promise<ControlServer> {
  const secret = randomBytes(32).toString('hex');
  const expected = Buffer.from(secret);
  const server = http.createServer((request, response) => {
    const given = Buffer.from(String(request.headers['x-herald-secret'] ?? ''));
    if (request.method !== 'POST' || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      response.writeHead(403).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 64 * 1024) request.destroy();
      else chunks.push(chunk);
    });
    request.on('end', async () => {
      // One JSON document a line: progress while the command runs, then its result.
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      let result: CommandResult;
      // Until the command is read, its language is unknown: English.
      let t = english;
      try {
        const command = JSON.parse(Buffer.concat(chunks).toString('utf8')) as CliCommand;
        t = translatorOf(command);
        result = await execute(command, (done, total) => response.write(`${JSON.stringify({ progress: [done, total] })}\n`));
      } catch (error) {
        result = { code: 1, output: t('Error: {{message}}', { message: t((error as Error).message) }) };
      }
      response.end(`${JSON.stringify({ result })}\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const info: ControlInfo = { pid: process.pid, port: (server.address() as AddressInfo).port, secret };
  const file = controlFile(dataDir);
  writeFileSync(`${file}.tmp`, JSON.stringify(info), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  return {
    async close() {
      try {
        const current = JSON.parse(readFileSync(file, 'utf8')) as ControlInfo;
        if (current.pid === process.pid) unlinkSync(file);
      } catch {}
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Sends a command to the server holding the data directory; throws when it cannot be reached (a message to translate). */
export async function forwardCommand(
  dataDir: string,
  command: CliCommand,
  onProgress: ProgressListener = () => {},
): Promise<CommandResult> {
  const info = JSON.parse(readFileSync(controlFile(dataDir), 'utf8')) as ControlInfo;
  const response = await fetch(`http://127.0.0.1:${info.port}/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-herald-secret': info.secret },
    body: JSON.stringify(command),
  });
  if (!response.ok || !response.body) {
    throw new Error(msg('the running server refused the command (HTTP {{status}})', { status: response.status }));
  }
  let buffered = '';
  for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const message = JSON.parse(buffered.slice(0, newline)) as { progress?: [number, number]; result?: CommandResult };
      buffered = buffered.slice(newline + 1);
      if (message.progress) onProgress(...message.progress);
      if (message.result) return message.result;
      newline = buffered.indexOf('\n');
    }
  }
  throw new Error(msg('the running server closed the channel without a result'));
}
