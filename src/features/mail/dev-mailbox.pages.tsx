import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.ts';
import { pageContext, sendPage } from '../../http/context.ts';
import { parseId } from '../../lib/ids.ts';
import { formatUtc } from '../../views/format.ts';
import { Layout, type PageContext } from '../../views/layout.tsx';
import type { CapturedMail, MailRepository } from './mail.repository.ts';

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

function MailboxPage({ ctx, mails }: { ctx: PageContext; mails: CapturedMail[] }) {
  return (
    <Layout ctx={ctx} title="Dev mailbox">
      <h1>Dev mailbox</h1>
      <p>
        No <code>SMTP_URL</code> is configured, so Herald keeps outgoing mail here instead of sending it. Newest first.
      </p>
      {mails.length === 0 ? (
        <p>No mail captured yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">To</th>
              <th scope="col">Subject</th>
              <th scope="col">Links</th>
            </tr>
          </thead>
          <tbody>
            {mails.map((mail) => (
              <tr>
                <td>{formatUtc(mail.createdAt, { seconds: true, suffix: false })}</td>
                <td>{mail.toAddress}</td>
                <td>
                  <a href={`/dev/mailbox/${mail.id}`}>{mail.subject}</a>
                </td>
                <td>
                  {mail.links.map((link) => (
                    <a href={link} class="mail-link">
                      {link}
                    </a>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

function MailPage({ ctx, mail }: { ctx: PageContext; mail: CapturedMail }) {
  return (
    <Layout ctx={ctx} title={mail.subject}>
      <p>
        <a href="/dev/mailbox">← Dev mailbox</a>
      </p>
      <article>
        <h1>{mail.subject}</h1>
        <p>To: {mail.toAddress}</p>
        <pre class="mail">{mail.text}</pre>
      </article>
    </Layout>
  );
}

/** Admin-only view of captured mail; exists only when mail is captured (no SMTP_URL). */
export function createDevMailboxPages(deps: { mailRepository: MailRepository; enabled: boolean }) {
  const requireEnabled = () => {
    if (!deps.enabled) throw AppError.notFound();
  };
  return {
    list: async (request, reply) => {
      requireEnabled();
      const mails = await deps.mailRepository.listCaptured();
      return sendPage(reply, MailboxPage({ ctx: pageContext(request, reply, deps.enabled), mails }));
    },
    show: async (request, reply) => {
      requireEnabled();
      const mail = await deps.mailRepository.findCaptured(parseId((request.params as { id: string }).id, 'Mail'));
      if (!mail) throw AppError.notFound('Mail');
      return sendPage(reply, MailPage({ ctx: pageContext(request, reply, deps.enabled), mail }));
    },
  } satisfies Record<string, Handler>;
}
