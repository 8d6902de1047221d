import { EventEmitter } from 'node:events';
import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { JobQueue } from '../../lib/jobs.ts';
import { subjectHeader } from '../sending/mime.ts';
import type { MailRepository } from './mail.repository.ts';

/** A transactional e-mail (confirmation, password reset): one recipient, text and HTML. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Links the mail carries; logged to the console when mail is captured, so a newcomer can click them. */
  links?: string[];
}

export interface MailTransport {
  readonly kind: 'smtp' | 'dev-mailbox';
  deliver(mail: OutgoingMail): Promise<void>;
  close(): void;
}

const QUEUE = 'transactional-mail';

export function createSmtpTransport(options: {
  smtpUrl: string;
  from: string;
  dkim?: { domain: string; selector: string; privateKey: string } | undefined;
}): MailTransport {
  // nodemailer loads with the first mail: a process that never sends one (a busy worker between
  // sign-ups) does not carry it.
  let transport: Promise<Transporter> | undefined;
  const open = () =>
    (transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport(options.smtpUrl, {
        from: options.from,
        ...(options.dkim
          ? { dkim: { domainName: options.dkim.domain, keySelector: options.dkim.selector, privateKey: options.dkim.privateKey } }
          : {}),
      }),
    ));
  return {
    kind: 'smtp',
    async deliver(mail) {
      await (await open()).sendMail({
        to: mail.to,
        // Written as a mailing's subject is: nodemailer leaves ASCII text as it is, so a subject
        // that looks like an encoded-word (`=?UTF-8?B?…?=`) would be decoded by the reader's client.
        headers: { Subject: { prepared: true, value: subjectHeader(mail.subject).slice('Subject:'.length).trimStart() } },
        text: mail.text,
        ...(mail.html ? { html: mail.html } : {}),
      });
    },
    close: () => void transport?.then((opened) => opened.close()),
  };
}

export function createDevMailboxTransport(repository: MailRepository, logger: Logger): MailTransport {
  return {
    kind: 'dev-mailbox',
    async deliver(mail) {
      await repository.capture({
        toAddress: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html ?? null,
        links: mail.links ?? [],
      });
      logger.info(
        { to: mail.to, subject: mail.subject, links: mail.links ?? [] },
        'mail captured in the dev mailbox (no SMTP_URL)',
      );
    },
    close() {},
  };
}

/**
 * Transactional mail goes through a durable job, so a request never waits for SMTP, a queued mail
 * survives a restart, and a failed delivery is retried with backoff.
 */
export function createMailService(deps: { jobs: JobQueue; transport: MailTransport; logger: Logger }) {
  const events = new EventEmitter<{ delivered: [OutgoingMail]; failed: [OutgoingMail, Error] }>();
  return {
    events,
    transportKind: deps.transport.kind,

    async enqueue(mail: OutgoingMail): Promise<void> {
      await deps.jobs.send(QUEUE, mail);
    },

    /** Starts delivering queued mail from this process. */
    async startWorker(): Promise<void> {
      await deps.jobs.work<OutgoingMail>(QUEUE, async (mail) => {
        try {
          await deps.transport.deliver(mail);
        } catch (error) {
          deps.logger.warn({ err: error, to: mail.to, subject: mail.subject }, 'transactional mail failed; it will be retried');
          events.emit('failed', mail, error as Error);
          throw error;
        }
        events.emit('delivered', mail);
      });
    },

    close(): void {
      deps.transport.close();
    },
  };
}

export type MailService = ReturnType<typeof createMailService>;
