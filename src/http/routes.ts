import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { Container } from '../container.ts';
import { createAuditPages } from '../features/audit/audit.pages.tsx';
import { createAuthPages } from '../features/auth/auth.pages.tsx';
import { createDevMailboxPages } from '../features/mail/dev-mailbox.pages.tsx';
import { createMailingPages } from '../features/mailings/mailings.pages.tsx';
import { createMailingsApi } from '../features/mailings/mailings.routes.ts';
import { createMessagePages } from '../features/messages/messages.pages.tsx';
import { createMessagesApi } from '../features/messages/messages.routes.ts';
import { createRecipientPages } from '../features/recipients/recipients.pages.tsx';
import { createRecipientsApi } from '../features/recipients/recipients.routes.ts';
import { createProfilePages } from '../features/users/profile.pages.tsx';
import { createUserPages } from '../features/users/users.pages.tsx';
import { createUsersApi } from '../features/users/users.routes.ts';
import { createUsersAdminApi } from '../features/users/users-admin.routes.ts';
import { HomePage } from '../views/home.tsx';
import type { Access } from './context.ts';
import { pageContext, sendPage } from './context.ts';

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/**
 * Every route Herald serves, each with the access it requires on the same line. The access
 * hook enforces it; a route without a rule is refused at request time.
 */
export function registerRoutes(app: FastifyInstance, c: Container) {
  const devMailbox = c.mail.transportKind === 'dev-mailbox';
  const authLimit = { max: c.config.authRateLimitPerMinute, timeWindow: '1 minute' };
  const route = (method: HTTPMethods, url: string, access: Access, handler: Handler, options: { rateLimited?: boolean } = {}) =>
    app.route({ method, url, handler, config: { access, ...(options.rateLimited ? { rateLimit: authLimit } : {}) } });

  const auth = createAuthPages({ auth: c.auth, config: c.config, devMailbox });
  const profile = createProfilePages({ users: c.users, auth: c.auth, devMailbox });
  const mailbox = createDevMailboxPages({ mailRepository: c.mailRepository, enabled: devMailbox });
  const usersApi = createUsersApi({ users: c.users, auth: c.auth });
  const userPages = createUserPages({ oversight: c.oversight, devMailbox });
  const usersAdminApi = createUsersAdminApi({ oversight: c.oversight, audit: c.audit });
  const auditPages = createAuditPages({ audit: c.audit, devMailbox });
  const recipients = createRecipientPages({ recipients: c.recipients, devMailbox });
  const mailings = createMailingPages({
    mailings: c.mailings,
    devMailbox,
    defaultTimeZone: async (actor) => (await c.users.getProfile(actor)).timeZone,
  });
  const mailingsApi = createMailingsApi({ mailings: c.mailings });
  const recipientsApi = createRecipientsApi({ recipients: c.recipients });
  const messages = createMessagePages({ messages: c.messages, devMailbox });
  const messagesApi = createMessagesApi({ messages: c.messages });
  const limited = { rateLimited: true };

  // Health
  route('GET', '/healthz', 'public', async () => ({ status: 'ok' }));
  route('GET', '/readyz', 'public', async (_request, reply) => {
    const ready = await c.isReady();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable' });
  });

  // Pages
  route('GET', '/', 'public', async (request, reply) => {
    const figures = await c.mailings.figures(request.actor);
    return sendPage(reply, HomePage({ ctx: pageContext(request, reply, devMailbox), figures }));
  });
  route('GET', '/setup', 'public', auth.setupForm);
  route('POST', '/setup', 'public', auth.setup, limited);
  route('GET', '/register', 'guest', auth.registerForm);
  route('POST', '/register', 'guest', auth.register, limited);
  route('GET', '/confirm/resend', 'public', auth.resendForm);
  route('POST', '/confirm/resend', 'public', auth.resend, limited);
  route('GET', '/confirm/:token', 'public', auth.confirm, limited);
  route('GET', '/login', 'guest', auth.loginForm);
  route('POST', '/login', 'guest', auth.login, limited);
  route('POST', '/logout', 'public', auth.logout);
  route('GET', '/password-reset', 'public', auth.resetRequestForm);
  route('POST', '/password-reset', 'public', auth.resetRequest, limited);
  route('GET', '/password-reset/:token', 'public', auth.resetForm, limited);
  route('POST', '/password-reset/:token', 'public', auth.reset, limited);
  route('GET', '/profile', 'profile:read', profile.profile);
  route('GET', '/profile/edit', 'profile:update', profile.editForm);
  route('POST', '/profile/edit', 'profile:update', profile.edit);
  route('GET', '/profile/password', 'profile:update', profile.passwordForm);
  route('POST', '/profile/password', 'profile:update', profile.changePassword, limited);
  route('GET', '/profile/tokens', 'tokens:manage', profile.tokens);
  route('POST', '/profile/tokens', 'tokens:manage', profile.createToken);
  route('POST', '/profile/tokens/:id/revoke', 'tokens:manage', profile.revokeToken);
  route('GET', '/recipients', 'recipients:write', recipients.list);
  route('POST', '/recipients', 'recipients:write', recipients.create);
  route('GET', '/recipients/new', 'recipients:write', recipients.newForm);
  route('GET', '/recipients/import', 'recipients:write', recipients.importForm);
  route('POST', '/recipients/import', 'recipients:write', recipients.import);
  route('GET', '/recipients/export.csv', 'recipients:write', recipients.export);
  route('GET', '/recipients/:id', 'recipients:write', recipients.show);
  route('GET', '/recipients/:id/edit', 'recipients:write', recipients.editForm);
  route('POST', '/recipients/:id/edit', 'recipients:write', recipients.update);
  route('GET', '/recipients/:id/delete', 'recipients:write', recipients.deleteForm);
  route('POST', '/recipients/:id/delete', 'recipients:write', recipients.delete);
  route('GET', '/messages', 'messages:write', messages.list);
  route('POST', '/messages', 'messages:write', messages.create);
  route('GET', '/messages/new', 'messages:write', messages.newForm);
  route('GET', '/messages/:id', 'messages:write', messages.show);
  route('GET', '/messages/:id/edit', 'messages:write', messages.editForm);
  route('POST', '/messages/:id/edit', 'messages:write', messages.update);
  route('GET', '/messages/:id/delete', 'messages:write', messages.deleteForm);
  route('POST', '/messages/:id/delete', 'messages:write', messages.delete);
  route('GET', '/messages/:id/preview', 'messages:write', messages.preview);
  route('POST', '/messages/:id/test', 'messages:write', messages.sendTest);
  route('GET', '/mailings', 'mailings:write', mailings.list);
  route('POST', '/mailings', 'mailings:write', mailings.create);
  route('GET', '/mailings/new', 'mailings:write', mailings.newForm);
  route('GET', '/mailings/:id', 'mailings:write', mailings.show);
  route('GET', '/mailings/:id/edit', 'mailings:write', mailings.editForm);
  route('POST', '/mailings/:id/edit', 'mailings:write', mailings.update);
  route('GET', '/mailings/:id/delete', 'mailings:write', mailings.deleteForm);
  route('POST', '/mailings/:id/delete', 'mailings:write', mailings.delete);
  route('POST', '/mailings/:id/duplicate', 'mailings:write', mailings.duplicate);
  route('POST', '/mailings/:id/pause', 'mailings:write', mailings.pause);
  route('POST', '/mailings/:id/resume', 'mailings:write', mailings.resume);
  route('POST', '/mailings/:id/disable', 'mailings:disable', mailings.disable);
  route('POST', '/mailings/:id/enable', 'mailings:disable', mailings.enable);
  route('GET', '/users', 'users:list', userPages.list);
  route('GET', '/users/:id', 'users:list', userPages.show);
  route('POST', '/users/:id/block', 'users:block', userPages.block);
  route('POST', '/users/:id/unblock', 'users:block', userPages.unblock);
  route('POST', '/users/:id/role', 'users:change_role', userPages.changeRole);
  route('GET', '/users/:id/delete', 'users:delete', userPages.deleteForm);
  route('POST', '/users/:id/delete', 'users:delete', userPages.delete);
  route('GET', '/audit', 'audit:read_own', auditPages.list);
  route('GET', '/dev/mailbox', 'mailbox:read', mailbox.list);
  route('GET', '/dev/mailbox/:id', 'mailbox:read', mailbox.show);

  // JSON API
  route('GET', '/api/v1/me', 'profile:read', usersApi.me);
  route('PATCH', '/api/v1/me', 'profile:update', usersApi.updateMe);
  route('GET', '/api/v1/tokens', 'tokens:manage', usersApi.listTokens);
  route('POST', '/api/v1/tokens', 'tokens:manage', usersApi.createToken);
  route('DELETE', '/api/v1/tokens/:id', 'tokens:manage', usersApi.revokeToken);
  route('GET', '/api/v1/recipients', 'recipients:write', recipientsApi.list);
  route('POST', '/api/v1/recipients', 'recipients:write', recipientsApi.create);
  route('GET', '/api/v1/recipients/:id', 'recipients:write', recipientsApi.show);
  route('PATCH', '/api/v1/recipients/:id', 'recipients:write', recipientsApi.update);
  route('DELETE', '/api/v1/recipients/:id', 'recipients:write', recipientsApi.delete);
  route('GET', '/api/v1/users', 'users:list', usersAdminApi.list);
  route('GET', '/api/v1/users/:id', 'users:list', usersAdminApi.show);
  route('POST', '/api/v1/users/:id/block', 'users:block', usersAdminApi.block);
  route('POST', '/api/v1/users/:id/unblock', 'users:block', usersAdminApi.unblock);
  route('POST', '/api/v1/users/:id/role', 'users:change_role', usersAdminApi.changeRole);
  route('DELETE', '/api/v1/users/:id', 'users:delete', usersAdminApi.delete);
  route('GET', '/api/v1/audit', 'audit:read_own', usersAdminApi.audit);
  route('GET', '/api/v1/messages', 'messages:write', messagesApi.list);
  route('POST', '/api/v1/messages', 'messages:write', messagesApi.create);
  route('GET', '/api/v1/messages/:id', 'messages:write', messagesApi.show);
  route('PATCH', '/api/v1/messages/:id', 'messages:write', messagesApi.update);
  route('DELETE', '/api/v1/messages/:id', 'messages:write', messagesApi.delete);
  route('GET', '/api/v1/messages/:id/preview', 'messages:write', messagesApi.preview);
  route('GET', '/api/v1/mailings', 'mailings:write', mailingsApi.list);
  route('POST', '/api/v1/mailings', 'mailings:write', mailingsApi.create);
  route('GET', '/api/v1/mailings/:id', 'mailings:write', mailingsApi.show);
  route('PATCH', '/api/v1/mailings/:id', 'mailings:write', mailingsApi.update);
  route('DELETE', '/api/v1/mailings/:id', 'mailings:write', mailingsApi.delete);
  route('POST', '/api/v1/mailings/:id/duplicate', 'mailings:write', mailingsApi.duplicate);
  route('POST', '/api/v1/mailings/:id/pause', 'mailings:write', mailingsApi.pause);
  route('POST', '/api/v1/mailings/:id/resume', 'mailings:write', mailingsApi.resume);
  route('POST', '/api/v1/mailings/:id/disable', 'mailings:disable', mailingsApi.disable);
  route('POST', '/api/v1/mailings/:id/enable', 'mailings:disable', mailingsApi.enable);
}
