/**
 * Rendering a message for one recipient: personalisation, then Markdown, then sanitising.
 *
 * The template language is Mustache reduced to data only: `{{name}}`, `{{email}}` and
 * `{{unsubscribe_url}}`, nothing else (no sections, partials, lambdas, comments, unescaped or
 * set-delimiter tags). Templates are parsed with `mustache` and substituted by walking the parsed
 * tokens against a plain object of three strings, so a template cannot run code or reach the
 * environment, files or the network: there is nothing to call and nowhere to load from.
 *
 * Order of escaping, so that every value displays exactly as typed:
 * - subject: values inserted as they are, then CR/LF removed (no header injection);
 * - text part: values inserted as they are (plain text needs no escaping);
 * - HTML part of a plain-text body: values inserted, then the whole text HTML-escaped and split
 *   into paragraphs and line breaks;
 * - HTML part of a Markdown body: values Markdown-escaped first (every ASCII punctuation mark gets
 *   a backslash, so `*Bob*` or `<b>x</b>` stay text; the unsubscribe URL, which we build, is
 *   percent-encoded instead so it works as a link destination, an autolink and bare text), then
 *   Markdown → HTML with marked (which HTML-escapes text), then sanitize-html with an allow-list,
 *   which removes whatever HTML the author wrote that could run or load anything.
 * Substituting before Markdown also means `[Unsubscribe]({{unsubscribe_url}})` works: marked
 * would otherwise percent-encode the braces of a placeholder left in a link destination.
 */
import { Marked } from 'marked';
import Mustache from 'mustache';
import sanitizeHtml from 'sanitize-html';

export interface TemplateValues {
  name: string;
  email: string;
  unsubscribeUrl: string;
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

export const placeholders = ['name', 'email', 'unsubscribe_url'] as const;
type Placeholder = (typeof placeholders)[number];
const isPlaceholder = (name: string): name is Placeholder => (placeholders as readonly string[]).includes(name);

/** Mustache token kinds other than plain text and `{{name}}`, with why each is refused. */
const refusedTokens: Record<string, (value: string) => string> = {
  '#': (v) => `Sections ({{#${v}}}…{{/${v}}}) are not supported; only {{name}}, {{email}} and {{unsubscribe_url}} are.`,
  '^': (v) => `Inverted sections ({{^${v}}}) are not supported; only {{name}}, {{email}} and {{unsubscribe_url}} are.`,
  '>': (v) => `Partials ({{>${v}}}) are not supported: a message cannot include other templates.`,
  '&': (v) => `{{{${v}}}} and {{&${v}}} insert a value unescaped and are not supported; write {{${v}}} instead.`,
  '!': () => 'Comments ({{! … }}) are not supported; remove the comment.',
  '=': () => 'Changing the delimiters ({{= … =}}) is not supported.',
};

type Token = [kind: string, value: string, start: number, end: number, ...rest: unknown[]];

/** Parses with a fresh writer: the default one caches every template it has seen, for ever. */
function parseTemplate(template: string): Token[] {
  return new Mustache.Writer().parse(template) as Token[];
}

/** Turns mustache's parse errors ("Unclosed tag at 12") into a sentence for the author. */
function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith('Unclosed tag')) return 'A placeholder is not closed: a "{{" has no matching "}}".';
  const section = /^Un(?:closed|opened) section "([^"]*)"/.exec(message);
  if (section)
    return `Sections ({{#${section[1]}}}…{{/${section[1]}}}) are not supported; only {{name}}, {{email}} and {{unsubscribe_url}} are.`;
  return `The placeholders cannot be read (${message}); only {{name}}, {{email}} and {{unsubscribe_url}} are allowed.`;
}

/** An English error message when the text is not a valid template of the allowed placeholders, else null. */
export function checkTemplate(text: string): string | null {
  let tokens: Token[];
  try {
    tokens = parseTemplate(text);
  } catch (error) {
    return describeParseError(error);
  }
  for (const [kind, value] of tokens) {
    if (kind === 'text') continue;
    if (kind === 'name') {
      if (!isPlaceholder(value)) {
        return `Unknown placeholder {{${value}}}: use {{name}}, {{email}} or {{unsubscribe_url}}.`;
      }
      continue;
    }
    return (refusedTokens[kind] ?? (() => `This kind of tag is not supported ({{${kind}${value}}}).`))(value);
  }
  return null;
}

/** Substitutes the placeholders with already-escaped values; throws on anything but text and known names. */
function fill(template: string, values: Record<Placeholder, string>): string {
  let out = '';
  for (const [kind, value] of parseTemplate(template)) {
    if (kind === 'text') out += value;
    else if (kind === 'name' && isPlaceholder(value)) out += values[value];
    else throw new Error(checkTemplate(template) ?? 'invalid template');
  }
  return out;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** Backslash before every ASCII punctuation mark: CommonMark then takes each one literally. */
const escapeMarkdown = (text: string) => text.replace(/[!-/:-@[-`{-~]/g, (c) => `\\${c}`);

/** Percent-encodes what Markdown could read as syntax, keeping the URL valid and equivalent. */
const markdownUrl = (url: string) =>
  url.replace(/[^A-Za-z0-9\-.~:/?#=&%+,;@!$]/gu, (c) =>
    [...new TextEncoder().encode(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );

const markdown = new Marked({ gfm: true, breaks: false, async: false });

/** A conservative allow-list: formatting, links (http/https/mailto), images (http/https). */
const sanitizeOptions: sanitizeHtml.IOptions = {
  allowedTags:
    'p br hr h1 h2 h3 h4 h5 h6 blockquote ul ol li strong em b i del s code pre a img table thead tbody tr th td'.split(' '),
  allowedAttributes: {
    a: ['href', 'title'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    th: ['align'],
    td: ['align'],
    ol: ['start'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
};

const htmlDocument = (subject: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>${body}</body></html>`;

/** Plain text as HTML: escaped, a paragraph per blank-line-separated block, single newlines as <br>. */
const textToHtml = (text: string) =>
  text
    .split(/\n\s*\n/)
    .filter((block) => block.trim() !== '')
    .map((block) => `<p>${escapeHtml(block).replace(/\n/g, '<br>\n')}</p>`)
    .join('\n');

/** The subject, text part and HTML part of a message personalised for one recipient. */
export function renderMessage(
  message: { subject: string; body: string; format: 'markdown' | 'text' },
  vars: TemplateValues,
): RenderedMessage {
  const raw = { name: vars.name, email: vars.email, unsubscribe_url: vars.unsubscribeUrl };
  const subject = fill(message.subject, raw)
    .replace(/[\r\n]+/g, ' ')
    .trim();
  const body = message.body.replace(/\r\n?/g, '\n');
  const text = fill(body, raw);
  if (message.format === 'text') return { subject, text, html: htmlDocument(subject, textToHtml(text)) };
  const escaped = {
    name: escapeMarkdown(vars.name),
    email: escapeMarkdown(vars.email),
    unsubscribe_url: markdownUrl(vars.unsubscribeUrl),
  };
  const html = sanitizeHtml(markdown.parse(fill(body, escaped), { async: false }), sanitizeOptions);
  return { subject, text, html: htmlDocument(subject, html) };
}
