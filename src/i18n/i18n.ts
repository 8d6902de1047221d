import i18next from 'i18next';
import { catalogues } from './catalogues/index.ts';

/**
 * Herald speaks English (the default) and Russian. Keys are the English texts themselves
 * (gettext style): a text missing from the Russian catalogue shows in English rather than as a
 * code, and the English catalogue holds only plural forms. Plurals follow Intl.PluralRules
 * through i18next: `key_one`, `key_few`, `key_many`, `key_other` (1 получатель, 2 получателя,
 * 5 получателей).
 */
export const languages = ['en', 'ru'] as const;
export type Language = (typeof languages)[number];
export const defaultLanguage: Language = 'en';

export const isLanguage = (value: unknown): value is Language => languages.includes(value as Language);

/** Interpolated values: `{{name}}` in a key is replaced by `params.name` (pages escape it when rendering). */
export type MessageParams = Record<string, string | number>;

/** Translates a key or a message made by `msg`, in one language. */
export type Translate = (key: string, params?: MessageParams) => string;

const instance = i18next.createInstance();
void instance.init({
  initAsync: false,
  lng: defaultLanguage,
  fallbackLng: defaultLanguage,
  supportedLngs: [...languages],
  keySeparator: false,
  nsSeparator: false,
  returnEmptyString: false,
  interpolation: { escapeValue: false },
  resources: {
    en: { translation: catalogues.en },
    ru: { translation: catalogues.ru },
  },
});

/**
 * A message whose words are decided later, in the reader's language: the key and its values in
 * one string, so it can travel where only a string fits (an error, a field error, a flash
 * cookie). With no values it is the key itself.
 */
const SEPARATOR = '\u001f';

export function msg(key: string, params?: MessageParams): string {
  return params && Object.keys(params).length > 0 ? `${key}${SEPARATOR}${JSON.stringify(params)}` : key;
}

function decode(message: string): [string, MessageParams | undefined] {
  const at = message.indexOf(SEPARATOR);
  if (at < 0) return [message, undefined];
  try {
    return [message.slice(0, at), JSON.parse(message.slice(at + 1)) as MessageParams];
  } catch {
    return [message.slice(0, at), undefined];
  }
}

const translators = new Map<Language, Translate>();
/** Resolved texts kept per language; texts with people's data in them make the set unbounded, so it starts over. */
const MEMO_LIMIT = 20_000;

/** The translate function of a language (made once per language). */
export function translator(language: Language): Translate {
  let translate = translators.get(language);
  if (!translate) {
    const fixed = instance.getFixedT(language);
    // A page looks up dozens of texts, and i18next's lookup, plural choice and interpolation
    // showed in profiles of list pages: each text with its values is resolved once.
    const resolved = new Map<string, string>();
    translate = (key, params) => {
      const memoKey = params ? `${key}\u0000${JSON.stringify(params)}` : key;
      const known = resolved.get(memoKey);
      if (known !== undefined) return known;
      const [decodedKey, decodedParams] = decode(key);
      const values = { ...decodedParams, ...params };
      const text = fixed(decodedKey, { ...values, defaultValue: decodedKey }) as string;
      if (resolved.size >= MEMO_LIMIT) resolved.clear();
      resolved.set(memoKey, text);
      return text;
    };
    translators.set(language, translate);
  }
  return translate;
}

/** English, for the API, logs and anything that has no reader's language. */
export const english = translator('en');

/**
 * The reader's language: the profile's for a signed-in user, else the one chosen with the
 * footer switcher (a cookie), else the browser's first supported Accept-Language, else English.
 */
export function pickLanguage(input: {
  profile?: string | null | undefined;
  chosen?: string | null | undefined;
  acceptLanguage?: string | null | undefined;
}): Language {
  if (isLanguage(input.profile)) return input.profile;
  if (isLanguage(input.chosen)) return input.chosen;
  return fromAcceptLanguage(input.acceptLanguage) ?? defaultLanguage;
}

/** The supported language with the highest q in an Accept-Language header ("ru-RU,ru;q=0.9,en;q=0.8"). */
export function fromAcceptLanguage(header: string | null | undefined): Language | null {
  if (!header || header.length > 500) return null;
  let best: { language: Language; q: number } | null = null;
  for (const part of header.split(',')) {
    const [tag = '', ...attributes] = part.trim().split(';');
    const primary = tag.trim().toLowerCase().split('-')[0];
    if (!isLanguage(primary)) continue;
    const qAttribute = attributes.map((a) => a.trim()).find((a) => a.startsWith('q='));
    const q = qAttribute ? Number(qAttribute.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    if (!best || q > best.q) best = { language: primary, q };
  }
  return best?.language ?? null;
}

/** The language of the CLI: HERALD_LANGUAGE, else the locale of the shell (LC_ALL, LC_MESSAGES, LANG). */
export function languageOfEnvironment(env: NodeJS.ProcessEnv = process.env): Language {
  for (const value of [env.HERALD_LANGUAGE, env.LC_ALL, env.LC_MESSAGES, env.LANG]) {
    const primary = value?.toLowerCase().split(/[-_.]/)[0];
    if (isLanguage(primary)) return primary;
    if (value) break;
  }
  return defaultLanguage;
}

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();
const numberFormats = new Map<Language, Intl.NumberFormat>();

function dateTimeFormat(language: Language, timeZone: string, style: 'dateTime' | 'date' | 'time') {
  const key = `${language} ${timeZone} ${style}`;
  let format = dateTimeFormats.get(key);
  if (!format) {
    const options: Intl.DateTimeFormatOptions =
      style === 'dateTime'
        ? { dateStyle: 'medium', timeStyle: 'short', timeZone }
        : style === 'date'
          ? { dateStyle: 'medium', timeZone }
          : { timeStyle: 'short', timeZone };
    format = new Intl.DateTimeFormat(language, options);
    dateTimeFormats.set(key, format);
  }
  return format;
}

/** Dates, times and numbers as a reader of the language expects them, in the reader's time zone. */
export interface Formats {
  dateTime(date: Date): string;
  date(date: Date): string;
  time(date: Date): string;
  number(value: number): string;
}

export function formats(language: Language, timeZone = 'UTC'): Formats {
  let numbers = numberFormats.get(language);
  if (!numbers) {
    numbers = new Intl.NumberFormat(language);
    numberFormats.set(language, numbers);
  }
  const number = numbers;
  return {
    dateTime: (date) => formatted(language, timeZone, 'dateTime', date),
    date: (date) => formatted(language, timeZone, 'date', date),
    time: (date) => formatted(language, timeZone, 'time', date),
    number: (value) => number.format(value),
  };
}

/**
 * Formatted dates and times, kept per format and stretch of time: every time zone's offset is a
 * whole number of quarter hours, so instants in one UTC minute read the same to the minute, and
 * instants in one UTC quarter hour fall on the same day, everywhere. A list page formats a date
 * per row, and Intl's formatting showed in its profiles.
 */
const formattedMemo = new Map<string, string>();
const FORMATTED_LIMIT = 10_000;
const MINUTE = 60_000;
const QUARTER_HOUR = 15 * MINUTE;

function formatted(language: Language, timeZone: string, style: 'dateTime' | 'date' | 'time', date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) return dateTimeFormat(language, timeZone, style).format(date); // throws, as Intl does
  const stretch = Math.floor(time / (style === 'date' ? QUARTER_HOUR : MINUTE));
  const key = `${language} ${timeZone} ${style} ${stretch}`;
  let text = formattedMemo.get(key);
  if (text === undefined) {
    text = dateTimeFormat(language, timeZone, style).format(date);
    if (formattedMemo.size >= FORMATTED_LIMIT) formattedMemo.clear();
    formattedMemo.set(key, text);
  }
  return text;
}
