import { english, type Translate } from '../../i18n/i18n.ts';
import type { BlogService } from './blog.service.ts';

/**
 * `herald posts [--all]`: published posts (every post with --all), one a line: slug, state/date,
 * views, title. The headings are for people and translated; the rows are data.
 */
export async function describePosts(
  blog: BlogService,
  includeDrafts: boolean,
  t: Translate = english,
): Promise<{ code: number; output: string }> {
  const posts = await blog.listForOperator(includeDrafts);
  if (posts.length === 0) return { code: 0, output: includeDrafts ? t('No posts.') : t('No published posts.') };
  const heading = { slug: t('SLUG'), published: t('PUBLISHED (UTC)'), views: t('VIEWS'), title: t('TITLE') };
  const draft = t('draft');
  const slugWidth = Math.max(heading.slug.length, ...posts.map((p) => p.slug.length));
  const whenWidth = Math.max(16, heading.published.length, draft.length);
  const viewsWidth = Math.max(6, heading.views.length);
  const lines = posts.map((p) => {
    const when = p.published && p.publishedAt ? p.publishedAt.toISOString().slice(0, 16).replace('T', ' ') : draft;
    return `${p.slug.padEnd(slugWidth)}  ${when.padEnd(whenWidth)}  ${String(p.views).padStart(viewsWidth)}  ${p.title}`;
  });
  const header = `${heading.slug.padEnd(slugWidth)}  ${heading.published.padEnd(whenWidth)}  ${heading.views.padStart(viewsWidth)}  ${heading.title}`;
  return { code: 0, output: [header, ...lines].join('\n') };
}
