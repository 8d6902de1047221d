import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeXml } from './blog.feed.ts';
import { postExcerpt, renderPostBody, SLUG_MAX, slugify } from './blog.render.ts';
import { checkCover, detectCoverType } from './covers.ts';

/** Every way the rendered HTML could still run script: tags, handlers, script URLs. */
function assertInert(html: string, payload: string) {
  assert.doesNotMatch(html, /<\s*(script|iframe|object|embed|style|svg|math|form|input|base|meta|link)\b/i, payload);
  // Inside tags only: escaped text such as "&lt;img onerror=…" is harmless and may stay.
  for (const [tag] of html.matchAll(/<[a-z][^>]*>/gi)) {
    assert.doesNotMatch(tag, /\son[a-z]+\s*=/i, `${payload} → ${tag}`);
    assert.doesNotMatch(tag, /(href|src)\s*=\s*"\s*(javascript|vbscript|data):/i, `${payload} → ${tag}`);
    assert.doesNotMatch(tag, /\sstyle\s*=/i, `${payload} → ${tag}`);
  }
}

describe('post body sanitiser', () => {
  test('keeps Markdown formatting, tables and safe links; links get rel="nofollow noopener"', () => {
    const html = renderPostBody(
      '# Title\n\n**bold** _em_ `code`\n\n- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\n[site](https://example.com "t")',
    );
    assert.match(html, /<h1>Title<\/h1>/);
    assert.match(html, /<strong>bold<\/strong>/);
    assert.match(html, /<em>em<\/em>/);
    assert.match(html, /<li>a<\/li>/);
    assert.match(html, /<td>1<\/td>/);
    assert.match(html, /<a href="https:\/\/example.com" title="t" rel="nofollow noopener">site<\/a>/);
  });

  test('a rel written by the author is replaced, not kept', () => {
    assert.match(renderPostBody('<a href="/blog" rel="opener">x</a>'), /rel="nofollow noopener"/);
    assert.doesNotMatch(renderPostBody('<a href="/blog" rel="opener">x</a>'), /opener"[^>]*opener/);
  });

  const payloads = [
    '<script>alert(1)</script>',
    '<SCRIPT SRC=//evil.invalid/x.js></SCRIPT>',
    '<img src=x onerror=alert(1)>',
    '<img src="x" ONERROR="alert(1)">',
    '<svg onload=alert(1)>',
    '<svg><script>alert(1)</script></svg>',
    '[click](javascript:alert(1))',
    '[click](JaVaScRiPt:alert(1))',
    '[click](&#106;avascript:alert(1))',
    '[click](java&#x09;script:alert(1))',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;script:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    '![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="width: expression(alert(1))">x</p>',
    '<style>body{background:url("javascript:alert(1)")}</style>',
    '<object data="javascript:alert(1)"></object>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<body onload=alert(1)>',
    '<details open ontoggle=alert(1)>',
    '<img src=x onerror=alert(1)//',
    '<<script>script>alert(1)<</script>/script>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  ];
  for (const payload of payloads) {
    test(`neutralises ${payload}`, () => assertInert(renderPostBody(`Text before\n\n${payload}\n\nText after`), payload));
  }

  test('the text of a removed script or style never shows', () => {
    const html = renderPostBody('<script>var secret = 1</script><style>.x{}</style>Visible');
    assert.doesNotMatch(html, /secret|\.x\{/);
    assert.match(html, /Visible/);
  });

  test('an excerpt is plain text on one line, cut with an ellipsis', () => {
    assert.equal(postExcerpt('# Hi\n\n<b>x</b> &amp; y\n\n<script>z</script>'), 'Hi x & y');
    const long = postExcerpt('word '.repeat(100), 50);
    assert.equal(long.length, 50);
    assert.ok(long.endsWith('…'));
  });
});

describe('slugs', () => {
  test('Latin titles: lowercase words joined by single hyphens, accents dropped', () => {
    assert.equal(slugify('Hello, World!'), 'hello-world');
    assert.equal(slugify('  Crème brûlée — à la carte  '), 'creme-brulee-a-la-carte');
    assert.equal(slugify('C++ & Rust: 2026'), 'c-rust-2026');
  });

  test('Russian titles are transliterated, й and ё included', () => {
    assert.equal(slugify('Привет, мир'), 'privet-mir');
    assert.equal(slugify('Щука и ёжик: объявление'), 'shchuka-i-ezhik-obyavlenie');
    assert.equal(slugify('Мой первый пост'), 'moy-pervyy-post');
  });

  test('a title with nothing to keep gives "post"; a long one is cut on a clean edge', () => {
    assert.equal(slugify('🎉🎉'), 'post');
    assert.equal(slugify('---'), 'post');
    const long = slugify('abc '.repeat(60));
    assert.ok(long.length <= SLUG_MAX);
    assert.match(long, /^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});

describe('cover checks by content', () => {
  test('magic numbers decide the type', () => {
    assert.equal(detectCoverType(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0])), 'image/jpeg');
    assert.equal(detectCoverType(Buffer.from('\x89PNG\r\n\x1a\n....', 'latin1')), 'image/png');
    assert.equal(detectCoverType(Buffer.from('GIF89a....')), 'image/gif');
    assert.equal(detectCoverType(Buffer.from('GIF87a....')), 'image/gif');
    assert.equal(detectCoverType(Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1')), 'image/webp');
    assert.equal(detectCoverType(Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt ', 'latin1')), null);
    assert.equal(detectCoverType(Buffer.from('<?php echo 1; ?>')), null);
  });

  test('SVG, HTML, empty and oversized covers are refused with a reason', () => {
    const reason = (bytes: Buffer | null) => {
      try {
        checkCover(bytes ? { bytes } : { tooLarge: true });
        return 'accepted';
      } catch (error) {
        return (error as { fields: Record<string, string> }).fields.cover ?? 'no message on the cover field';
      }
    };
    assert.match(reason(Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>')), /SVG/);
    assert.match(reason(Buffer.from('<html><script>alert(1)</script></html>')), /JPEG, PNG, WebP or GIF/);
    assert.match(reason(Buffer.alloc(0)), /empty/);
    assert.match(reason(null), /at most 5 MB/);
  });
});

test('XML escaping leaves nothing that could end a text or an attribute, and drops characters XML cannot hold', () => {
  assert.equal(escapeXml(`<a href="x">&'</a>`), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
  assert.equal(escapeXml('a\u0000b\u0007c\td'), 'abc\td');
});
