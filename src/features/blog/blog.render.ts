/**
 * A post's Markdown as safe HTML, and its title as a URL slug.
 *
 * The allow-list is the e-mails' (messages.render.ts) with the blog's additions: formatting,
 * headings, lists, quotes, code, tables, links (http, https, mailto, or a path on this site) and
 * images (http, https or a path on this site). Everything else is dropped: script, style,
 * iframe, object, form elements, every event handler and style attribute, and any other scheme
 * (`javascript:`, `data:`, `vbscript:`…), in whatever case or entity encoding it arrives.
 * Links get `rel="nofollow noopener"`.
 */
import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { sanitizeOptions as messageAllowList } from '../messages/messages.render.ts';

const markdown = new Marked({ gfm: true, breaks: false, async: false });

/** The e-mails' allow-list, plus `rel` on links (always nofollow noopener) and no text left of removed scripts or styles. */
const sanitizeOptions: sanitizeHtml.IOptions = {
  ...messageAllowList,
  allowedAttributes: { ...messageAllowList.allowedAttributes, a: ['href', 'title', 'rel'] },
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'iframe', 'xmp', 'noembed', 'noframes'],
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'nofollow noopener' } }),
  },
};

/** A post body (Markdown, raw HTML allowed in it) as HTML holding only the allow-list above. */
export function renderPostBody(body: string): string {
  return sanitizeHtml(markdown.parse(body, { async: false }), sanitizeOptions);
}

/** Plain text of a post body for summaries: the rendered HTML without any tag, on one line. */
export function postExcerpt(body: string, max = 200): string {
  const text = sanitizeHtml(renderPostBody(body), { allowedTags: [], allowedAttributes: {} })
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

// Russian and the other Cyrillic alphabets, after the common passport-style transliteration.
// biome-ignore format: a table
const cyrillic: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i', й: 'y', к: 'k', л: 'l',
  м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh',
  щ: 'shch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya', і: 'i', ї: 'yi', є: 'ye', ґ: 'g', ў: 'u',
};

/** The longest slug; with a `-N` suffix it stays under 90 characters. */
export const SLUG_MAX = 80;

/**
 * A slug from a title: lowercase ASCII letters, digits and single hyphens. Cyrillic is
 * transliterated, Latin letters lose their accents, anything else separates words. A title with
 * nothing left (only emoji, say) gives `post`.
 */
export function slugify(title: string): string {
  // Cyrillic first (й and ё would lose their marks otherwise), then accents come off Latin letters.
  const ascii = [...title.normalize('NFC').toLowerCase()]
    .map((c) => cyrillic[c] ?? c)
    .join('')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '');
  const slug = ascii
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, SLUG_MAX)
    .replace(/-+$/, '');
  return slug || 'post';
}
