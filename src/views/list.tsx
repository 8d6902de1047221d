import type { ComponentChildren } from 'preact';
import { type Page, pageCount } from '../lib/scope.ts';
import { useT } from './translate-context.ts';

/** Builds a list URL keeping the current query and changing some parameters. */
export function listUrl(
  path: string,
  query: Record<string, string | number | undefined>,
  change: Record<string, string | number>,
) {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries({ ...query, ...change })) {
    if (value !== undefined && value !== '') pairs.push(`${formEncode(key)}=${formEncode(String(value))}`);
  }
  return pairs.length ? `${path}?${pairs.join('&')}` : path;
}

/**
 * A query-string component as URLSearchParams writes it (space as `+`, and `!'()~` escaped too).
 * A list page writes a dozen links: URLSearchParams per link showed in its profiles.
 */
const formEncode = (text: string) =>
  encodeURIComponent(wellFormed(text)).replace(/%20|[!'()~]/g, (c) =>
    c === '%20' ? '+' : `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

/** The text with each lone surrogate (which encodeURIComponent refuses) made U+FFFD, as URLSearchParams does. */
const wellFormed = (text: string) =>
  text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

/** A column header that sorts by its column, toggling direction, with aria-sort for screen readers. */
export function SortHeader(props: {
  path: string;
  query: { sort: string; direction: 'asc' | 'desc'; q?: string | undefined };
  column: string;
  children: ComponentChildren;
}) {
  const active = props.query.sort === props.column;
  const direction = active && props.query.direction === 'asc' ? 'desc' : 'asc';
  return (
    <th scope="col" aria-sort={active ? (props.query.direction === 'asc' ? 'ascending' : 'descending') : undefined}>
      <a href={listUrl(props.path, { ...props.query }, { sort: props.column, direction, page: 1 })}>
        {props.children}
        {active ? (props.query.direction === 'asc' ? ' ▲' : ' ▼') : ''}
      </a>
    </th>
  );
}

/** Previous/next links and "page N of M". */
export function Pagination(props: { path: string; query: Record<string, string | number | undefined>; page: Page<unknown> }) {
  const t = useT();
  const pages = pageCount(props.page);
  const current = props.page.page;
  if (pages <= 1) return null;
  const previous = `← ${t('Previous')}`;
  const next = `${t('Next')} →`;
  return (
    <nav aria-label={t('Pagination')}>
      <ul>
        <li>
          {current > 1 ? (
            <a href={listUrl(props.path, props.query, { page: current - 1 })}>{previous}</a>
          ) : (
            <span>{previous}</span>
          )}
        </li>
        <li>{t('Page {{page}} of {{pages}}', { page: current, pages })}</li>
        <li>
          {current < pages ? <a href={listUrl(props.path, props.query, { page: current + 1 })}>{next}</a> : <span>{next}</span>}
        </li>
      </ul>
    </nav>
  );
}

/** A page asking to confirm a deletion, posting to the same URL. */
export function ConfirmDelete(props: {
  action: string;
  csrfToken: string;
  /** What goes, already in the reader's language and as the object of "Delete": t('the recipient {{email}}', …). */
  what: string;
  cancel: string;
  children?: ComponentChildren;
}) {
  const t = useT();
  return (
    <article>
      <h1>{t('Delete {{what}}?', { what: props.what })}</h1>
      {props.children}
      <p>{t('This cannot be undone.')}</p>
      <form method="post" action={props.action}>
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <button type="submit" class="contrast">
          {t('Delete')}
        </button>{' '}
        <a href={props.cancel}>{t('Cancel')}</a>
      </form>
    </article>
  );
}
