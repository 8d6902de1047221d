import type { ComponentChildren } from 'preact';
import { type Page, pageCount } from '../lib/scope.ts';

/** Builds a list URL keeping the current query and changing some parameters. */
export function listUrl(
  path: string,
  query: Record<string, string | number | undefined>,
  change: Record<string, string | number>,
) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...query, ...change })) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

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
  const pages = pageCount(props.page);
  const current = props.page.page;
  if (pages <= 1) return null;
  return (
    <nav aria-label="Pagination">
      <ul>
        <li>
          {current > 1 ? (
            <a href={listUrl(props.path, props.query, { page: current - 1 })}>← Previous</a>
          ) : (
            <span>← Previous</span>
          )}
        </li>
        <li>
          Page {current} of {pages}
        </li>
        <li>
          {current < pages ? <a href={listUrl(props.path, props.query, { page: current + 1 })}>Next →</a> : <span>Next →</span>}
        </li>
      </ul>
    </nav>
  );
}

/** A page asking to confirm a deletion, posting to the same URL. */
export function ConfirmDelete(props: {
  action: string;
  csrfToken: string;
  what: string;
  cancel: string;
  children?: ComponentChildren;
}) {
  return (
    <article>
      <h1>Delete {props.what}?</h1>
      {props.children}
      <p>This cannot be undone.</p>
      <form method="post" action={props.action}>
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <button type="submit" class="contrast">
          Delete
        </button>{' '}
        <a href={props.cancel}>Cancel</a>
      </form>
    </article>
  );
}
