import type { Transporter } from 'nodemailer';
import type { MailRepository } from '../mail/mail.repository.ts';
import type { RenderedMessage } from '../messages/messages.render.ts';
import { createSmtpPool } from './smtp-client.ts';

/** One personalised e-mail of a run: its parts (for the dev mailbox) and its wire form (for SMTP). */
export interface OutgoingEmail {
  /** The envelope sender (MAIL FROM). */
  from: string;
  to: string;
  rendered: RenderedMessage;
  /** The whole message as sent: headers and body, CRLF line ends, DKIM-signed when configured. */
  raw: Buffer;
  /** Every line of `raw` ends in CRLF, as `CompiledMime.build` writes them (see SmtpMail). */
  crlfLines?: boolean;
  unsubscribeUrl: string;
}

/** What the server said to one attempt. `permanent` failures are not retried. */
export interface SendOutcome {
  success: boolean;
  permanent: boolean;
  code: number | null;
  response: string;
  server: string;
  /**
   * The connection broke after the whole message was handed over and before the server answered:
   * it may have been delivered. Such a delivery becomes `unknown`, never resent.
   */
  uncertain?: boolean;
}

/** Where a run's e-mails go: an SMTP server, or the dev mailbox when none is configured. */
export interface Messenger {
  /** The server's name as recorded on attempts and used to pace per server. */
  readonly server: string;
  send(mail: OutgoingEmail): Promise<SendOutcome>;
  close(): Promise<void>;
}

/** Hard bounces: the address itself is refused (mailbox unknown or unavailable). */
export function isHardBounce(outcome: SendOutcome): boolean {
  return (
    !outcome.success &&
    outcome.permanent &&
    (/^5\.1\.\d/.test(outcome.response.replace(/^\d{3}[ -]/, '')) || [550, 551, 553].includes(outcome.code ?? 0))
  );
}

/**
 * A temporary "slow down" reply: too many messages or connections, rate limited, try later. The
 * sender answers it by lowering its pace for that domain (and server, for 421) rather than by
 * counting on retries alone.
 */
export function isThrottle(outcome: SendOutcome): boolean {
  if (outcome.success || outcome.permanent || outcome.code === null || outcome.code < 400) return false;
  return /too many|too fast|try (again )?later|rate.?limit|throttl|slow down|exceeded|temporarily deferred/i.test(
    outcome.response,
  );
}

/** An SMTP reply or connection error as an outcome: 5xx is permanent, 4xx and network trouble are not. */
export function classifyError(error: unknown, server: string): SendOutcome {
  const e = error as { responseCode?: number; response?: string; message?: string; code?: string };
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  const response = (e.response ?? `${e.code ?? 'ERROR'}: ${e.message ?? String(error)}`).slice(0, 1000);
  return { success: false, permanent: code !== null && code >= 500 && code < 600, code, response, server };
}

/**
 * nodemailer reports a connection that broke or timed out once established as ECONNECTION or
 * ETIMEDOUT, without saying whether the message had been handed over. Herald cannot tell either,
 * so such an e-mail is uncertain (unknown, never resent); a refused connect is plainly retried.
 */
function brokeAfterConnecting(error: unknown): boolean {
  const e = error as { code?: string; responseCode?: number; message?: string };
  if (typeof e.responseCode === 'number') return false;
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH/.test(String(e.message))) return false;
  return e.code === 'ECONNECTION' || e.code === 'ETIMEDOUT';
}

const serverName = (smtpUrl: string) => {
  const url = new URL(smtpUrl);
  return `${url.hostname}:${url.port || (url.protocol === 'smtps:' ? 465 : 587)}`;
};

/** The fast path: Herald's own pipelining client over persistent connections. */
export function createSmtpMessenger(options: { smtpUrl: string; poolSize: number }): Messenger {
  const pool = createSmtpPool({ url: options.smtpUrl, poolSize: options.poolSize });
  return {
    server: pool.server,
    send: (mail) => pool.send({ from: mail.from, to: mail.to, raw: mail.raw, crlfLines: mail.crlfLines }),
    close: () => pool.close(),
  };
}

/**
 * The fallback path (`SMTP_CLIENT=nodemailer`): the same prebuilt message through nodemailer's
 * pooled transport, for servers that need something Herald's client does not speak.
 */
export function createNodemailerMessenger(options: { smtpUrl: string; poolSize: number }): Messenger {
  const server = serverName(options.smtpUrl);
  // Loaded on first use, like the transactional mail transport: most processes never need it.
  let transport: Promise<Transporter> | undefined;
  const open = () =>
    (transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport({
        url: options.smtpUrl,
        pool: true,
        maxConnections: options.poolSize,
        maxMessages: Number.POSITIVE_INFINITY,
      } as Parameters<typeof nodemailer.createTransport>[0]),
    ));
  return {
    server,
    async send(mail) {
      try {
        const info = await (await open()).sendMail({ envelope: { from: mail.from, to: [mail.to] }, raw: mail.raw });
        const response = String(info.response ?? '250 OK');
        return {
          success: true,
          permanent: false,
          code: Number(response.slice(0, 3)) || 250,
          response: response.slice(0, 1000),
          server,
        };
      } catch (error) {
        return { ...classifyError(error, server), uncertain: brokeAfterConnecting(error) };
      }
    },
    async close() {
      (await transport)?.close();
    },
  };
}

/** Without SMTP_URL every e-mail of a run lands in the dev mailbox, so a newcomer sees what was sent. */
export function createDevMailboxMessenger(repository: MailRepository): Messenger {
  return {
    server: 'dev-mailbox',
    async send(mail) {
      await repository.capture({
        toAddress: mail.to,
        subject: mail.rendered.subject,
        text: mail.rendered.text,
        html: mail.rendered.html,
        links: [mail.unsubscribeUrl],
      });
      return { success: true, permanent: false, code: 250, response: '250 Captured in the dev mailbox', server: 'dev-mailbox' };
    },
    async close() {},
  };
}
