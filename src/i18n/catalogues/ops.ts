import type { Catalogue } from './types.ts';

/** Texts of the operations endpoints (/metrics). */
export default {
  en: {},
  ru: {
    'The metrics token is missing or wrong.': 'Токен метрик не указан или неверен.',
  },
} satisfies Catalogue;
