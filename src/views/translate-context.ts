import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { english, type Translate } from '../i18n/i18n.ts';

/**
 * The reader's translate function for components deep in a page (form fields, pagination) that
 * have no page context of their own. The layout provides it; outside one, texts stay English.
 */
export const TranslateContext = createContext<Translate>(english);

export const useT = (): Translate => useContext(TranslateContext);
