import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { Container } from '../container.ts';
import { createAuthPages } from '../features/auth/auth.pages.tsx';
import { createDevMailboxPages } from '../features/mail/dev-mailbox.pages.tsx';
import { createRecipientPages } from '../features/recipients/recipients.pages.tsx';
import { createRecipientsApi } from '../features/recipients/recipients.routes.ts';
import { createProfilePages } from '../features/users/profile.pages.tsx';
import { createUsersApi } from '../features/users/users.routes.ts';
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
  const recipients = createRecipientPages({ recipients: c.recipients, devMailbox });
  const recipientsApi = createRecipientsApi({ recipients: c.recipients });
  const limited = { rateLimited: true };

  // Health
  route('GET', '/healthz', 'public', async () => ({ status: 'ok' }));
  route('GET', '/readyz', 'public', async (_request, reply) => {
    const ready = await c.isReady();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable' });
  });

  // Pages
  route('GET', '/', 'public', async (request, reply) =>
    sendPage(reply, HomePage({ ctx: pageContext(request, reply, devMailbox) })),
  );
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
}
