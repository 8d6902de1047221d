import { EventEmitter, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  parsed: ParsedMail;
}

/**
 * A real SMTP server on loopback that records every accepted message, parsed with mailparser.
 * `nextMail()` awaits the next message for an address instead of sleeping.
 */
export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  private readonly events = new EventEmitter<{ mail: [ReceivedMail] }>();
  private server: SMTPServer;
  port = 0;
  /** Per address, the reply codes to give its next RCPT TO commands, in order (then it is accepted). */
  readonly refusals = new Map<string, number[]>();
  /** Per address, the reply text of those refusals (default: "Try again later" / "No such mailbox here"). */
  readonly refusalTexts = new Map<string, string>();
  /**
   * Addresses whose next message is read whole and then answered by closing the connection, as a
   * server that crashes between taking a message and confirming it. Recorded in `dropped`.
   */
  readonly dropAfterData = new Set<string>();
  readonly dropped: string[] = [];
  /** How long the server takes over each message after reading it, before it answers (a slow server). */
  secondsPerMessage = 0;

  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        const code = this.refusals.get(address.address)?.shift();
        if (code === undefined) return callback();
        const text = this.refusalTexts.get(address.address) ?? (code >= 500 ? 'No such mailbox here' : 'Try again later');
        const error = Object.assign(new Error(text), { responseCode: code });
        callback(error);
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', async () => {
          const drop = session.envelope.rcptTo.find((r) => this.dropAfterData.delete(r.address));
          if (drop) {
            this.dropped.push(drop.address);
            const connections = (
              this.server as unknown as { connections: Set<{ session: { id: string }; _socket: { destroy(): void } }> }
            ).connections;
            for (const connection of connections) if (connection.session.id === session.id) connection._socket.destroy();
            return;
          }
          if (this.secondsPerMessage > 0) await new Promise((resolve) => setTimeout(resolve, this.secondsPerMessage * 1000));
          const raw = Buffer.concat(chunks).toString('utf8');
          const mail: ReceivedMail = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            parsed: await simpleParser(raw),
          };
          this.received.push(mail);
          callback();
          this.events.emit('mail', mail);
        });
      },
    });
  }

  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Resolves with the first message (already received or yet to come) for `to` that matches. */
  async nextMail(to: string, match: (mail: ReceivedMail) => boolean = () => true, seen = new Set<ReceivedMail>()) {
    const wanted = (mail: ReceivedMail) => !seen.has(mail) && mail.to.includes(to) && match(mail);
    const already = this.received.find(wanted);
    if (already) return already;
    for (;;) {
      const [mail] = await once(this.events, 'mail');
      if (wanted(mail as ReceivedMail)) return mail as ReceivedMail;
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The first link in a mail's text that starts with the given base URL. */
export function linkIn(mail: ReceivedMail, prefix: string): string {
  const text = mail.parsed.text ?? '';
  const link = text.split(/\s+/).find((word) => word.startsWith(prefix));
  if (!link) throw new Error(`no link starting with ${prefix} in mail "${mail.parsed.subject}"`);
  return link;
}
