import type { Catalogue } from './types.ts';

/** Texts of the answers to hostile input that no feature owns (a URL that does not decode). */
export default {
  en: {},
  ru: {
    'The address is not valid.': 'Адрес страницы некорректен.',
    'The address is too long.': 'Адрес страницы слишком длинный.',
    'Address too long': 'Слишком длинный адрес',
  },
} satisfies Catalogue;
