import type { BlogService } from './blog.service.ts';

/** `herald posts [--all]`: published posts (every post with --all), one a line: slug, state/date, views, title. */
export async function describePosts(blog: BlogService, includeDrafts: boolean): Promise<{ code: number; output: string }> {
  const posts = await blog.listForOperator(includeDrafts);
  if (posts.length === 0) return { code: 0, output: includeDrafts ? 'No posts.' : 'No published posts.' };
  const slugWidth = Math.max(4, ...posts.map((p) => p.slug.length));
  const lines = posts.map((p) => {
    const when = p.published && p.publishedAt ? p.publishedAt.toISOString().slice(0, 16).replace('T', ' ') : 'draft';
    return `${p.slug.padEnd(slugWidth)}  ${when.padEnd(16)}  ${String(p.views).padStart(6)}  ${p.title}`;
  });
  const header = `${'SLUG'.padEnd(slugWidth)}  ${'PUBLISHED (UTC)'.padEnd(16)}  ${'VIEWS'.padStart(6)}  TITLE`;
  return { code: 0, output: [header, ...lines].join('\n') };
}
