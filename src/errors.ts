import { msg } from './i18n/i18n.ts';

/**
 * The one error type the services throw. Codes are stable (clients may switch on them);
 * messages are for people. HTTP statuses live here and nowhere else.
 */
export const errorStatus = {
  VALIDATION_FAILED: 422,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  EMAIL_NOT_CONFIRMED: 403,
  USER_BLOCKED: 403,
  FORBIDDEN: 403,
  CSRF_INVALID: 403,
  NOT_FOUND: 404,
  TOKEN_INVALID: 400,
  TOKEN_EXPIRED: 410,
  CONFLICT: 409,
  MAILING_COMPLETED: 409,
  MAILING_DISABLED: 409,
  MAILING_PAUSED: 409,
  OWNER_BLOCKED: 409,
  NO_RECIPIENTS: 409,
  RUN_ACTIVE: 409,
  EMAIL_TAKEN: 409,
  SETUP_DONE: 404,
  RATE_LIMITED: 429,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export type FieldErrors = Record<string, string>;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly fields: FieldErrors | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: { fields?: FieldErrors; retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.fields = options.fields;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get status(): number {
    return errorStatus[this.code];
  }

  static validation(fields: FieldErrors, message = msg('Some fields need attention.')): AppError {
    return new AppError('VALIDATION_FAILED', message, { fields });
  }

  /** `message` is a whole sentence naming what is missing: `msg('Recipient not found.')`. */
  static notFound(message = msg('Page not found.')): AppError {
    return new AppError('NOT_FOUND', message);
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;
