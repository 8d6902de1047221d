import nodemailer from 'nodemailer';
import type { MailRepository } from '../mail/mail.repository.ts';

/** One personalised e-mail of a run, ready to hand to a server. */
export interface Envelope {
  to: string;
  subject: string;
  text: string;
  html: string;
  unsubscribeUrl: string;
}

/** What the server said to one attempt. `permanent` failures are not retried. */
export interface SendOutcome {
  success: boolean;
  permanent: boolean;
  code: number | null;
  response: string;
  server: string;
}

/** Where a run's e-mails go: an SMTP server, or the dev mailbox when none is configured. */
export interface Messenger {
  send(envelope: Envelope): Promise<SendOutcome>;
  close(): void;
}

/** Hard bounces: the address itself is refused (mailbox unknown or unavailable). */
export function isHardBounce(outcome: SendOutcome): boolean {
  return (
    !outcome.success &&
    outcome.permanent &&
    (/^5\.1\.\d/.test(outcome.response.replace(/^\d{3}[ -]/, '')) || [550, 551, 553].includes(outcome.code ?? 0))
  );
}

/** An SMTP reply or connection error as an outcome: 5xx is permanent, 4xx and network trouble are not. */
export function classifyError(error: unknown, server: string): SendOutcome {
  const e = error as { responseCode?: number; response?: string; message?: string; code?: string };
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  const response = (e.response ?? `${e.code ?? 'ERROR'}: ${e.message ?? String(error)}`).slice(0, 1000);
  return { success: false, permanent: code !== null && code >= 500 && code < 600, code, response, server };
}

export function createSmtpMessenger(options: {
  smtpUrl: string;
  from: string;
  poolSize: number;
  dkim?: { domain: string; selector: string; privateKey: string } | undefined;
}): Messenger {
  const url = new URL(options.smtpUrl);
  const server = `${url.hostname}:${url.port || (url.protocol === 'smtps:' ? 465 : 587)}`;
  const transport = nodemailer.createTransport({
    url: options.smtpUrl,
    pool: true,
    maxConnections: options.poolSize,
    maxMessages: Number.POSITIVE_INFINITY,
    ...(options.dkim
      ? { dkim: { domainName: options.dkim.domain, keySelector: options.dkim.selector, privateKey: options.dkim.privateKey } }
      : {}),
  } as Parameters<typeof nodemailer.createTransport>[0]);
  const fromAddress = /<([^>]+)>/.exec(options.from)?.[1] ?? options.from;
  return {
    async send(envelope) {
      try {
        const info = await transport.sendMail({
          from: options.from,
          to: envelope.to,
          subject: envelope.subject,
          text: envelope.text,
          html: envelope.html,
          // One List-Unsubscribe header with the one-click URL and a mailto, and RFC 8058's POST marker.
          list: { unsubscribe: [[envelope.unsubscribeUrl, `${fromAddress}?subject=unsubscribe`]] },
          headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
        });
        const response = String(info.response ?? '250 OK');
        return {
          success: true,
          permanent: false,
          code: Number(response.slice(0, 3)) || 250,
          response: response.slice(0, 1000),
          server,
        };
      } catch (error) {
        return classifyError(error, server);
      }
    },
    close: () => transport.close(),
  };
}

/** Without SMTP_URL every e-mail of a run lands in the dev mailbox, so a newcomer sees what was sent. */
export function createDevMailboxMessenger(repository: MailRepository): Messenger {
  return {
    async send(envelope) {
      await repository.capture({
        toAddress: envelope.to,
        subject: envelope.subject,
        text: envelope.text,
        html: envelope.html,
        links: [envelope.unsubscribeUrl],
      });
      return { success: true, permanent: false, code: 250, response: '250 Captured in the dev mailbox', server: 'dev-mailbox' };
    },
    close() {},
  };
}
