import { AppError } from '../../errors.ts';
import { msg } from '../../i18n/i18n.ts';
import type { Clock } from '../../lib/clock.ts';
import { parseId } from '../../lib/ids.ts';
import { scopeFor } from '../../lib/scope.ts';
import { parseInput } from '../../lib/validation.ts';
import { type Actor, mayChange } from '../../permissions.ts';
import type { MailService } from '../mail/mail.service.ts';
import { type RenderedMessage, renderMessage } from './messages.render.ts';
import type { MessagesRepository, MessageView } from './messages.repository.ts';
import { messageListSchema, messageSchema } from './messages.schemas.ts';

/** Fields the input leaves out keep their stored value (PATCH); a field sent empty is still an error. */
const withStoredValues = (message: MessageView, input: unknown) =>
  input && typeof input === 'object' && !Array.isArray(input)
    ? { subject: message.subject, body: message.body, format: message.format, ...input }
    : input;

/** Messages: owner-scoped CRUD, preview and "send a test to me"; managers read everyone's, only admins change another's. */
export function createMessagesService(deps: {
  repository: MessagesRepository;
  mail: Pick<MailService, 'enqueue'>;
  clock: Clock;
  baseUrl: string;
}) {
  const { repository } = deps;
  const writeScope = (actor: Actor) => scopeFor(actor, 'messages:write_all');

  /** The message if the actor may read it; NOT_FOUND otherwise (existence is not revealed). */
  async function getMessage(actor: Actor, rawId: unknown): Promise<MessageView> {
    const message = await repository.find(scopeFor(actor, 'messages:read_all'), parseId(rawId, msg('Message not found.')));
    if (!message) throw AppError.notFound(msg('Message not found.'));
    return message;
  }

  /** The message if the actor may change it: 404 when unreadable, 403 when read-only. */
  async function getWritable(actor: Actor, rawId: unknown): Promise<MessageView> {
    const message = await getMessage(actor, rawId);
    if (!mayChange(actor, message.ownerId, 'messages:write_all')) {
      throw new AppError('FORBIDDEN', 'You can read this message but not change it.');
    }
    return message;
  }

  /** The message personalised for the actor, with an example unsubscribe link. */
  const renderForActor = (actor: Actor, message: MessageView): RenderedMessage =>
    renderMessage(message, { name: actor.fullName, email: actor.email, unsubscribeUrl: `${deps.baseUrl}/unsubscribe/example` });

  return {
    getMessage,
    getWritable,

    listMessages(actor: Actor, rawQuery: unknown) {
      const query = messageListSchema.parse(rawQuery ?? {});
      return repository.list(scopeFor(actor, 'messages:read_all'), query);
    },

    /** A writable message with the number of mailings using it (a used message cannot be deleted). */
    async getDeletable(actor: Actor, rawId: unknown): Promise<{ message: MessageView; mailingCount: number }> {
      const message = await getWritable(actor, rawId);
      return { message, mailingCount: await repository.countMailingsUsing(message.id) };
    },

    async createMessage(actor: Actor, input: unknown) {
      const data = parseInput(messageSchema, input);
      return repository.insert({ ownerId: actor.userId, ...data });
    },

    async updateMessage(actor: Actor, rawId: unknown, input: unknown): Promise<MessageView> {
      const message = await getWritable(actor, rawId);
      const data = parseInput(messageSchema, withStoredValues(message, input));
      if (!(await repository.update(writeScope(actor), message.id, data, deps.clock.now())))
        throw AppError.notFound(msg('Message not found.'));
      return getMessage(actor, message.id);
    },

    /** Deletes the message unless a mailing uses it (CONFLICT, naming how many). */
    async deleteMessage(actor: Actor, rawId: unknown): Promise<void> {
      const message = await getWritable(actor, rawId);
      const result = await repository.delete(writeScope(actor), message.id);
      if (result === 'missing') throw AppError.notFound(msg('Message not found.'));
      if (result === 'in-use') {
        const n = await repository.countMailingsUsing(message.id);
        throw new AppError(
          'CONFLICT',
          msg('This message is used by {{count}} mailings; delete them or choose another message for them first.', { count: n }),
        );
      }
    },

    /** The message as the actor would receive it; anyone who may read the message may preview it. */
    async previewMessage(actor: Actor, rawId: unknown): Promise<RenderedMessage & { message: MessageView }> {
      const message = await getMessage(actor, rawId);
      return { ...renderForActor(actor, message), message };
    },

    /** Queues the rendered message to the actor's own address, its subject marked as a test. */
    async sendTestToSelf(actor: Actor, rawId: unknown): Promise<{ to: string }> {
      const message = await getWritable(actor, rawId);
      const rendered = renderForActor(actor, message);
      await deps.mail.enqueue({
        to: actor.email,
        subject: `[Test] ${rendered.subject}`,
        text: rendered.text,
        html: rendered.html,
      });
      return { to: actor.email };
    },
  };
}

export type MessagesService = ReturnType<typeof createMessagesService>;
