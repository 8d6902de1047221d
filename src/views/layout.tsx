import type { ComponentChildren } from 'preact';
import { type Actor, can } from '../permissions.ts';

export interface Flash {
  kind: 'success' | 'error' | 'info';
  message: string;
}

/** What every page needs from the request: who is looking, the CSRF token for forms, a flash. */
export interface PageContext {
  actor: Actor | null;
  csrfToken: string;
  flash: Flash | null;
  path: string;
  devMailbox: boolean;
  assets: { css: string; appCss: string };
}

function NavLink({ href, path, children }: { href: string; path: string; children: ComponentChildren }) {
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
  const { actor, path } = ctx;
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
        <NavLink href="/blog" path={path}>
          Blog
        </NavLink>
        {actor ? (
          <>
            <NavLink href="/recipients" path={path}>
              Recipients
            </NavLink>
            <NavLink href="/messages" path={path}>
              Messages
            </NavLink>
            <NavLink href="/mailings" path={path}>
              Mailings
            </NavLink>
            <NavLink href="/stats" path={path}>
              Statistics
            </NavLink>
            {can(actor, 'users:list') && (
              <NavLink href="/users" path={path}>
                Users
              </NavLink>
            )}
            {can(actor, 'audit:read_own') && (
              <NavLink href="/audit" path={path}>
                Audit log
              </NavLink>
            )}
            {can(actor, 'mailbox:read') && ctx.devMailbox && (
              <NavLink href="/dev/mailbox" path={path}>
                Dev mailbox
              </NavLink>
            )}
            <NavLink href="/profile" path={path}>
              {actor.fullName}
            </NavLink>
            <li>
              <form method="post" action="/logout" class="inline">
                <input type="hidden" name="_csrf" value={ctx.csrfToken} />
                <button type="submit" class="secondary outline">
                  Log out
                </button>
              </form>
            </li>
          </>
        ) : (
          <>
            <NavLink href="/login" path={path}>
              Log in
            </NavLink>
            <NavLink href="/register" path={path}>
              Register
            </NavLink>
          </>
        )}
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
    <html lang="en">
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
              {ctx.flash.message}
            </p>
          )}
          {children}
        </main>
        <footer class="container">
          <small>Herald — mailings you can trust.</small>
        </footer>
      </body>
    </html>
  );
}
