import { isNotNull, sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { Schedule } from '../features/mailings/schedule.ts';

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
};

export const users = pgTable(
  'users',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    email: text('email').notNull(),
    fullName: text('full_name').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: text('role', { enum: ['user', 'manager', 'admin'] })
      .notNull()
      .default('user'),
    timeZone: text('time_zone').notNull().default('UTC'),
    language: text('language', { enum: ['en', 'ru'] })
      .notNull()
      .default('en'),
    emailConfirmedAt: timestamp('email_confirmed_at', { withTimezone: true }),
    blockedAt: timestamp('blocked_at', { withTimezone: true }),
    blockedReason: text('blocked_reason'),
    ...timestamps,
  },
  (t) => [uniqueIndex('users_email_key').on(t.email)],
);

/** Server-side sessions; the cookie holds the raw token, the row only its hash. */
export const sessions = pgTable(
  'sessions',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    tokenHash: text('token_hash').notNull(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    userAgent: text('user_agent'),
  },
  (t) => [uniqueIndex('sessions_token_hash_key').on(t.tokenHash), index('sessions_user_id_idx').on(t.userId)],
);

/** Single-use e-mail tokens (confirmation, password reset), stored hashed. */
export const userTokens = pgTable(
  'user_tokens',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose', { enum: ['confirm_email', 'reset_password'] }).notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('user_tokens_token_hash_key').on(t.tokenHash), index('user_tokens_user_id_idx').on(t.userId)],
);

/** Personal API tokens: shown once at creation, stored hashed, revocable. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    prefix: text('prefix').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('api_tokens_token_hash_key').on(t.tokenHash), index('api_tokens_user_id_idx').on(t.userId)],
);

/** Mail captured instead of sent when no SMTP_URL is configured. */
export const devMailbox = pgTable('dev_mailbox', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  toAddress: text('to_address').notNull(),
  subject: text('subject').notNull(),
  text: text('text').notNull(),
  html: text('html'),
  links: jsonb('links').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Every oversight action: who did what to whom, when and why. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    actorId: integer('actor_id').references(() => users.id, { onDelete: 'set null' }),
    actorLabel: text('actor_label').notNull(),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    reason: text('reason'),
    details: jsonb('details').$type<Record<string, unknown>>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('audit_log_created_at_idx').on(t.createdAt), index('audit_log_actor_id_idx').on(t.actorId)],
);

/** An e-mail address a user mails; unique per owner (another owner may hold the same address). */
export const recipients = pgTable(
  'recipients',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    ownerId: integer('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    fullName: text('full_name').notNull().default(''),
    comment: text('comment').notNull().default(''),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('recipients_owner_email_key').on(t.ownerId, t.email),
    // The list's other sort orders (newest first by default), so a page of a large list is read
    // from an index instead of sorting every one of the owner's rows.
    index('recipients_owner_created_idx').on(t.ownerId, t.createdAt, t.id),
    index('recipients_owner_name_idx').on(t.ownerId, t.fullName, t.id),
  ],
);

/** Addresses an owner's mailings must not mail: unsubscribed, hard-bounced, or suppressed by hand. */
export const suppressions = pgTable(
  'suppressions',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    ownerId: integer('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    reason: text('reason', { enum: ['unsubscribed', 'hard_bounce', 'manual'] }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('suppressions_owner_email_key').on(t.ownerId, t.email)],
);

/** Subject and body (Markdown or plain text) with {{name}}, {{email}}, {{unsubscribe_url}} placeholders. */
export const messages = pgTable(
  'messages',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    ownerId: integer('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    subject: text('subject').notNull(),
    body: text('body').notNull(),
    format: text('format', { enum: ['markdown', 'text'] })
      .notNull()
      .default('markdown'),
    ...timestamps,
  },
  (t) => [index('messages_owner_id_idx').on(t.ownerId)],
);

/** A message, its recipients, a schedule and the window it may send in. */
export const mailings = pgTable(
  'mailings',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    ownerId: integer('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    messageId: integer('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'restrict' }),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
    timeZone: text('time_zone').notNull(),
    schedule: jsonb('schedule').$type<Schedule>().notNull(),
    pausedAt: timestamp('paused_at', { withTimezone: true }),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    disabledReason: text('disabled_reason'),
    disabledBy: integer('disabled_by').references(() => users.id, { onDelete: 'set null' }),
    ...timestamps,
  },
  (t) => [index('mailings_owner_id_idx').on(t.ownerId), index('mailings_message_id_idx').on(t.messageId)],
);

export const mailingRecipients = pgTable(
  'mailing_recipients',
  {
    mailingId: integer('mailing_id')
      .notNull()
      .references(() => mailings.id, { onDelete: 'cascade' }),
    recipientId: integer('recipient_id')
      .notNull()
      .references(() => recipients.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.mailingId, t.recipientId] }), index('mailing_recipients_recipient_id_idx').on(t.recipientId)],
);

/**
 * One execution of a mailing. A scheduled run is unique per (mailing, occurrence), so several
 * schedulers cannot both create it; at most one run of a mailing is sending at a time.
 */
export const runs = pgTable(
  'runs',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    mailingId: integer('mailing_id')
      .notNull()
      .references(() => mailings.id, { onDelete: 'cascade' }),
    trigger: text('trigger', { enum: ['scheduled', 'manual', 'api', 'cli'] }).notNull(),
    occurrenceAt: timestamp('occurrence_at', { withTimezone: true }),
    state: text('state', { enum: ['sending', 'finished', 'skipped', 'cancelled'] }).notNull(),
    total: integer('total').notNull().default(0),
    sent: integer('sent').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    suppressed: integer('suppressed').notNull().default(0),
    unknown: integer('unknown').notNull().default(0),
    startedBy: integer('started_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('runs_mailing_id_idx').on(t.mailingId),
    uniqueIndex('runs_mailing_occurrence_key').on(t.mailingId, t.occurrenceAt).where(isNotNull(t.occurrenceAt)),
    uniqueIndex('runs_one_active_per_mailing').on(t.mailingId).where(sql`state = 'sending'`),
  ],
);

/**
 * One recipient in one run: its state and last SMTP reply. A worker claims deliveries with a
 * lease; a delivery whose lease ran out while it was being sent is `unknown`, never resent.
 *
 * An address appears once per run without an index of its own (which cost half of the time to
 * create a large run): the one statement that inserts deliveries takes only the mailing owner's
 * recipients, whose addresses `recipients_owner_email_key` keeps unique.
 */
export const deliveries = pgTable(
  'deliveries',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    // No foreign key (a per-row check cost a quarter of the time to create a large run): only
    // createRun inserts deliveries, in the transaction that inserts their run, and a statement
    // trigger on runs (migration 0006) deletes a deleted run's deliveries with their attempts.
    runId: integer('run_id').notNull(),
    // The address and name as they were when the run started: no link back to the recipient row,
    // which may be edited or deleted later, and a foreign key here cost ~5 s per million rows.
    email: text('email').notNull(),
    fullName: text('full_name').notNull().default(''),
    state: text('state', { enum: ['queued', 'sending', 'sent', 'failed', 'suppressed', 'unknown'] }).notNull(),
    attemptCount: integer('attempt_count').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    lastCode: integer('last_code'),
    lastResponse: text('last_response'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('deliveries_claim_idx').on(t.runId, t.id).where(sql`state = 'queued'`),
    index('deliveries_lease_idx').on(t.leaseExpiresAt).where(sql`state = 'sending'`),
  ],
);

/** Every SMTP attempt of a delivery: when, how long, and what the server answered. */
export const attempts = pgTable(
  'attempts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    // No foreign keys: a per-row check cost a quarter of each batch write. Only the sender inserts
    // attempts, for deliveries it holds; the statement trigger on runs (migration 0008) deletes a
    // deleted run's attempts with its deliveries.
    deliveryId: bigint('delivery_id', { mode: 'number' }).notNull(),
    runId: integer('run_id').notNull(),
    attemptedAt: timestamp('attempted_at', { withTimezone: true }).notNull(),
    success: boolean('success').notNull(),
    code: integer('code'),
    response: text('response').notNull(),
    durationMs: integer('duration_ms').notNull(),
    server: text('server').notNull(),
    /** The sender process that made the attempt (pid and a random tag), to tell workers apart. */
    worker: text('worker'),
  },
  (t) => [index('attempts_run_id_idx').on(t.runId), index('attempts_at_idx').on(t.attemptedAt)],
);

/**
 * A blog post. The author is kept as set null rather than cascade: a published post is part of the
 * public site (links, feed), so deleting its author's account leaves it, shown without an author,
 * and its cover file is not orphaned behind a vanished row.
 */
export const posts = pgTable(
  'posts',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    authorId: integer('author_id').references(() => users.id, { onDelete: 'set null' }),
    title: text('title').notNull(),
    slug: text('slug').notNull(),
    body: text('body').notNull(),
    coverPath: text('cover_path'),
    coverType: text('cover_type'),
    views: integer('views').notNull().default(0),
    published: boolean('published').notNull().default(false),
    publishedAt: timestamp('published_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('posts_slug_key').on(t.slug),
    index('posts_published_idx').on(t.publishedAt, t.id).where(sql`published`),
    index('posts_author_id_idx').on(t.authorId),
  ],
);
