import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkTemplate, renderMessage } from './messages.render.ts';

const vars = { name: 'Ada Lovelace', email: 'ada@example.com', unsubscribeUrl: 'https://herald.example/unsubscribe/tok_en-1' };
const markdown = (body: string, subject = 'Hello') => renderMessage({ subject, body, format: 'markdown' }, vars);
const bodyOf = (html: string) => /<body>([\s\S]*)<\/body>/.exec(html)?.[1] ?? '';

describe('checkTemplate', () => {
  test('accepts text and the three placeholders, with or without inner spaces', () => {
    assert.equal(checkTemplate('Plain text, { single braces } and }} stray closers'), null);
    assert.equal(checkTemplate('Hi {{name}} <{{ email }}>, [leave]({{unsubscribe_url}})'), null);
  });

  test('refuses everything else with a message naming the problem', () => {
    const cases: [string, RegExp][] = [
      ['Hi {{nmae}}', /Unknown placeholder \{\{nmae\}\}/],
      ['{{name.length}}', /Unknown placeholder \{\{name\.length\}\}/],
      ['{{process}}', /Unknown placeholder \{\{process\}\}/],
      ['Hi {{name', /not closed/],
      ['{{#name}}x{{/name}}', /Sections/],
      ['{{#name}}never closed', /Sections/],
      ['{{/name}}', /Sections/],
      ['{{^name}}x{{/name}}', /Inverted sections/],
      ['{{>footer}}', /Partials/],
      ['{{{name}}}', /unescaped/],
      ['{{& name}}', /unescaped/],
      ['{{! a comment }}', /Comments/],
      ['{{=<% %>=}}<% name %>', /delimiters/],
    ];
    for (const [template, message] of cases) {
      const error = checkTemplate(template);
      assert.ok(error, template);
      assert.match(error, message, template);
    }
  });
});

describe('renderMessage', () => {
  test('substitutes the placeholders in the subject, the text part and the HTML part', () => {
    const out = markdown('Dear **{{name}}**,\n\nwrite to {{email}}.', 'News for {{name}}');
    assert.equal(out.subject, 'News for Ada Lovelace');
    assert.equal(out.text, 'Dear **Ada Lovelace**,\n\nwrite to ada@example.com.');
    assert.match(out.html, /<strong>Ada Lovelace<\/strong>/);
    assert.match(out.html, /ada@example\.com/);
  });

  test('the unsubscribe placeholder works in a Markdown link, an autolink and bare text', () => {
    const out = markdown('[Unsubscribe]({{unsubscribe_url}}) · <{{unsubscribe_url}}> · {{unsubscribe_url}}');
    const hrefs = [...out.html.matchAll(/<a href="([^"]*)"/g)].map((m) => m[1]);
    assert.equal(hrefs.length, 3, out.html);
    for (const href of hrefs) assert.equal(decodeURIComponent(href ?? ''), vars.unsubscribeUrl);
    assert.match(out.html, />Unsubscribe<\/a>/);
    assert.doesNotMatch(out.html, /%7B|\{\{/);
    assert.match(out.text, /\[Unsubscribe\]\(https:\/\/herald\.example\/unsubscribe\/tok_en-1\)/);
  });

  test('hostile values display literally in every part', () => {
    for (const name of ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', '*Bob* _x_ [a](javascript:b) `c` &amp;']) {
      const hostile = { ...vars, name };
      for (const format of ['markdown', 'text'] as const) {
        const out = renderMessage({ subject: 'Hi {{name}}', body: 'Hello {{name}}!', format }, hostile);
        const html = bodyOf(out.html);
        assert.doesNotMatch(html, /<script|<img|<em>|<a |<code>/, `${format}: ${html}`);
        const shown = html.replace(/<[^>]+>/g, '');
        const decoded = shown
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&quot;/g, '"')
          .replace(/&#39;/g, "'");
        assert.ok(decoded.replace(/&amp;/g, '&').includes(`Hello ${name}!`), `${format}: ${html}`);
        assert.equal(out.text, `Hello ${name}!`);
        assert.equal(out.subject, `Hi ${name}`);
      }
    }
  });

  test('the subject never carries a line break', () => {
    const out = renderMessage({ subject: 'A {{name}}', body: 'x', format: 'text' }, { ...vars, name: 'x\r\nBcc: y@example.com' });
    assert.doesNotMatch(out.subject, /[\r\n]/);
  });

  test('Markdown is sanitised: no scripts, event handlers, javascript: links or data: images', () => {
    const out = markdown(
      [
        '<script>alert(1)</script>',
        '<a href="https://ok.example" onclick="steal()">ok</a>',
        '[js](javascript:alert(1)) [vb](vbscript:x) [mail](mailto:a@example.com)',
        '![pixel](data:image/png;base64,AAAA) ![remote](https://img.example/a.png)',
        '<iframe src="https://evil.example"></iframe><style>body{}</style><object data="x"></object>',
        '<img src="https://img.example/b.png" onerror="steal()">',
      ].join('\n\n'),
    );
    const html = bodyOf(out.html);
    assert.doesNotMatch(html, /<script|alert\(1\)|onclick|onerror|javascript:|vbscript:|data:|<iframe|<style|<object/i, html);
    assert.match(html, /<a href="https:\/\/ok\.example">ok<\/a>/);
    assert.match(html, /<a href="mailto:a@example\.com">mail<\/a>/);
    assert.match(html, /<img src="https:\/\/img\.example\/a\.png" alt="remote" \/>/);
  });

  test('plain text: the text part as written, the HTML part escaped with paragraphs and line breaks', () => {
    const out = renderMessage({ subject: 'S', body: 'Hi {{name}},\r\nline <two>\n\n**not bold**', format: 'text' }, vars);
    assert.equal(out.text, 'Hi Ada Lovelace,\nline <two>\n\n**not bold**');
    assert.equal(bodyOf(out.html), '<p>Hi Ada Lovelace,<br>\nline &lt;two&gt;</p>\n<p>**not bold**</p>');
  });
});
