import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { type DatabaseHandle, openDatabase, queryRows, runMigrations } from './db/client.ts';
import { acquireDataDirLock, type DataDirLock } from './db/data-dir-lock.ts';
import { createAuditRepository } from './features/audit/audit.repository.ts';
import { createAuditService } from './features/audit/audit.service.ts';
import { createAuthRepository } from './features/auth/auth.repository.ts';
import { createAuthService } from './features/auth/auth.service.ts';
import { createBlogRepository } from './features/blog/blog.repository.ts';
import { createBlogService } from './features/blog/blog.service.ts';
import { createCoverStore } from './features/blog/covers.ts';
import { createMailRepository } from './features/mail/mail.repository.ts';
import { createDevMailboxTransport, createMailService, createSmtpTransport } from './features/mail/mail.service.ts';
import { createMailingsRepository } from './features/mailings/mailings.repository.ts';
import { createMailingsService } from './features/mailings/mailings.service.ts';
import { createMessagesRepository } from './features/messages/messages.repository.ts';
import { createMessagesService } from './features/messages/messages.service.ts';
import { createRecipientsRepository } from './features/recipients/recipients.repository.ts';
import { createRecipientsService } from './features/recipients/recipients.service.ts';
import { createDevMailboxMessenger, createNodemailerMessenger, createSmtpMessenger } from './features/sending/messenger.ts';
import { compileMime, parseMailbox } from './features/sending/mime.ts';
import { domainOf } from './features/sending/pacer.ts';
import { createScheduler } from './features/sending/scheduler.ts';
import { createSender } from './features/sending/sender.ts';
import { createSendingRepository } from './features/sending/sending.repository.ts';
import { createSendingService } from './features/sending/sending.service.ts';
import { createSendingFiguresRepository } from './features/sending/sending-figures.repository.ts';
import { createUnsubscribeTokens } from './features/sending/unsubscribe-token.ts';
import { createStatsRepository } from './features/stats/stats.repository.ts';
import { createStatsService } from './features/stats/stats.service.ts';
import { createOversightService } from './features/users/oversight.service.ts';
import { createUsersRepository } from './features/users/users.repository.ts';
import { createUsersService } from './features/users/users.service.ts';
import { type Cache, createMemoryCache, createRedisCache, invalidateOwner, POSTS } from './lib/cache.ts';
import { type Clock, systemClock } from './lib/clock.ts';
import { createJobQueue } from './lib/jobs.ts';
import { createLogger } from './lib/logger.ts';
import { createMetrics } from './lib/metrics.ts';
import { createMemoryThrottle, createRedisThrottle } from './lib/throttle.ts';

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
 * The composition root: builds the database, mail, clock, job queue and services once and hands
 * them down. Tests build it with PGlite in memory and a local SMTP server.
 */
export async function createContainer(config: Config, options: ContainerOptions = {}) {
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
  const cache: Cache = redis ? createRedisCache(redis, logger) : createMemoryCache();
  /** Called by services after every write to an owner's data, before they answer. */
  const invalidate = (ownerId: number) => invalidateOwner(cache, ownerId);
  const loginThrottle = (name: string) => {
    const memory = createMemoryThrottle(config.login.windowSeconds, clock);
    if (!redis) return memory;
    return createRedisThrottle({ redis, name, windowSeconds: config.login.windowSeconds, clock, fallback: memory, logger });
  };

  const jobs = createJobQueue(database, logger);
  const mailRepository = createMailRepository(db);
  const transport = config.smtpUrl
    ? createSmtpTransport({ smtpUrl: config.smtpUrl, from: config.mailFrom, dkim: config.dkim })
    : createDevMailboxTransport(mailRepository, logger);
  const mail = createMailService({ jobs, transport, logger });

  const audit = createAuditService({ repository: createAuditRepository(db) });
  const usersRepository = createUsersRepository(db);
  const users = createUsersService({ repository: usersRepository, audit, clock });
  const auth = createAuthService({
    config,
    users: usersRepository,
    repository: createAuthRepository(db),
    mail,
    audit,
    clock,
    failuresByAddress: loginThrottle('login-address'),
    failuresByIp: loginThrottle('login-ip'),
    logger,
  });
  const oversight = createOversightService({
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

  const recipients = createRecipientsService({ repository: createRecipientsRepository(db), clock, invalidate, cache });
  const mailings = createMailingsService({ repository: createMailingsRepository(db), audit, clock, cache, invalidate });

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
  const sending = createSendingService({
    repository: sendingRepository,
    mailings,
    tokens: unsubscribeTokens,
    clock,
    wakeSender: () => sender.wake(),
    invalidate,
  });
  const stats = createStatsService({
    repository: createStatsRepository(db),
    clock,
    cache,
    // Days are counted in the viewer's time zone; the CLI's operator (no account) counts in UTC.
    timeZoneOf: async (actor) => (actor.userId > 0 ? (await users.getProfile(actor)).timeZone : 'UTC'),
  });
  // Figures that cover the whole instance come from the database, so every web process reports the same.
  const figures = createSendingFiguresRepository(db);
  const metrics = createMetrics({ token: config.metricsToken, readFigures: () => figures.read(), logger });
  let schedulerTimer: NodeJS.Timeout | undefined;
  const messages = createMessagesService({ repository: createMessagesRepository(db), mail, clock, baseUrl: config.baseUrl });
  const blog = createBlogService({
    repository: createBlogRepository(db),
    covers: createCoverStore(path.join(config.uploadDir, 'covers')),
    audit,
    clock,
    cache,
  });

  let closed = false;
  return {
    config,
    logger,
    clock,
    database,
    db,
    redis,
    cache,
    jobs,
    mail,
    mailRepository,
    audit,
    users,
    oversight,
    auth,
    recipients,
    mailings,
    sending,
    sender,
    scheduler,
    messages,
    blog,
    stats,
    metrics,

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

    /** Starts the background parts this process runs (transactional mail now; scheduler and sender later). */
    async startWorkers(): Promise<void> {
      await jobs.start();
      await mail.startWorker();
      await this.startSending();
    },

    /** The scheduler (a pass now and every 30 seconds) and the sender. */
    async startSending(): Promise<void> {
      const pass = () => scheduler.runDue().catch((error) => logger.error({ err: error }, 'scheduler pass failed'));
      await pass();
      schedulerTimer = setInterval(pass, 30_000);
      schedulerTimer.unref();
      sender.start();
    },

    /** Stops in order: jobs drain, mail closes, the database closes, the lock goes. */
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearInterval(schedulerTimer);
      await sender.stop().catch((error) => logger.error({ err: error }, 'stopping the sender failed'));
      await jobs.stop().catch((error) => logger.error({ err: error }, 'stopping jobs failed'));
      mail.close();
      await cache.close();
      redis?.disconnect();
      if (!options.database) await database.close().catch((error) => logger.error({ err: error }, 'closing the database failed'));
      lock?.release();
    },
  };
}

export type Container = Awaited<ReturnType<typeof createContainer>>;
