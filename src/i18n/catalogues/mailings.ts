import type { Catalogue } from './types.ts';

export default {
  en: {},
  ru: {},
} satisfies Catalogue;
