import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { createPostgresBumpChannel } from './db/bump-channel.ts';
import { type DatabaseHandle, openDatabase, queryRows, runMigrations } from './db/client.ts';
import { acquireDataDirLock, type DataDirLock } from './db/data-dir-lock.ts';
import { createMailRepository } from './features/mail/mail.repository.ts';
import { createDevMailboxTransport, createMailService, createSmtpTransport } from './features/mail/mail.service.ts';
import { createDevMailboxMessenger, createNodemailerMessenger, createSmtpMessenger } from './features/sending/messenger.ts';
import { compileMime, parseMailbox } from './features/sending/mime.ts';
import { domainOf } from './features/sending/pacer.ts';
import { createScheduler } from './features/sending/scheduler.ts';
import { createSender } from './features/sending/sender.ts';
import { createSendingRepository } from './features/sending/sending.repository.ts';
import { createUnsubscribeTokens } from './features/sending/unsubscribe-token.ts';
import { AUTH, type Cache, createMemoryCache, createRedisCache, invalidateOwner, POSTS } from './lib/cache.ts';
import { type Clock, systemClock } from './lib/clock.ts';
import { createJobQueue } from './lib/jobs.ts';
import { createLogger } from './lib/logger.ts';

export interface ContainerOptions {
  /** `memory://` keeps PGlite in memory (tests); otherwise PGlite lives in DATA_DIR/pgdata. */
  pgliteDir?: string;
  clock?: Clock;
  logger?: Logger;
  /** The command holding the data-directory lock, for the message a second process shows. */
  command?: string;
  /** An already open database (a second web process in tests): not migrated, not closed here. */
  database?: DatabaseHandle;
}

/**
 * The modules of the services that only pages and one-off commands use. They are loaded here, on
 * demand, so that `herald worker` (the sending core alone) never holds them in memory.
 */
async function loadServiceModules() {
  const [
    { createAuditRepository },
    { createAuditService },
    { createAuthRepository },
    { createAuthService },
    { createBlogRepository },
    { createBlogService },
    { createCoverStore },
    { createMailingsRepository },
    { createMailingsService },
    { createMessagesRepository },
    { createMessagesService },
    { createRecipientsRepository },
    { createRecipientsService },
    { createSendingService },
    { createSendingFiguresRepository },
    { createStatsRepository },
    { createStatsService },
    { createOversightService },
    { createUsersRepository },
    { createUsersService },
    { createMetrics },
    { createMemoryThrottle, createRedisThrottle },
  ] = await Promise.all([
    import('./features/audit/audit.repository.ts'),
    import('./features/audit/audit.service.ts'),
    import('./features/auth/auth.repository.ts'),
    import('./features/auth/auth.service.ts'),
    import('./features/blog/blog.repository.ts'),
    import('./features/blog/blog.service.ts'),
    import('./features/blog/covers.ts'),
    import('./features/mailings/mailings.repository.ts'),
    import('./features/mailings/mailings.service.ts'),
    import('./features/messages/messages.repository.ts'),
    import('./features/messages/messages.service.ts'),
    import('./features/recipients/recipients.repository.ts'),
    import('./features/recipients/recipients.service.ts'),
    import('./features/sending/sending.service.ts'),
    import('./features/sending/sending-figures.repository.ts'),
    import('./features/stats/stats.repository.ts'),
    import('./features/stats/stats.service.ts'),
    import('./features/users/oversight.service.ts'),
    import('./features/users/users.repository.ts'),
    import('./features/users/users.service.ts'),
    import('./lib/metrics.ts'),
    import('./lib/throttle.ts'),
  ]);
  return {
    createAuditRepository,
    createAuditService,
    createAuthRepository,
    createAuthService,
    createBlogRepository,
    createBlogService,
    createCoverStore,
    createMailingsRepository,
    createMailingsService,
    createMessagesRepository,
    createMessagesService,
    createRecipientsRepository,
    createRecipientsService,
    createSendingService,
    createSendingFiguresRepository,
    createStatsRepository,
    createStatsService,
    createOversightService,
    createUsersRepository,
    createUsersService,
    createMetrics,
    createMemoryThrottle,
    createRedisThrottle,
  };
}

/**
 * The sending core: the database, cache, clock, job queue, transactional mail, the scheduler and
 * the sender. `herald worker` runs on this alone; `createContainer` adds the other services.
 */
export async function createSendingCore(config: Config, options: ContainerOptions = {}) {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const clock = options.clock ?? systemClock;
  const pgliteDir = options.pgliteDir ?? path.join(config.dataDir, 'pgdata');
  let lock: DataDirLock | undefined;
  if (!config.databaseUrl && pgliteDir !== 'memory://' && !options.database)
    lock = acquireDataDirLock(config.dataDir, options.command ?? 'herald');
  let database: DatabaseHandle;
  try {
    database = options.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir }));
    if (!options.database) await runMigrations(database);
  } catch (error) {
    lock?.release();
    throw error;
  }
  const { db } = database;
  // With REDIS_URL, the cache, the rate limits and the login throttles are shared by every process.
  // ioredis is loaded only by processes that use it.
  const redis = config.redisUrl ? await (await import('./lib/redis.ts')).connectRedis(config.redisUrl, logger) : undefined;
  // Without Redis on PostgreSQL, each process keeps its own cache and they share versions by NOTIFY.
  const channel =
    !redis && database.kind === 'postgres'
      ? createPostgresBumpChannel({ connectionString: database.connectionString, pool: database.pool, logger })
      : undefined;
  const cache: Cache = redis ? createRedisCache(redis, logger) : createMemoryCache({ channel, logger });
  // Until the channel listens, the cache stays unused; a channel that cannot connect retries apart.
  if (channel) await Promise.race([channel.connected, delay(10_000, undefined, { ref: false })]);
  /** Called by services after every write to an owner's data, before they answer. */
  const invalidate = (ownerId: number) => invalidateOwner(cache, ownerId);

  const jobs = createJobQueue(database, logger);
  const mailRepository = createMailRepository(db);
  const transport = config.smtpUrl
    ? createSmtpTransport({ smtpUrl: config.smtpUrl, from: config.mailFrom, dkim: config.dkim })
    : createDevMailboxTransport(mailRepository, logger);
  const mail = createMailService({ jobs, transport, logger });

  const sendingRepository = createSendingRepository(db);
  const unsubscribeTokens = createUnsubscribeTokens(config.secretKey);
  const smtp = config.smtpUrl ? { smtpUrl: config.smtpUrl, poolSize: config.sending.poolSize } : undefined;
  const messenger = !smtp
    ? createDevMailboxMessenger(mailRepository)
    : config.sending.smtpClient === 'nodemailer'
      ? createNodemailerMessenger(smtp)
      : createSmtpMessenger(smtp);
  const sender = createSender({
    repository: sendingRepository,
    messenger,
    compile: (message) => compileMime(message, { from: config.mailFrom, dkim: config.dkim }),
    messageIdDomain: domainOf(parseMailbox(config.mailFrom).address),
    clock,
    logger,
    unsubscribeUrl: (ownerId, email) => `${config.baseUrl}/unsubscribe/${unsubscribeTokens.create(ownerId, email)}`,
    suppress: async (ownerId, email) => {
      await sendingRepository.suppress(ownerId, email, 'hard_bounce');
      await invalidate(ownerId);
    },
    changed: invalidate,
    // Twice the connections: each connection then has the next e-mail ready to pipeline behind the current one's data.
    options: { ...config.sending, concurrency: config.sending.poolSize * 2 },
  });
  const scheduler = createScheduler({
    repository: sendingRepository,
    clock,
    logger,
    catchUpMaxAgeHours: config.sending.catchUpMaxAgeHours,
    onRun: () => sender.wake(),
  });
  let schedulerTimer: NodeJS.Timeout | undefined;

  /** The scheduler (a pass now and every 30 seconds) and the sender. */
  async function startSending(): Promise<void> {
    const pass = () => scheduler.runDue().catch((error) => logger.error({ err: error }, 'scheduler pass failed'));
    await pass();
    schedulerTimer = setInterval(pass, 30_000);
    schedulerTimer.unref();
    sender.start();
  }

  let closed = false;
  return {
    config,
    logger,
    clock,
    database,
    db,
    redis,
    cache,
    /** How this process hears of other processes' cache bumps (PostgreSQL without Redis only). */
    cacheChannel: channel,
    invalidate,
    jobs,
    mail,
    mailRepository,
    sendingRepository,
    unsubscribeTokens,
    sender,
    scheduler,

    /** True while the database answers. */
    async isReady(): Promise<boolean> {
      if (closed) return false;
      try {
        await queryRows(db, sql`SELECT 1 AS ok`);
        return true;
      } catch {
        return false;
      }
    },

    /** Starts the background parts this process runs: transactional mail, the scheduler and the sender. */
    async startWorkers(): Promise<void> {
      await jobs.start();
      await mail.startWorker();
      await startSending();
    },

    startSending,

    /** Stops in order: jobs drain, mail closes, the database closes, the lock goes. */
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearInterval(schedulerTimer);
      await sender.stop().catch((error) => logger.error({ err: error }, 'stopping the sender failed'));
      await jobs.stop().catch((error) => logger.error({ err: error }, 'stopping jobs failed'));
      mail.close();
      await cache.close();
      await channel?.close();
      redis?.disconnect();
      if (!options.database) await database.close().catch((error) => logger.error({ err: error }, 'closing the database failed'));
      lock?.release();
    },
  };
}

/**
 * The composition root: builds the database, mail, clock, job queue and services once and hands
 * them down. Tests build it with PGlite in memory and a local SMTP server.
 */
export async function createContainer(config: Config, options: ContainerOptions = {}) {
  const modules = await loadServiceModules();
  const core = await createSendingCore(config, options);
  const { db, clock, cache, invalidate, logger, redis, mail, sendingRepository, unsubscribeTokens, sender } = core;
  const loginThrottle = (name: string) => {
    const memory = modules.createMemoryThrottle(config.login.windowSeconds, clock);
    if (!redis) return memory;
    return modules.createRedisThrottle({
      redis,
      name,
      windowSeconds: config.login.windowSeconds,
      clock,
      fallback: memory,
      logger,
    });
  };

  const audit = modules.createAuditService({ repository: modules.createAuditRepository(db) });
  // Who is signed in is cached under `auth`: ending a session, revoking a token or changing an account moves it on.
  const authChanged = () => cache.bump(AUTH);
  const usersRepository = modules.createUsersRepository(db, authChanged);
  const users = modules.createUsersService({ repository: usersRepository, audit, clock });
  const auth = modules.createAuthService({
    config,
    users: usersRepository,
    repository: modules.createAuthRepository(db, authChanged),
    cache,
    mail,
    audit,
    clock,
    failuresByAddress: loginThrottle('login-address'),
    failuresByIp: loginThrottle('login-ip'),
    logger,
  });
  const oversight = modules.createOversightService({
    users: usersRepository,
    roles: users,
    auth,
    audit,
    clock,
    // Their recipients and mailings left everyone's figures and totals; their posts lost their author.
    deleted: async (userId) => {
      await invalidate(userId);
      await cache.bump(POSTS);
    },
  });

  const recipients = modules.createRecipientsService({
    repository: modules.createRecipientsRepository(db),
    clock,
    invalidate,
    cache,
  });
  const mailings = modules.createMailingsService({
    repository: modules.createMailingsRepository(db),
    audit,
    clock,
    cache,
    invalidate,
  });
  const sending = modules.createSendingService({
    repository: sendingRepository,
    mailings,
    tokens: unsubscribeTokens,
    clock,
    wakeSender: () => sender.wake(),
    invalidate,
  });
  const stats = modules.createStatsService({
    repository: modules.createStatsRepository(db),
    clock,
    cache,
    // Days are counted in the viewer's time zone; the CLI's operator (no account) counts in UTC.
    timeZoneOf: async (actor) => (actor.userId > 0 ? (await users.getProfile(actor)).timeZone : 'UTC'),
  });
  // Figures that cover the whole instance come from the database, so every web process reports the same.
  const figures = modules.createSendingFiguresRepository(db);
  const metrics = modules.createMetrics({ token: config.metricsToken, readFigures: () => figures.read(), logger });
  const messages = modules.createMessagesService({
    repository: modules.createMessagesRepository(db),
    mail,
    clock,
    baseUrl: config.baseUrl,
  });
  const blog = modules.createBlogService({
    repository: modules.createBlogRepository(db),
    covers: modules.createCoverStore(path.join(config.uploadDir, 'covers')),
    audit,
    clock,
    cache,
  });

  return { ...core, audit, users, oversight, auth, recipients, mailings, sending, messages, blog, stats, metrics };
}

export type SendingCore = Awaited<ReturnType<typeof createSendingCore>>;
export type Container = Awaited<ReturnType<typeof createContainer>>;
