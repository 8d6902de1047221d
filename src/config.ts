import { createPrivateKey, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseMailbox } from './features/sending/mime.ts';

/** Thrown when the environment does not describe a usable configuration; names the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

const urlWithProtocols = (protocols: string[]) =>
  z.url().refine((value) => URL.canParse(value) && protocols.includes(new URL(value).protocol), {
    message: `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  });

const isMailbox = (value: string) => {
  try {
    parseMailbox(value);
    return true;
  } catch {
    return false;
  }
};

const isPrivateKey = (pem: string) => {
  try {
    createPrivateKey(pem);
    return true;
  } catch {
    return false;
  }
};

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  BASE_URL: urlWithProtocols(['http:', 'https:']).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  UPLOAD_DIR: z.string().min(1).optional(),
  DATABASE_URL: urlWithProtocols(['postgres:', 'postgresql:']).optional(),
  REDIS_URL: urlWithProtocols(['redis:', 'rediss:']).optional(),
  SMTP_URL: urlWithProtocols(['smtp:', 'smtps:']).optional(),
  MAIL_FROM: z
    .string()
    .default('Herald <herald@localhost>')
    .refine(isMailbox, { message: 'must be a mailbox such as "Herald <news@example.com>" or news@example.com' }),
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  DKIM_DOMAIN: z.string().min(1).optional(),
  DKIM_SELECTOR: z.string().min(1).optional(),
  DKIM_PRIVATE_KEY: z.string().min(1).optional(),
  TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').regex(/^\S+$/, 'must not contain spaces').optional(),
  LOGIN_MAX_FAILURES_PER_ADDRESS: positiveInt(10),
  LOGIN_MAX_FAILURES_PER_IP: positiveInt(50),
  LOGIN_FAILURE_WINDOW_SECONDS: positiveInt(900),
  AUTH_RATE_LIMIT_PER_MINUTE: positiveInt(120),
  HOME_PAGE_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(5),
  SESSION_TTL_DAYS: positiveInt(30),
  SEND_RATE_PER_SECOND: positiveInt(100),
  SEND_RATE_PER_SERVER: positiveInt(100),
  SEND_RATE_PER_DOMAIN: positiveInt(50),
  SMTP_POOL_SIZE: positiveInt(5),
  SMTP_CLIENT: z.enum(['pipelining', 'nodemailer']).default('pipelining'),
  SEND_BATCH_SIZE: positiveInt(100),
  SEND_MAX_ATTEMPTS: positiveInt(5),
  SEND_RETRY_BASE_SECONDS: positiveInt(30),
  SEND_LEASE_SECONDS: positiveInt(300),
  CATCH_UP_MAX_AGE_HOURS: positiveInt(24),
});

type Env = z.infer<typeof envSchema>;

export interface Config {
  readonly env: Env['NODE_ENV'];
  readonly host: string;
  readonly port: number;
  readonly baseUrl: string;
  readonly secureCookies: boolean;
  readonly dataDir: string;
  /** Uploaded files (blog covers); share it between web processes on several machines. */
  readonly uploadDir: string;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  readonly secretKey: string;
  readonly dkim: { domain: string; selector: string; privateKey: string } | undefined;
  readonly logLevel: Env['LOG_LEVEL'];
  /** The bearer token /metrics asks for; without one /metrics answers 404. */
  readonly metricsToken: string | undefined;
  readonly trustProxy: boolean;
  readonly login: { maxFailuresPerAddress: number; maxFailuresPerIp: number; windowSeconds: number };
  readonly authRateLimitPerMinute: number;
  /** How long anonymous visitors share one rendering of the home page (0: each gets their own). */
  readonly homePageCacheSeconds: number;
  readonly sessionTtlDays: number;
  readonly sending: {
    rates: { perProcess: number; perServer: number; perDomain: number };
    poolSize: number;
    smtpClient: 'pipelining' | 'nodemailer';
    batchSize: number;
    maxAttempts: number;
    retryBaseSeconds: number;
    leaseSeconds: number;
    catchUpMaxAgeHours: number;
  };
}

/** Parses the environment once; a bad value throws a ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(variable, issue?.message ?? 'invalid value');
  }
  const e = parsed.data;
  const dkimParts = [e.DKIM_DOMAIN, e.DKIM_SELECTOR, e.DKIM_PRIVATE_KEY];
  if (dkimParts.some(Boolean) && !dkimParts.every(Boolean)) {
    const missing = ['DKIM_DOMAIN', 'DKIM_SELECTOR', 'DKIM_PRIVATE_KEY'].find((_, i) => !dkimParts[i]);
    throw new ConfigError(missing ?? 'DKIM_DOMAIN', 'DKIM needs DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY together');
  }
  // A PEM key on one line of an .env file has its line breaks written as \n.
  const dkimKey = e.DKIM_PRIVATE_KEY?.replace(/\\n/g, '\n');
  if (dkimKey && !isPrivateKey(dkimKey)) {
    throw new ConfigError('DKIM_PRIVATE_KEY', 'is not a private key in PEM form (-----BEGIN PRIVATE KEY----- …)');
  }
  const dataDir = path.resolve(e.DATA_DIR);
  const baseUrl = (e.BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return Object.freeze({
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    baseUrl,
    secureCookies: baseUrl.startsWith('https:'),
    dataDir,
    uploadDir: path.resolve(e.UPLOAD_DIR ?? path.join(dataDir, 'uploads')),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    secretKey: e.SECRET_KEY ?? readOrCreateSecret(dataDir),
    dkim:
      e.DKIM_DOMAIN && e.DKIM_SELECTOR && e.DKIM_PRIVATE_KEY
        ? Object.freeze({ domain: e.DKIM_DOMAIN, selector: e.DKIM_SELECTOR, privateKey: dkimKey as string })
        : undefined,
    logLevel: e.LOG_LEVEL,
    metricsToken: e.METRICS_TOKEN,
    trustProxy: e.TRUST_PROXY === 'true',
    login: Object.freeze({
      maxFailuresPerAddress: e.LOGIN_MAX_FAILURES_PER_ADDRESS,
      maxFailuresPerIp: e.LOGIN_MAX_FAILURES_PER_IP,
      windowSeconds: e.LOGIN_FAILURE_WINDOW_SECONDS,
    }),
    authRateLimitPerMinute: e.AUTH_RATE_LIMIT_PER_MINUTE,
    homePageCacheSeconds: e.HOME_PAGE_CACHE_SECONDS,
    sessionTtlDays: e.SESSION_TTL_DAYS,
    sending: Object.freeze({
      rates: Object.freeze({
        perProcess: e.SEND_RATE_PER_SECOND,
        perServer: e.SEND_RATE_PER_SERVER,
        perDomain: e.SEND_RATE_PER_DOMAIN,
      }),
      poolSize: e.SMTP_POOL_SIZE,
      smtpClient: e.SMTP_CLIENT,
      batchSize: e.SEND_BATCH_SIZE,
      maxAttempts: e.SEND_MAX_ATTEMPTS,
      retryBaseSeconds: e.SEND_RETRY_BASE_SECONDS,
      leaseSeconds: e.SEND_LEASE_SECONDS,
      catchUpMaxAgeHours: e.CATCH_UP_MAX_AGE_HOURS,
    }),
  });
}

/** The secret is generated once per data directory so sessions survive restarts. */
function readOrCreateSecret(dataDir: string): string {
  const file = path.join(dataDir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}
