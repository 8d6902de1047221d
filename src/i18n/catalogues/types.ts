/**
 * One area's texts. Keys are the English texts; `en` holds only English plural forms
 * (`{{count}} recipients_one`), `ru` every text of the area, plurals as `_one`, `_few`, `_many`
 * and `_other`.
 */
export interface Catalogue {
  en: Record<string, string>;
  ru: Record<string, string>;
}
