import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { english, translator } from '../../i18n/i18n.ts';
import { checkTemplate, compileMessage, renderMessage } from './messages.render.ts';

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
      assert.match(english(error), message, template);
    }
  });
});

describe('checkTemplate in Russian', () => {
  test('its reasons read in Russian, the tag as typed and the allowed placeholders kept', () => {
    const ru = (template: string) => translator('ru')(checkTemplate(template) ?? '');
    assert.equal(ru('Hi {{nmae}}'), 'Неизвестная подстановка {{nmae}}: используйте {{name}}, {{email}} или {{unsubscribe_url}}.');
    assert.equal(ru('Hi {{name'), 'Подстановка не закрыта: у «{{» нет парной «}}».');
    assert.match(ru('{{#name}}x{{/name}}'), /^Блоки \(\{\{#name\}\}…\{\{\/name\}\}\) не поддерживаются/);
    assert.match(ru('{{{name}}}'), /^\{\{\{name\}\}\} и \{\{&name\}\} вставляют значение без экранирования/);
    for (const template of ['{{^name}}x{{/name}}', '{{>footer}}', '{{! a comment }}', '{{=<% %>=}}<% name %>']) {
      assert.match(ru(template), /^[А-ЯЁ]/, template);
      assert.doesNotMatch(ru(template), /not supported/, template);
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

/** The text a reader sees in an HTML fragment: tags dropped, the five escapes decoded. */
const visible = (html: string) =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
const decodeAttribute = (value: string) => visible(value);

const hostileValues = [
  '"quoted" \'single\'',
  '<script>alert(1)</script>',
  '<b onclick="x()">bold</b>',
  '*Bob* _x_ `c` ~~d~~ [a](javascript:b) # h | > - 1.',
  '',
  '   ',
  'Zoë 山田 👩‍💻🎉',
  '&amp; &lt; &#39; &copy',
  'line1\nline2\n\npara',
  'https://unsubscribe.invalid/0abc',
  '{{name}}',
  'x'.repeat(10_000),
];

describe('compileMessage', () => {
  test('compiled once, it renders each recipient with only their own values, as renderMessage does', () => {
    const message = {
      subject: 'News for {{name}}',
      body: '# Hi {{name}}\n\nYour address: {{email}}',
      format: 'markdown' as const,
    };
    const compiled = compileMessage(message);
    const ada = compiled.render(vars);
    const bob = compiled.render({ ...vars, name: 'Bob', email: 'bob@example.com' });
    assert.deepEqual(ada, renderMessage(message, vars));
    assert.equal(bob.subject, 'News for Bob');
    assert.match(bob.html, /<h1>Hi Bob<\/h1>/);
    assert.doesNotMatch(bob.html + bob.text, /Ada|ada@/);
    assert.deepEqual(compiled.render(vars), ada, 'rendering again gives the same e-mail');
  });

  test('hostile values display exactly as typed wherever the placeholder stands in the text', () => {
    const positions = [
      'Hello {{name}}!',
      '**{{name}}** and _{{name}}_',
      '# {{name}}',
      '- {{name}}',
      '> {{name}}',
      '| a |\n|---|\n| {{name}} |',
      '`{{name}}`',
      '    {{name}}',
      '[{{name}}](https://example.com)',
      '<p>{{name}}</p>',
    ];
    for (const name of hostileValues) {
      for (const body of positions) {
        for (const format of ['markdown', 'text'] as const) {
          const out = compileMessage({ subject: 'Hi {{name}}', body, format }).render({ ...vars, name });
          const html = bodyOf(out.html);
          assert.ok(visible(html).includes(name), `${format} ${body} ${name.slice(0, 40)}: ${html.slice(0, 300)}`);
          assert.doesNotMatch(html, /<(?!\/?(p|br|h1|strong|em|ul|li|blockquote|table|thead|tbody|tr|th|td|code|pre|a)[\s>])/);
          assert.doesNotMatch(html, /<[a-z][^>]*\son\w+\s*=/i);
          assert.equal(out.subject, `Hi ${name.replace(/[\r\n]+/g, ' ')}`.trim());
          assert.equal(out.text, body.replaceAll('{{name}}', name));
        }
      }
    }
  });

  test('values in link titles and image descriptions stay inside their attribute', () => {
    const compiled = compileMessage({
      subject: 'S',
      body: '[link](https://example.com "{{name}}") ![{{name}}](https://img.example/a.png)',
      format: 'markdown',
    });
    for (const name of hostileValues) {
      const named = compiled.render({ ...vars, name });
      const title = /<a href="https:\/\/example\.com" title="([^"]*)">link<\/a>/.exec(named.html)?.[1];
      const alt = /<img src="https:\/\/img\.example\/a\.png" alt="([^"]*)"/.exec(named.html)?.[1];
      assert.equal(decodeAttribute(title ?? 'missing'), name, named.html.slice(0, 300));
      assert.equal(decodeAttribute(alt ?? 'missing'), name, named.html.slice(0, 300));
    }
  });

  test('a value in a link or image address stays inside it and never chooses the scheme', () => {
    const bodies = [
      '[x]({{name}})',
      '<a href="{{name}}">x</a>',
      '![i](https://img.example/{{name}}.png)',
      'https://example.com/?n={{name}}',
    ];
    const values = [
      'javascript:alert(1)',
      '" onmouseover="alert(1)',
      '//evil.example/x',
      'data:text/html,<b>x</b>',
      ' java\tscript:x',
    ];
    for (const body of bodies) {
      for (const name of values) {
        const html = bodyOf(compileMessage({ subject: 'S', body, format: 'markdown' }).render({ ...vars, name }).html);
        const addresses = [...html.matchAll(/\s(?:href|src)="([^"]*)"/g)].map((m) => decodeAttribute(m[1] ?? ''));
        assert.ok(addresses.length > 0, `${body}: ${html}`);
        for (const address of addresses) {
          assert.doesNotMatch(
            address,
            /^\s*[a-z][a-z\d+.\-\s]*:(?!\/\/(example\.com|img\.example)\/)/i,
            `${body} ${name}: ${html}`,
          );
          assert.doesNotMatch(address, /^\/\//, `${body} ${name}: ${html}`);
        }
        assert.doesNotMatch(html, /<[a-z][^>]*\son\w+\s*=/i, html);
      }
    }
    const mail = compileMessage({ subject: 'S', body: '[Write](mailto:{{email}}) or [me]({{name}})', format: 'markdown' }).render(
      vars,
    );
    assert.match(mail.html, /<a href="mailto:ada@example\.com">Write<\/a>/);
    assert.match(mail.html, /<a href="Ada%20Lovelace">me<\/a>/);
  });

  test('the unsubscribe URL works as a link in every form, also when it holds & or quotes', () => {
    const unsubscribeUrl = "https://herald.example/unsubscribe/a_b.c?x=1&y='z'";
    const out = compileMessage({
      subject: 'S',
      body: '[Unsubscribe]({{unsubscribe_url}}) · <{{unsubscribe_url}}> · {{unsubscribe_url}}',
      format: 'markdown',
    }).render({ ...vars, unsubscribeUrl });
    const hrefs = [...out.html.matchAll(/<a href="([^"]*)">([^<]*)<\/a>/g)];
    assert.equal(hrefs.length, 3, out.html);
    for (const [, href] of hrefs) assert.equal(decodeURI(decodeAttribute(href ?? '')), unsubscribeUrl);
    assert.equal(decodeAttribute(hrefs[1]?.[2] ?? ''), unsubscribeUrl, 'the autolink shows the URL as text');
  });

  test('an unsubscribe URL with characters a URL cannot hold is percent-encoded in the link, and means the same', () => {
    const unsubscribeUrl = 'https://herald.example/mail é/unsubscribe/tok';
    const out = compileMessage({ subject: 'S', body: '[Unsubscribe]({{unsubscribe_url}})', format: 'markdown' }).render({
      ...vars,
      unsubscribeUrl,
    });
    const href = /<a href="([^"]*)">/.exec(out.html)?.[1] ?? '';
    assert.equal(href, 'https://herald.example/mail%20%C3%A9/unsubscribe/tok');
    assert.equal(decodeURI(href), unsubscribeUrl);
  });

  test('an empty value leaves the formatting around it, and <{{email}}> shows the address', () => {
    assert.equal(
      bodyOf(compileMessage({ subject: 'S', body: '**{{name}}**', format: 'markdown' }).render({ ...vars, name: '' }).html),
      '<p><strong></strong></p>\n',
    );
    assert.match(markdown('Write to <{{email}}>').html, /Write to &lt;ada@example\.com&gt;/);
  });

  test('text that merely looks like a placeholder stand-in is left as written', () => {
    const body = 'See https://unsubscribe.invalid/0abc and 0123456789abcdefn, then {{name}}.';
    const out = compileMessage({ subject: 'S', body, format: 'markdown' }).render(vars);
    assert.match(out.html, /https:\/\/unsubscribe\.invalid\/0abc/);
    assert.match(out.html, /0123456789abcdefn, then Ada Lovelace\./);
  });

  test('personalised tells which parts differ between recipients', () => {
    assert.deepEqual(compileMessage({ subject: 'Static', body: 'Same for all', format: 'markdown' }).personalised, {
      subject: false,
      text: false,
      html: false,
    });
    assert.deepEqual(compileMessage({ subject: 'Hi {{name}}', body: 'Same for all', format: 'text' }).personalised, {
      subject: true,
      text: false,
      html: true,
    });
    assert.deepEqual(compileMessage({ subject: 'Static', body: 'Bye: {{unsubscribe_url}}', format: 'markdown' }).personalised, {
      subject: false,
      text: true,
      html: true,
    });
  });

  test('an invalid template is refused when compiling, with the reason checkTemplate gives', () => {
    assert.throws(
      () => compileMessage({ subject: 'S', body: 'Hi {{nmae}}', format: 'markdown' }),
      /Unknown placeholder \{\{nmae\}\}/,
    );
    assert.throws(() => compileMessage({ subject: '{{#name}}x{{/name}}', body: 'b', format: 'text' }), /Sections/);
  });
});
