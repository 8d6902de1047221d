/**
 * Rendering a message for its recipients: compiled once per message, then filled per recipient.
 *
 * The template language is Mustache reduced to data only: `{{name}}`, `{{email}}` and
 * `{{unsubscribe_url}}`, nothing else (no sections, partials, lambdas, comments, unescaped or
 * set-delimiter tags). Templates are parsed with `mustache` into text and placeholder tokens, so
 * a template cannot run code or reach the environment, files or the network: there is nothing to
 * call and nowhere to load from.
 *
 * Compiling (`compileMessage`) does the costly work once: it parses the subject and body, puts a
 * random sentinel in place of each placeholder (letters and digits, starting with a digit, which
 * Markdown, HTML and sanitize-html all leave alone as text; the unsubscribe sentinel is itself an
 * https URL, so a link, an autolink `<…>` and a bare URL stay links), converts Markdown with marked,
 * sanitises with an allow-list, and cuts the result at the sentinels into static strings and slots.
 * Each slot knows where it stands in the HTML: text or attribute (the value is HTML-escaped), or
 * a link or image address (the value is also percent-encoded, so a recipient's name can never
 * choose the scheme of a link). Rendering for one recipient then only joins strings.
 *
 * Every value displays exactly as typed:
 * - subject: values inserted as they are, then CR/LF removed (no header injection);
 * - text part: values inserted as they are (plain text needs no escaping);
 * - HTML part: values HTML-escaped where they land, after Markdown and sanitising, so a name
 *   like `*Bob*` or `<b>x</b>` is never read as Markdown or HTML; plain-text bodies are
 *   HTML-escaped and split into paragraphs and line breaks at compile time.
 * The unsubscribe URL is Herald's own, trusted: in an address it is percent-encoded only where
 * it holds characters a URL cannot carry.
 *
 * Intended differences from substituting before Markdown (as Herald did first), found by comparing
 * both on hostile values: a value can no longer change the structure around it — an empty name
 * in `**{{name}}**` leaves empty bold rather than a horizontal rule, a value's blank lines or
 * newlines do not start paragraphs or line breaks, a value inside a code span shows no
 * backslashes, a value right after a bare URL (`https://…?n={{name}}`) belongs to that link
 * whole (percent-encoded) instead of ending it at its first punctuation mark, and a value used as
 * a whole link address (`[x]({{name}})`) is a relative address, never a link of its own scheme.
 * Quotes in values are written as `&quot;` and `&#39;`, which display the same. A placeholder
 * where HTML shows nothing (a comment, a tag the allow-list removes) shows nothing, as before.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Marked } from 'marked';
import Mustache from 'mustache';
import type sanitizeHtml from 'sanitize-html';
import { english, msg } from '../../i18n/i18n.ts';

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

/** A message compiled once, rendered for each recipient by joining strings. */
export interface CompiledMessage {
  render(vars: TemplateValues): RenderedMessage;
  /** The text and HTML parts cut at their placeholders, for an encoder that encodes the static parts once. */
  readonly templates: { readonly text: MessageTemplate; readonly html: MessageTemplate };
  /** One recipient's subject, and the values of the templates' slots (each escaped for where its slot is). */
  values(vars: TemplateValues): { subject: string; slots: string[] };
  /** Which parts differ between recipients: a part that does not can be encoded once. */
  readonly personalised: { readonly subject: boolean; readonly text: boolean; readonly html: boolean };
}

export const placeholders = ['name', 'email', 'unsubscribe_url'] as const;
type Placeholder = (typeof placeholders)[number];
const isPlaceholder = (name: string): name is Placeholder => (placeholders as readonly string[]).includes(name);

/**
 * Mustache token kinds other than plain text and `{{name}}`, with why each is refused. The reasons
 * are msg() descriptors (the form shows them in the author's language); the tag as typed is a value,
 * and the placeholders named in a text are left in it as they are.
 */
const sections = (v: string) =>
  msg('Sections ({{tag}}…{{end}}) are not supported; only {{name}}, {{email}} and {{unsubscribe_url}} are.', {
    tag: `{{#${v}}}`,
    end: `{{/${v}}}`,
  });
const refusedTokens: Record<string, (value: string) => string> = {
  '#': sections,
  '^': (v) =>
    msg('Inverted sections ({{tag}}) are not supported; only {{name}}, {{email}} and {{unsubscribe_url}} are.', {
      tag: `{{^${v}}}`,
    }),
  '>': (v) => msg('Partials ({{tag}}) are not supported: a message cannot include other templates.', { tag: `{{>${v}}}` }),
  '&': (v) =>
    msg('{{triple}} and {{ampersand}} insert a value unescaped and are not supported; write {{tag}} instead.', {
      triple: `{{{${v}}}}`,
      ampersand: `{{&${v}}}`,
      tag: `{{${v}}}`,
    }),
  '!': () => msg('Comments ({{! … }}) are not supported; remove the comment.'),
  '=': () => msg('Changing the delimiters ({{= … =}}) is not supported.'),
};

type Token = [kind: string, value: string, start: number, end: number, ...rest: unknown[]];

/** Parses with a fresh writer: the default one caches every template it has seen, for ever. */
function parseTemplate(template: string): Token[] {
  return new Mustache.Writer().parse(template) as Token[];
}

/** Turns mustache's parse errors ("Unclosed tag at 12") into a sentence for the author. */
function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith('Unclosed tag')) return msg('A placeholder is not closed: a "{{" has no matching "}}".');
  const section = /^Un(?:closed|opened) section "([^"]*)"/.exec(message);
  if (section) return sections(section[1] ?? '');
  return msg('The placeholders cannot be read ({{reason}}); only {{name}}, {{email}} and {{unsubscribe_url}} are allowed.', {
    reason: message,
  });
}

/** Why the text is not a valid template of the allowed placeholders (a msg() descriptor), else null. */
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
        return msg('Unknown placeholder {{tag}}: use {{name}}, {{email}} or {{unsubscribe_url}}.', { tag: `{{${value}}}` });
      }
      continue;
    }
    const refused =
      refusedTokens[kind] ?? (() => msg('This kind of tag is not supported ({{tag}}).', { tag: `{{${kind}${value}}}` }));
    return refused(value);
  }
  return null;
}

/**
 * What fills a slot, as an index into the values computed once per recipient: each placeholder
 * as typed, HTML-escaped, and as part of an address; and the subject HTML-escaped (the title).
 */
const Value = {
  raw: { name: 0, email: 1, unsubscribe_url: 2 },
  html: { name: 3, email: 4, unsubscribe_url: 5 },
  address: { name: 6, email: 7, unsubscribe_url: 8 },
  subjectHtml: 9,
} as const;
const valueCount = 10;

/** A template cut at its placeholders: `parts[0]`, value of `slots[0]`, `parts[1]`, … the last part. */
export interface MessageTemplate {
  readonly parts: string[];
  readonly slots: number[];
}
type Spliced = MessageTemplate;

/** The template with each slot filled from `values`. */
export function splice(template: Spliced, values: string[]): string {
  const { parts, slots } = template;
  let out = parts[0] as string;
  for (let i = 0; i < slots.length; i++) out += (values[slots[i] as number] as string) + (parts[i + 1] as string);
  return out;
}

/** The tokens as text with `insert(placeholder)` in place of each placeholder; throws on anything else. */
function fillTokens(template: string, tokens: Token[], insert: (placeholder: Placeholder) => string): string {
  let out = '';
  for (const [kind, value, start, end] of tokens) {
    if (kind === 'text') out += template.slice(start, end);
    else if (kind === 'name' && isPlaceholder(value)) out += insert(value);
    else throw new Error(english(checkTemplate(template) ?? 'invalid template'));
  }
  return out;
}

/**
 * The tokens cut at their placeholders, each slot filled with the value as typed. Text is sliced
 * from the template rather than taken from the token, which mustache builds one character at a
 * time: such a string would be re-assembled on every render.
 */
function spliceTokens(template: string, tokens: Token[]): Spliced {
  const spliced: Spliced = { parts: [''], slots: [] };
  for (const [kind, value, start, end] of tokens) {
    if (kind === 'text') spliced.parts[spliced.parts.length - 1] += template.slice(start, end);
    else if (kind === 'name' && isPlaceholder(value)) {
      spliced.slots.push(Value.raw[value]);
      spliced.parts.push('');
    } else throw new Error(english(checkTemplate(template) ?? 'invalid template'));
  }
  return spliced;
}

const htmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

const htmlSpecial = /[&<>"']/;

/** HTML-escaped text, safe in element content and in a quoted attribute; unchanged text is not copied. */
function escapeHtml(text: string): string {
  // Most names, addresses and links hold none of the five: one regular-expression test, no walk.
  if (!htmlSpecial.test(text)) return text;
  let out = '';
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const entity = htmlEntities[text.charAt(i)];
    if (entity === undefined) continue;
    out += text.slice(last, i) + entity;
    last = i + 1;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** A recipient's value inside a link or image address: every character that could end or steer it is encoded. */
const addressPart = (value: string) => escapeHtml(encodeURIComponent(value).replaceAll('%40', '@'));

/** A character a URL cannot hold as it is (the global copy replaces every one). */
const urlUnsafe = /[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/u;
const urlUnsafeAll = new RegExp(urlUnsafe.source, 'gu');

/** Herald's unsubscribe URL as an address: percent-encodes only what a URL cannot hold, keeping it equivalent. */
const unsubscribeAddress = (url: string) =>
  escapeHtml(
    urlUnsafe.test(url)
      ? url.replace(urlUnsafeAll, (c) =>
          [...new TextEncoder().encode(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
        )
      : url,
  );

const markdown = new Marked({ gfm: true, breaks: false, async: false });

// sanitize-html and its parsers take a few MB: loaded by the first compilation, so a worker that
// has no run to send never holds them.
const require = createRequire(import.meta.url);
let sanitizer: typeof sanitizeHtml | undefined;
const sanitize = (html: string, options: sanitizeHtml.IOptions) => {
  sanitizer ??= require('sanitize-html') as typeof sanitizeHtml;
  return sanitizer(html, options);
};

/** A conservative allow-list: formatting, links (http/https/mailto), images (http/https); the blog builds on it. */
export const sanitizeOptions: sanitizeHtml.IOptions = {
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

const htmlDocument = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;

/** Plain text as HTML: escaped, a paragraph per blank-line-separated block, single newlines as <br>. */
const textToHtml = (text: string) =>
  text
    .split(/\n\s*\n/)
    .filter((block) => block.trim() !== '')
    .map((block) => `<p>${escapeHtml(block).replace(/\n/g, '<br>\n')}</p>`)
    .join('\n');

/** Stand-ins for the placeholders while the HTML is made, unique to one compilation. */
function makeSentinels(template: string) {
  let id = randomBytes(12).toString('hex');
  while (template.includes(id)) id = randomBytes(12).toString('hex');
  return {
    name: `0${id}n`,
    email: `0${id}m`,
    unsubscribe_url: `https://unsubscribe.invalid/0${id}u`,
    subject: `0${id}t`,
    pattern: new RegExp(`https://unsubscribe\\.invalid/0${id}u|0${id}[nmt]`, 'g'),
  };
}
type Sentinels = ReturnType<typeof makeSentinels>;

/** True when `index` in sanitised HTML is inside a link or image address (href, src). */
function isAddress(html: string, index: number): boolean {
  const open = html.lastIndexOf('<', index);
  if (open === -1 || html.lastIndexOf('>', index) > open) return false;
  const attribute = /([a-z-]+)="[^"]*$/.exec(html.slice(open, index))?.[1];
  // sanitize-html writes every attribute as name="value"; anything else in a tag is treated as an address, the strictest.
  return attribute === undefined || attribute === 'href' || attribute === 'src';
}

/** The finished HTML document cut at the sentinels, each slot escaped for where it stands. */
function spliceHtml(html: string, sentinels: Sentinels): Spliced {
  const spliced: Spliced = { parts: [], slots: [] };
  let last = 0;
  for (const match of html.matchAll(sentinels.pattern)) {
    const placeholder = placeholders.find((p) => sentinels[p] === match[0]);
    spliced.parts.push(html.slice(last, match.index));
    if (placeholder === undefined) spliced.slots.push(Value.subjectHtml);
    else spliced.slots.push((isAddress(html, match.index) ? Value.address : Value.html)[placeholder]);
    last = match.index + match[0].length;
  }
  spliced.parts.push(html.slice(last));
  return spliced;
}

/** The subject on one line: line breaks (from the template or a value) become spaces. */
const oneLine = (subject: string) =>
  (subject.includes('\n') || subject.includes('\r') ? subject.replace(/[\r\n]+/g, ' ') : subject).trim();

/**
 * Parses, converts and sanitises a message once; `render` then personalises it for one recipient.
 * Throws when the subject or body is not a valid template (see `checkTemplate`).
 */
export function compileMessage(message: { subject: string; body: string; format: 'markdown' | 'text' }): CompiledMessage {
  const body = message.body.replace(/\r\n?/g, '\n');
  const subjectTokens = parseTemplate(message.subject);
  const bodyTokens = parseTemplate(body);
  const subjectTemplate = spliceTokens(message.subject, subjectTokens);
  const textTemplate = spliceTokens(body, bodyTokens);
  const staticSubject = subjectTemplate.slots.length === 0 ? oneLine(subjectTemplate.parts[0] as string) : null;

  const sentinels = makeSentinels(message.subject + body);
  const withSentinels = fillTokens(body, bodyTokens, (placeholder) => sentinels[placeholder]);
  const bodyHtml =
    message.format === 'text'
      ? textToHtml(withSentinels)
      : sanitize(markdown.parse(withSentinels, { async: false }), sanitizeOptions);
  const title = staticSubject === null ? sentinels.subject : escapeHtml(staticSubject);
  const htmlTemplate = spliceHtml(htmlDocument(title, bodyHtml), sentinels);

  const needed = new Set([...subjectTemplate.slots, ...textTemplate.slots, ...htmlTemplate.slots]);
  const has = (slot: number) => needed.has(slot);
  const values = (vars: TemplateValues) => {
    const filled = new Array<string>(valueCount).fill('');
    filled[Value.raw.name] = vars.name;
    filled[Value.raw.email] = vars.email;
    filled[Value.raw.unsubscribe_url] = vars.unsubscribeUrl;
    const subject = staticSubject ?? oneLine(splice(subjectTemplate, filled));
    if (has(Value.html.name)) filled[Value.html.name] = escapeHtml(vars.name);
    if (has(Value.html.email)) filled[Value.html.email] = escapeHtml(vars.email);
    if (has(Value.html.unsubscribe_url)) filled[Value.html.unsubscribe_url] = escapeHtml(vars.unsubscribeUrl);
    if (has(Value.address.name)) filled[Value.address.name] = addressPart(vars.name);
    if (has(Value.address.email)) filled[Value.address.email] = addressPart(vars.email);
    if (has(Value.address.unsubscribe_url)) filled[Value.address.unsubscribe_url] = unsubscribeAddress(vars.unsubscribeUrl);
    if (has(Value.subjectHtml)) filled[Value.subjectHtml] = escapeHtml(subject);
    return { subject, slots: filled };
  };
  return {
    personalised: {
      subject: staticSubject === null,
      text: textTemplate.slots.length > 0,
      html: htmlTemplate.slots.length > 0,
    },
    templates: { text: textTemplate, html: htmlTemplate },
    values,
    render(vars) {
      const { subject, slots } = values(vars);
      return { subject, text: splice(textTemplate, slots), html: splice(htmlTemplate, slots) };
    },
  };
}

/** The subject, text part and HTML part of a message personalised for one recipient. */
export function renderMessage(
  message: { subject: string; body: string; format: 'markdown' | 'text' },
  vars: TemplateValues,
): RenderedMessage {
  return compileMessage(message).render(vars);
}
