import { postExcerpt, renderPostBody } from './blog.render.ts';
import type { PostView } from './blog.repository.ts';

const xmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text safe in XML content and attributes; characters XML 1.0 cannot carry at all are dropped. */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/[&<>"']/g, (c) => xmlEntities[c] as string);
}

const entry = (post: PostView, baseUrl: string) => {
  const url = `${baseUrl}/blog/${post.slug}`;
  const published = (post.publishedAt ?? post.createdAt).toISOString();
  return `  <entry>
    <id>${escapeXml(url)}</id>
    <title type="text">${escapeXml(post.title)}</title>
    <link rel="alternate" type="text/html" href="${escapeXml(url)}"/>
    <published>${published}</published>
    <updated>${post.updatedAt.toISOString()}</updated>
    <author><name>${escapeXml(post.authorName ?? 'Herald')}</name></author>
    <summary type="text">${escapeXml(postExcerpt(post.body))}</summary>
    <content type="html" xml:base="${escapeXml(`${baseUrl}/`)}">${escapeXml(renderPostBody(post.body))}</content>
  </entry>`;
};

/** The Atom 1.0 document of the given published posts, newest first; every text is escaped. */
export function buildAtomFeed(items: PostView[], options: { baseUrl: string; now: Date }): string {
  const { baseUrl } = options;
  const updated = items.reduce<Date | null>((latest, p) => (latest && latest > p.updatedAt ? latest : p.updatedAt), null);
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${escapeXml(`${baseUrl}/blog`)}</id>
  <title type="text">Herald blog</title>
  <link rel="self" type="application/atom+xml" href="${escapeXml(`${baseUrl}/blog/feed.atom`)}"/>
  <link rel="alternate" type="text/html" href="${escapeXml(`${baseUrl}/blog`)}"/>
  <updated>${(updated ?? options.now).toISOString()}</updated>
${items.map((post) => entry(post, baseUrl)).join('\n')}
</feed>
`;
}
