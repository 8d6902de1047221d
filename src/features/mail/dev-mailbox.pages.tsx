import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.ts';
import { pageContext, sendPage } from '../../http/context.ts';
import { msg } from '../../i18n/i18n.ts';
import { parseId } from '../../lib/ids.ts';
import { Layout, type PageContext } from '../../views/layout.tsx';
import type { CapturedMail, MailRepository } from './mail.repository.ts';

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

function MailboxPage({ ctx, mails }: { ctx: PageContext; mails: CapturedMail[] }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('Dev mailbox')}>
      <h1>{t('Dev mailbox')}</h1>
      <p>
        {t('No {{setting}} is configured, so Herald keeps outgoing mail here instead of sending it. Newest first.', {
          setting: 'SMTP_URL',
        })}
      </p>
      {mails.length === 0 ? (
        <p>{t('No mail captured yet.')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('When')}</th>
              <th scope="col">{t('To')}</th>
              <th scope="col">{t('Subject')}</th>
              <th scope="col">{t('Links')}</th>
            </tr>
          </thead>
          <tbody>
            {mails.map((mail) => (
              <tr>
                <td>{ctx.format.dateTime(mail.createdAt)}</td>
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
        <a href="/dev/mailbox">← {ctx.t('Dev mailbox')}</a>
      </p>
      <article>
        <h1>{mail.subject}</h1>
        <p>{ctx.t('To: {{address}}', { address: mail.toAddress })}</p>
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
      const mail = await deps.mailRepository.findCaptured(parseId((request.params as { id: string }).id, msg('Mail not found.')));
      if (!mail) throw AppError.notFound(msg('Mail not found.'));
      return sendPage(reply, MailPage({ ctx: pageContext(request, reply, deps.enabled), mail }));
    },
  } satisfies Record<string, Handler>;
}
