import type { ComponentChildren } from 'preact';
import type { Formats, Language, Translate } from '../i18n/i18n.ts';
import { type Actor, can } from '../permissions.ts';
import { TranslateContext } from './translate-context.ts';

export interface Flash {
  kind: 'success' | 'error' | 'info';
  message: string;
}

/** What every page needs from the request: who is looking, the CSRF token for forms, a flash. */
export interface PageContext {
  actor: Actor | null;
  csrfToken: string;
  flash: Flash | null;
  /** The reader's language, its translate function and formats (dates in the reader's time zone). */
  language: Language;
  t: Translate;
  format: Formats;
  timeZone: string;
  path: string;
  /** The query string of the page's address, with its "?" (or empty). */
  query: string;
  devMailbox: boolean;
  assets: { css: string; appCss: string };
}

/**
 * A navigation link, marked when it leads to the current page or above it. A plain function, not a
 * component: every page renders about ten of them, and each component costs a few microseconds.
 */
function navLink(href: string, path: string, children: ComponentChildren) {
  const current = path === href || path.startsWith(`${href}/`);
  return (
    <li>
      <a href={href} aria-current={current ? 'page' : undefined}>
        {children}
      </a>
    </li>
  );
}

function Navigation({ ctx }: { ctx: PageContext }) {
  const { actor, path, t } = ctx;
  return (
    <nav>
      <ul>
        <li>
          <a href="/" class="brand">
            <strong>Herald</strong>
          </a>
        </li>
      </ul>
      <ul>
        {navLink('/blog', path, t('Blog'))}
        {actor ? (
          <>
            {navLink('/recipients', path, t('Recipients'))}
            {navLink('/messages', path, t('Messages'))}
            {navLink('/mailings', path, t('Mailings'))}
            {navLink('/stats', path, t('Statistics'))}
            {can(actor, 'users:list') && navLink('/users', path, t('Users'))}
            {can(actor, 'audit:read_own') && navLink('/audit', path, t('Audit log'))}
            {can(actor, 'mailbox:read') && ctx.devMailbox && navLink('/dev/mailbox', path, t('Dev mailbox'))}
            {navLink('/profile', path, actor.fullName)}
            <li>
              <form method="post" action="/logout" class="inline">
                <input type="hidden" name="_csrf" value={ctx.csrfToken} />
                <button type="submit" class="secondary outline">
                  {t('Log out')}
                </button>
              </form>
            </li>
          </>
        ) : (
          <>
            {navLink('/login', path, t('Log in'))}
            {navLink('/register', path, t('Register'))}
          </>
        )}
      </ul>
    </nav>
  );
}

const languageNames: Record<Language, string> = { en: 'English', ru: 'Русский' };

/** Links that set the language cookie and come back to this page (signed-in users choose in their profile). */
function LanguageSwitcher({ ctx }: { ctx: PageContext }) {
  const back = encodeURIComponent(`${ctx.path}${ctx.query}`);
  return (
    <nav aria-label={ctx.t('Language')} class="language-switcher">
      <ul>
        {(Object.keys(languageNames) as Language[]).map((language) => (
          <li key={language}>
            {language === ctx.language ? (
              <strong lang={language} aria-current="true">
                {languageNames[language]}
              </strong>
            ) : (
              <a href={`/language/${language}?next=${back}`} lang={language} hreflang={language}>
                {languageNames[language]}
              </a>
            )}
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** The page frame: navigation by role, the flash message, the content. */
export function Layout({
  ctx,
  title,
  children,
  refreshSeconds,
}: {
  ctx: PageContext;
  title: string;
  children: ComponentChildren;
  /** Reloads the page every so many seconds when JavaScript is off (with it, the page's script keeps it live). */
  refreshSeconds?: number | undefined;
}) {
  return (
    <html lang={ctx.language}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · Herald`}</title>
        {refreshSeconds && (
          <noscript>
            <meta http-equiv="refresh" content={String(refreshSeconds)} />
          </noscript>
        )}
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={ctx.assets.css} />
        <link rel="stylesheet" href={ctx.assets.appCss} />
      </head>
      <body>
        <header class="container">
          <Navigation ctx={ctx} />
        </header>
        <main class="container">
          {ctx.flash && (
            <p class={`flash flash-${ctx.flash.kind}`} role={ctx.flash.kind === 'error' ? 'alert' : 'status'}>
              {ctx.t(ctx.flash.message)}
            </p>
          )}
          <TranslateContext.Provider value={ctx.t}>{children}</TranslateContext.Provider>
        </main>
        <footer class="container">
          <small>{ctx.t('Herald — mailings you can trust.')}</small>
          {!ctx.actor && <LanguageSwitcher ctx={ctx} />}
        </footer>
      </body>
    </html>
  );
}
