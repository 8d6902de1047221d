import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { z } from 'zod';
import type { Container } from '../container.ts';
import { AppError } from '../errors.ts';
import { createAuditPages } from '../features/audit/audit.pages.tsx';
import { auditListSchema } from '../features/audit/audit.schemas.ts';
import { createAuthPages } from '../features/auth/auth.pages.tsx';
import { apiTokenSchema } from '../features/auth/auth.schemas.ts';
import { createBlogPages } from '../features/blog/blog.pages.tsx';
import { createBlogApi } from '../features/blog/blog.routes.ts';
import { postListSchema, postSchema } from '../features/blog/blog.schemas.ts';
import { createDevMailboxPages } from '../features/mail/dev-mailbox.pages.tsx';
import { createMailingPages } from '../features/mailings/mailings.pages.tsx';
import { createMailingsApi } from '../features/mailings/mailings.routes.ts';
import { mailingListSchema, mailingSchema } from '../features/mailings/mailings.schemas.ts';
import { createMessagePages } from '../features/messages/messages.pages.tsx';
import { createMessagesApi } from '../features/messages/messages.routes.ts';
import { messageListSchema, messageSchema } from '../features/messages/messages.schemas.ts';
import { createRecipientPages } from '../features/recipients/recipients.pages.tsx';
import { createRecipientsApi } from '../features/recipients/recipients.routes.ts';
import { recipientListSchema, recipientSchema } from '../features/recipients/recipients.schemas.ts';
import { createRunEvents, createSendingApi, createSendingPages } from '../features/sending/sending.pages.tsx';
import { createStatsPages } from '../features/stats/stats.pages.tsx';
import { createStatsApi } from '../features/stats/stats.routes.ts';
import { statsQuerySchema, userFiguresQuerySchema } from '../features/stats/stats.schemas.ts';
import { roleChangeSchema, userListSchema } from '../features/users/oversight.schemas.ts';
import { createProfilePages } from '../features/users/profile.pages.tsx';
import { createUserPages } from '../features/users/users.pages.tsx';
import { createUsersApi } from '../features/users/users.routes.ts';
import { profileSchema } from '../features/users/users.schemas.ts';
import { createUsersAdminApi } from '../features/users/users-admin.routes.ts';
import { isLanguage } from '../i18n/i18n.ts';
import { ALL, cached, POSTS } from '../lib/cache.ts';
import { reasonInputSchema } from '../lib/validation.ts';
import { ApiDocsPage } from '../views/api-docs.tsx';
import { HomePage } from '../views/home.tsx';
import type { Access } from './context.ts';
import { LANGUAGE_COOKIE, pageContext, renderTemplate, sendPage, sendTemplate } from './context.ts';
import { safeNext } from './forms.ts';
import { type ApiDoc, type ApiOperation, buildOpenApiDocument } from './openapi.ts';

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/**
 * Every route Herald serves, each with the access it requires on the same line. The access
 * hook enforces it; a route without a rule is refused at request time.
 */
export function registerRoutes(app: FastifyInstance, c: Container) {
  const devMailbox = c.mail.transportKind === 'dev-mailbox';
  const authLimit = { max: c.config.authRateLimitPerMinute, timeWindow: '1 minute' };
  const route = (
    method: HTTPMethods,
    url: string,
    access: Access,
    handler: Handler,
    options: { rateLimited?: boolean; csrf?: false; apiToken?: false } = {},
  ) =>
    app.route({
      method,
      url,
      handler,
      config: {
        access,
        ...(options.rateLimited ? { rateLimit: authLimit } : {}),
        ...(options.csrf === false ? { csrf: false } : {}),
        ...(options.apiToken === false ? { apiToken: false } : {}),
      },
    });
  const operations: ApiOperation[] = [];
  /** An API route, also described in the OpenAPI document. */
  const api = (method: HTTPMethods, url: string, access: Access, handler: Handler, doc: ApiDoc) => {
    operations.push({ method, url, access, ...doc });
    route(method, url, access, handler);
  };

  const auth = createAuthPages({ auth: c.auth, config: c.config, devMailbox });
  const profile = createProfilePages({
    users: c.users,
    auth: c.auth,
    devMailbox,
    ownFigures: (actor) => c.stats.getOwnTotals(actor),
  });
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
    listRuns: async (actor, mailingId) => (await c.sending.listRuns(actor, mailingId)).runs,
  });
  const mailingsApi = createMailingsApi({ mailings: c.mailings });
  const sendingPages = createSendingPages({ sending: c.sending, devMailbox });
  const sendingApi = createSendingApi({ sending: c.sending });
  const statsPages = createStatsPages({ stats: c.stats, devMailbox });
  const statsApi = createStatsApi({ stats: c.stats });
  const runEvents = createRunEvents({ sending: c.sending, senderEvents: c.sender.events });
  // Live progress streams end before the server closes, or closing would wait for them.
  app.addHook('preClose', runEvents.close);
  const recipientsApi = createRecipientsApi({ recipients: c.recipients });
  const messages = createMessagePages({ messages: c.messages, devMailbox });
  const messagesApi = createMessagesApi({ messages: c.messages });
  const blog = createBlogPages({ blog: c.blog, devMailbox, baseUrl: c.config.baseUrl, now: () => c.clock.now() });
  const blogApi = createBlogApi({ blog: c.blog });
  const limited = { rateLimited: true };

  // Health
  route('GET', '/healthz', 'public', async () => ({ status: 'ok' }));
  route('GET', '/readyz', 'public', async (_request, reply) => {
    const ready = await c.isReady();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable' });
  });
  route('GET', '/metrics', 'public', c.metrics.handler, { apiToken: false }); // 404 without METRICS_TOKEN; its own bearer token

  // Pages
  const homeData = async (request: FastifyRequest) => ({
    figures: await c.mailings.figures(request.actor),
    posts: await c.blog.listRandomPublished(),
  });
  route('GET', '/', 'public', async (request, reply) => {
    // Anonymous visitors, the bulk of a home page's traffic, share one rendering per language
    // for a few seconds (it holds no form, so no CSRF token); a write to the figures or the blog
    // renders it anew. Its random posts change with each rendering. It is sent as a template
    // (`sendTemplate`): encoded once, and tagged once for its ETag.
    const ttlSeconds = c.config.homePageCacheSeconds;
    const shared = ttlSeconds > 0 && request.actor === null && request.flash === null && request.url === '/';
    if (!shared) return sendPage(reply, HomePage({ ctx: pageContext(request, reply, devMailbox), ...(await homeData(request)) }));
    const caching = { name: `home-page:${request.language}`, dependsOn: [ALL, POSTS], ttlSeconds };
    const template = await cached(c.cache, caching, async () => {
      const data = await homeData(request);
      return renderTemplate((csrfToken) => HomePage({ ctx: pageContext(request, reply, devMailbox, csrfToken), ...data }));
    });
    return sendTemplate(reply, template);
  });
  route('GET', '/language/:language', 'public', async (request, reply) => {
    const { language } = request.params as { language: string };
    if (!isLanguage(language)) throw AppError.notFound();
    reply.setCookie(LANGUAGE_COOKIE, language, {
      path: '/',
      sameSite: 'lax',
      httpOnly: true,
      secure: c.config.secureCookies,
      maxAge: 365 * 24 * 3600,
    });
    return reply.redirect(safeNext((request.query as { next?: unknown }).next), 303);
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
  route('POST', '/mailings/:id/send', 'mailings:write', sendingPages.sendNow);
  route('GET', '/mailings/:id/runs/:runId', 'mailings:write', sendingPages.run);
  route('GET', '/mailings/:id/runs/:runId/events', 'mailings:write', runEvents.stream);
  route('GET', '/attempts', 'mailings:write', sendingPages.attempts);
  route('GET', '/attempts/export.csv', 'mailings:write', statsPages.exportAttempts); // same filters and scope as /attempts
  route('GET', '/stats', 'signed-in', statsPages.show); // own figures; everyone's too with stats:read_all
  route('GET', '/unsubscribe/:token', 'public', sendingPages.unsubscribeForm);
  route('POST', '/unsubscribe/:token', 'public', sendingPages.unsubscribe, { csrf: false, rateLimited: true });
  route('GET', '/dev/mailbox', 'mailbox:read', mailbox.list);
  route('GET', '/blog', 'public', blog.list);
  route('GET', '/blog/feed.atom', 'public', blog.feed);
  route('GET', '/blog/drafts', 'posts:write', blog.drafts);
  route('GET', '/blog/new', 'posts:write', blog.newForm);
  route('POST', '/blog/new', 'posts:write', blog.create);
  route('GET', '/blog/covers/:file', 'public', blog.cover); // published posts' covers; drafts' for who may read them
  route('GET', '/blog/:slug', 'public', blog.show); // drafts: 404 but to their author and posts:write_all / posts:publish
  route('GET', '/blog/:slug/edit', 'posts:write', blog.editForm); // author or posts:write_all
  route('POST', '/blog/:slug/edit', 'posts:write', blog.update);
  route('GET', '/blog/:slug/delete', 'posts:write', blog.deleteForm);
  route('POST', '/blog/:slug/delete', 'posts:write', blog.delete);
  route('POST', '/blog/:slug/publish', 'posts:publish', blog.publish);
  route('POST', '/blog/:slug/unpublish', 'posts:publish', blog.unpublish);
  route('GET', '/dev/mailbox/:id', 'mailbox:read', mailbox.show);

  // JSON API
  api('GET', '/api/v1/me', 'profile:read', usersApi.me, { tag: 'Profile', summary: 'Your account' });
  api('PATCH', '/api/v1/me', 'profile:update', usersApi.updateMe, {
    tag: 'Profile',
    summary: 'Change your name, time zone and language',
    body: profileSchema,
  });
  api('GET', '/api/v1/tokens', 'tokens:manage', usersApi.listTokens, {
    tag: 'Profile',
    summary: 'Your API tokens (never their secret)',
  });
  api('POST', '/api/v1/tokens', 'tokens:manage', usersApi.createToken, {
    tag: 'Profile',
    summary: 'Create an API token; the answer holds its secret, once',
    body: apiTokenSchema,
    success: 201,
  });
  api('DELETE', '/api/v1/tokens/:id', 'tokens:manage', usersApi.revokeToken, {
    tag: 'Profile',
    summary: 'Revoke one of your API tokens',
    success: 204,
  });
  api('GET', '/api/v1/recipients', 'recipients:write', recipientsApi.list, {
    tag: 'Recipients',
    summary: 'List recipients (yours; everyone’s for managers)',
    query: recipientListSchema,
  });
  api('POST', '/api/v1/recipients', 'recipients:write', recipientsApi.create, {
    tag: 'Recipients',
    summary: 'Add a recipient to your list',
    body: recipientSchema,
    success: 201,
  });
  api('GET', '/api/v1/recipients/:id', 'recipients:write', recipientsApi.show, { tag: 'Recipients', summary: 'One recipient' });
  api('PATCH', '/api/v1/recipients/:id', 'recipients:write', recipientsApi.update, {
    tag: 'Recipients',
    summary: 'Change a recipient',
    body: recipientSchema,
  });
  api('DELETE', '/api/v1/recipients/:id', 'recipients:write', recipientsApi.delete, {
    tag: 'Recipients',
    summary: 'Delete a recipient',
    success: 204,
  });
  api('GET', '/api/v1/users', 'users:list', usersAdminApi.list, {
    tag: 'Users',
    summary: 'List users with their state',
    query: userListSchema,
  });
  api('GET', '/api/v1/users/:id', 'users:list', usersAdminApi.show, { tag: 'Users', summary: 'One user' });
  api('POST', '/api/v1/users/:id/block', 'users:block', usersAdminApi.block, {
    tag: 'Users',
    summary: 'Block a user: sessions and tokens end, mailings stop',
    body: reasonInputSchema,
  });
  api('POST', '/api/v1/users/:id/unblock', 'users:block', usersAdminApi.unblock, {
    tag: 'Users',
    summary: 'Unblock a user',
    body: reasonInputSchema,
  });
  api('POST', '/api/v1/users/:id/role', 'users:change_role', usersAdminApi.changeRole, {
    tag: 'Users',
    summary: 'Change a user’s role',
    body: roleChangeSchema,
  });
  api('DELETE', '/api/v1/users/:id', 'users:delete', usersAdminApi.delete, {
    tag: 'Users',
    summary: 'Delete a user and everything they own',
    success: 204,
  });
  api('GET', '/api/v1/audit', 'audit:read_own', usersAdminApi.audit, {
    tag: 'Audit',
    summary: 'Audit log entries (all for admins, own actions for managers)',
    query: auditListSchema,
  });
  api('GET', '/api/v1/messages', 'messages:write', messagesApi.list, {
    tag: 'Messages',
    summary: 'List messages',
    query: messageListSchema,
  });
  api('POST', '/api/v1/messages', 'messages:write', messagesApi.create, {
    tag: 'Messages',
    summary: 'Write a message',
    body: messageSchema,
    success: 201,
  });
  api('GET', '/api/v1/messages/:id', 'messages:write', messagesApi.show, { tag: 'Messages', summary: 'One message' });
  api('PATCH', '/api/v1/messages/:id', 'messages:write', messagesApi.update, {
    tag: 'Messages',
    summary: 'Change a message',
    body: messageSchema.partial(),
  });
  api('DELETE', '/api/v1/messages/:id', 'messages:write', messagesApi.delete, {
    tag: 'Messages',
    summary: 'Delete a message no mailing uses',
    success: 204,
  });
  api('GET', '/api/v1/messages/:id/preview', 'messages:write', messagesApi.preview, {
    tag: 'Messages',
    summary: 'The message rendered for you: subject, HTML and text',
  });
  api('GET', '/api/v1/mailings', 'mailings:write', mailingsApi.list, {
    tag: 'Mailings',
    summary: 'List mailings with status and totals per status',
    query: mailingListSchema,
  });
  api('POST', '/api/v1/mailings', 'mailings:write', mailingsApi.create, {
    tag: 'Mailings',
    summary: 'Plan a mailing',
    body: mailingSchema,
    success: 201,
  });
  api('GET', '/api/v1/mailings/:id', 'mailings:write', mailingsApi.show, {
    tag: 'Mailings',
    summary: 'One mailing with its recipient ids',
  });
  api('PATCH', '/api/v1/mailings/:id', 'mailings:write', mailingsApi.update, {
    tag: 'Mailings',
    summary: 'Change a mailing (not once completed)',
    body: mailingSchema,
  });
  api('DELETE', '/api/v1/mailings/:id', 'mailings:write', mailingsApi.delete, {
    tag: 'Mailings',
    summary: 'Delete a mailing with its runs',
    success: 204,
  });
  api('POST', '/api/v1/mailings/:id/duplicate', 'mailings:write', mailingsApi.duplicate, {
    tag: 'Mailings',
    summary: 'Copy a mailing',
    success: 201,
  });
  api('POST', '/api/v1/mailings/:id/pause', 'mailings:write', mailingsApi.pause, { tag: 'Mailings', summary: 'Pause a mailing' });
  api('POST', '/api/v1/mailings/:id/resume', 'mailings:write', mailingsApi.resume, {
    tag: 'Mailings',
    summary: 'Resume a paused mailing',
  });
  api('POST', '/api/v1/mailings/:id/disable', 'mailings:disable', mailingsApi.disable, {
    tag: 'Mailings',
    summary: 'Disable a mailing (managers), with a reason',
    body: reasonInputSchema,
  });
  api('POST', '/api/v1/mailings/:id/enable', 'mailings:disable', mailingsApi.enable, {
    tag: 'Mailings',
    summary: 'Enable a disabled mailing (managers)',
    body: reasonInputSchema,
  });

  api('POST', '/api/v1/mailings/:id/send', 'mailings:write', sendingApi.sendNow, {
    tag: 'Sending',
    summary: 'Send now: start a run (refused with the reason when it cannot send)',
    success: 201,
  });
  api('GET', '/api/v1/mailings/:id/runs', 'mailings:write', sendingApi.runs, {
    tag: 'Sending',
    summary: 'The runs of a mailing',
  });
  api('GET', '/api/v1/mailings/:id/runs/:runId', 'mailings:write', sendingApi.run, {
    tag: 'Sending',
    summary: 'A run with live progress and a page of its deliveries',
  });
  api('GET', '/api/v1/attempts', 'mailings:write', sendingApi.attempts, {
    tag: 'Sending',
    summary: 'SMTP attempts (own mailings; everyone’s for managers), newest first',
  });
  api('GET', '/api/v1/stats', 'signed-in', statsApi.overview, {
    tag: 'Statistics',
    summary: 'Your successful and failed attempts and messages sent: totals, per day, per mailing (scope=all: everyone’s)',
    query: statsQuerySchema,
  });
  api('GET', '/api/v1/stats/users', 'stats:read_all', statsApi.users, {
    tag: 'Statistics',
    summary: 'Every user with their figures (managers), sortable by any column',
    query: userFiguresQuerySchema,
  });

  api('GET', '/api/v1/posts', 'public', blogApi.list, {
    tag: 'Blog',
    summary: 'Published posts, newest first',
    query: postListSchema,
  });
  api('POST', '/api/v1/posts', 'posts:write', blogApi.create, {
    tag: 'Blog',
    summary: 'Write a draft (a manager publishes it)',
    body: postSchema,
    success: 201,
  });
  api('GET', '/api/v1/posts/:slug', 'public', blogApi.show, {
    tag: 'Blog',
    summary: 'One post by its slug (a draft only for its author and those who publish)',
  });
  api('PATCH', '/api/v1/posts/:slug', 'posts:write', blogApi.update, {
    tag: 'Blog',
    summary: 'Change your post (any post for admins); the slug stays',
    body: postSchema.partial(),
  });
  api('DELETE', '/api/v1/posts/:slug', 'posts:write', blogApi.delete, {
    tag: 'Blog',
    summary: 'Delete your post (any post for admins) with its cover',
    success: 204,
  });
  api('POST', '/api/v1/posts/:slug/publish', 'posts:publish', blogApi.publish, {
    tag: 'Blog',
    summary: 'Publish a post (managers), with a reason for the audit log',
    body: reasonInputSchema,
  });
  api('POST', '/api/v1/posts/:slug/unpublish', 'posts:publish', blogApi.unpublish, {
    tag: 'Blog',
    summary: 'Take a post back to draft (managers), with a reason for the audit log',
    body: reasonInputSchema,
  });

  // API description
  route('GET', '/api/openapi.json', 'public', async () => buildOpenApiDocument(operations, c.config.baseUrl));
  route('GET', '/api/docs', 'public', async (request, reply) =>
    sendPage(reply, ApiDocsPage({ ctx: pageContext(request, reply, devMailbox), operations, schemaOf: describeBody })),
  );
  return { operations };
}

/** A request body's JSON Schema, pretty-printed for the docs page. */
const describeBody = (op: ApiOperation) =>
  op.body ? JSON.stringify(z.toJSONSchema(op.body, { io: 'input', unrepresentable: 'any' }), null, 2) : null;
