import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { ensureAdmin, signedIn } from '../../../test/support/accounts.ts';
import type { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { insertMailingWithAttempts } from '../../../test/support/attempt-fixtures.ts';
import { users } from '../../db/schema.ts';
import { FixedClock } from '../../lib/clock.ts';

// Today at noon UTC: the figures are counted against this clock, the attempts sit at fixed times before it.
const today = new Date().toISOString().slice(0, 10);
const NOW = new Date(`${today}T12:00:00Z`);
const DAY = 86_400_000;
/** `days` days before NOW's day, at `hour` UTC. */
const at = (days: number, hour = 10) => new Date(Date.parse(`${today}T00:00:00Z`) - days * DAY + hour * 3_600_000);
const dayOf = (days: number) => at(days).toISOString().slice(0, 10);

let t: TestApp;
before(async () => {
  t = await createTestApp({ devMailbox: true, clock: new FixedClock(NOW) });
  await ensureAdmin(t);
});
after(() => t.close());

/** The text of the element with this id on a page (tags stripped). */
function textOf(html: string, id: string): string | undefined {
  const match = new RegExp(`id="${id}"[^>]*>([\\s\\S]*?)</`).exec(html);
  return match?.[1]?.replace(/<[^>]+>/g, '').trim();
}

/** The rows of a table by id, each as its cells' text. */
function tableRows(html: string, id: string): string[][] {
  const table = new RegExp(`<table id="${id}"[\\s\\S]*?</table>`).exec(html)?.[0] ?? '';
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(table)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...(row[1] ?? '').matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) =>
      (cell[1] ?? '').replace(/<[^>]+>/g, '').trim(),
    ),
  );
}

/**
 * A user whose mailing had: one delivery sent at once, one sent on its third attempt (two 4xx
 * first), one failed after three attempts, and one refused at once with a 5xx: 2 successful
 * attempts, 6 failed, 2 messages sent.
 */
async function userWithRetries(options: { role?: 'user' | 'manager'; name?: string } = {}) {
  const { user, agent } = await signedIn(t, options);
  const { mailingId, runId } = await insertMailingWithAttempts(t.c, user.id, {
    name: options.name ?? 'Retried newsletter',
    deliveries: [
      { email: 'first@example.com', state: 'sent', attempts: [{ at: at(3), success: true }] },
      {
        email: 'third@example.com',
        state: 'sent',
        attempts: [
          { at: at(3, 11), success: false },
          { at: at(2), success: false },
          { at: at(1), success: true },
        ],
      },
      {
        email: 'never@example.com',
        state: 'failed',
        attempts: [
          { at: at(3, 11), success: false },
          { at: at(2), success: false },
          { at: at(1), success: false },
        ],
      },
      { email: 'bounced@example.com', state: 'failed', attempts: [{ at: at(3), success: false, code: 550 }] },
    ],
  });
  return { user, agent, mailingId, runId };
}

const figuresOn = (html: string, prefix: string) => ({
  successful: textOf(html, `${prefix}-successful`),
  failed: textOf(html, `${prefix}-failed`),
  sent: textOf(html, `${prefix}-sent`),
});

describe('a user’s own statistics', () => {
  test('successes, failures and retries: attempts count each try, messages sent count each recipient once', async () => {
    const { agent } = await userWithRetries();
    const page = await agent.get('/stats');
    assert.equal(page.statusCode, 200);
    assert.deepEqual(figuresOn(page.body, 'own'), { successful: '2', failed: '6', sent: '2' });
    assert.doesNotMatch(page.body, /id="all"/, 'a plain user sees no instance figures');
    assert.doesNotMatch(page.body, /id="user-figures"/, 'nor the table of users');

    const api = await agent.api('GET', '/api/v1/stats');
    assert.equal(api.statusCode, 200);
    const body = api.json();
    assert.deepEqual(body.totals, { successful: 2, failed: 6, sent: 2 });
    assert.equal(body.scope, 'own');

    const profile = await agent.get('/profile');
    assert.deepEqual(figuresOn(profile.body, 'profile'), { successful: '2', failed: '6', sent: '2' });
  });

  test('the daily series has 30 days ending today, zero where nothing happened, older attempts only in the totals', async () => {
    const { user, agent } = await signedIn(t);
    await insertMailingWithAttempts(t.c, user.id, {
      deliveries: [
        { email: 'a@example.com', state: 'sent', attempts: [{ at: at(0, 9), success: true }] },
        { email: 'b@example.com', state: 'sent', attempts: [{ at: at(5), success: true }] },
        { email: 'c@example.com', state: 'failed', attempts: [{ at: at(5, 11), success: false }] },
        { email: 'old@example.com', state: 'sent', attempts: [{ at: at(40), success: true }] },
      ],
    });
    const body = (await agent.api('GET', '/api/v1/stats')).json();
    assert.equal(body.daily.length, 30);
    assert.equal(body.daily[0].day, dayOf(29));
    assert.equal(body.daily[29].day, today);
    const byDay = new Map(body.daily.map((d: { day: string }) => [d.day, d]));
    assert.deepEqual(byDay.get(today), { day: today, successful: 1, failed: 0 });
    assert.deepEqual(byDay.get(dayOf(5)), { day: dayOf(5), successful: 1, failed: 1 });
    assert.deepEqual(byDay.get(dayOf(4)), { day: dayOf(4), successful: 0, failed: 0 });
    assert.equal(
      body.daily.reduce((n: number, d: { successful: number; failed: number }) => n + d.successful + d.failed, 0),
      3,
      'the attempt of 40 days ago is not in the series',
    );
    assert.deepEqual(body.totals, { successful: 3, failed: 1, sent: 3 });

    const rows = tableRows((await agent.get('/stats')).body, 'own-daily');
    assert.equal(rows.length, 30, 'the page lists every day, quiet ones too');
    assert.deepEqual(rows.at(-1), [today, '1', '0']);
    assert.deepEqual(rows.at(-6), [dayOf(5), '1', '1']);
    assert.deepEqual(rows.at(-5), [dayOf(4), '0', '0']);
  });

  test('days are the user’s own time zone: 20:00 UTC yesterday is today in Tokyo', async () => {
    const { user, agent } = await signedIn(t);
    await t.c.db.update(users).set({ timeZone: 'Asia/Tokyo' }).where(eq(users.id, user.id));
    await insertMailingWithAttempts(t.c, user.id, {
      deliveries: [{ email: 'late@example.com', state: 'sent', attempts: [{ at: at(1, 20), success: true }] }],
    });
    const body = (await agent.api('GET', '/api/v1/stats')).json();
    assert.equal(body.timeZone, 'Asia/Tokyo');
    assert.equal(body.daily.at(-1).day, today, 'noon UTC is evening in Tokyo: still the same day');
    assert.deepEqual(body.daily.at(-1), { day: today, successful: 1, failed: 0 });
  });

  test('in Russian: headings, columns, chart legends and figure labels that agree with their numbers', async () => {
    const { user, agent } = await userWithRetries({ name: 'Осенняя рассылка' });
    await t.c.db.update(users).set({ language: 'ru' }).where(eq(users.id, user.id));
    const page = await agent.get('/stats');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<html lang="ru"/);
    for (const text of ['<h1>Статистика</h1>', 'Ваши рассылки', 'Попытки по дням', 'Успешные попытки', 'Неудачные попытки']) {
      assert.ok(page.body.includes(text), text);
    }
    assert.match(page.body, /Последние 30 дней, часовой пояс UTC\./);
    assert.match(page.body, /Всего рассылок: 1\./);
    // 2 successful attempts, 6 failed, 2 messages sent: each label in the form its number needs.
    assert.match(page.body, /id="own-successful">2<\/p><p>успешные попытки</);
    assert.match(page.body, /id="own-failed">6<\/p><p>неудачных попыток</);
    assert.match(page.body, /id="own-sent">2<\/p><p>сообщения отправлено</);
    const spec = JSON.parse(
      (/id="own-daily-chart"[^>]*data-chart="([^"]*)"/.exec(page.body)?.[1] ?? '{}').replace(/&quot;/g, '"'),
    );
    assert.deepEqual(spec.series, { successful: 'Успешные попытки', failed: 'Неудачные попытки' }, 'the legend comes translated');
    for (const english of [
      'Attempts per day',
      'Your mailings',
      'Successful attempts',
      'successful attempts',
      'The last 30 days',
    ]) {
      assert.ok(!page.body.includes(english), english);
    }
    const api = (await agent.api('GET', '/api/v1/stats?scope=all')).json();
    assert.match(JSON.stringify(api), /Only managers and admins see everyone’s statistics\./, 'the API answers in English');
  });

  test('per mailing: each mailing with its own figures, the busiest first', async () => {
    const { user, agent } = await signedIn(t);
    await insertMailingWithAttempts(t.c, user.id, {
      name: 'Quiet one',
      deliveries: [{ email: 'q@example.com', state: 'sent', attempts: [{ at: at(2), success: true }] }],
    });
    await insertMailingWithAttempts(t.c, user.id, {
      name: 'Busy <one>',
      deliveries: [
        {
          email: 'b@example.com',
          state: 'sent',
          attempts: [
            { at: at(2), success: false },
            { at: at(1), success: true },
          ],
        },
        { email: 'c@example.com', state: 'failed', attempts: [{ at: at(1), success: false }] },
      ],
    });
    const page = await agent.get('/stats');
    assert.deepEqual(tableRows(page.body, 'own-mailings'), [
      ['Busy &lt;one>', '1', '2', '1'],
      ['Quiet one', '1', '0', '1'],
    ]);
    assert.doesNotMatch(page.body, /Busy <one>/, 'names are escaped, in the table and in the chart data');
    const body = (await agent.api('GET', '/api/v1/stats')).json();
    assert.deepEqual(
      body.mailings.map((m: { name: string; successful: number; failed: number; sent: number }) => [
        m.name,
        m.successful,
        m.failed,
        m.sent,
      ]),
      [
        ['Busy <one>', 1, 2, 1],
        ['Quiet one', 1, 0, 1],
      ],
    );
  });

  test('a user with nothing sent sees zeros and 30 quiet days, not an error', async () => {
    const { agent } = await signedIn(t);
    const page = await agent.get('/stats');
    assert.equal(page.statusCode, 200);
    assert.deepEqual(figuresOn(page.body, 'own'), { successful: '0', failed: '0', sent: '0' });
    assert.ok(tableRows(page.body, 'own-daily').every((row) => row[1] === '0' && row[2] === '0'));
    assert.match(page.body, /No mailings yet/);
  });
});

describe('nobody sees another user’s figures', () => {
  test('another user’s page, API and profile show only their own zeros; scope=all is refused to them', async () => {
    await userWithRetries({ name: 'Private figures' });
    const { agent: other } = await signedIn(t);
    const page = await other.get('/stats');
    assert.deepEqual(figuresOn(page.body, 'own'), { successful: '0', failed: '0', sent: '0' });
    assert.doesNotMatch(page.body, /Private figures/);
    assert.deepEqual((await other.api('GET', '/api/v1/stats')).json().totals, { successful: 0, failed: 0, sent: 0 });
    assert.deepEqual(figuresOn((await other.get('/profile')).body, 'profile'), { successful: '0', failed: '0', sent: '0' });

    const all = await other.api('GET', '/api/v1/stats?scope=all');
    assert.equal(all.statusCode, 403);
    assert.equal(all.json().code, 'FORBIDDEN');
    assert.equal((await other.api('GET', '/api/v1/stats/users')).statusCode, 403);
    // An unknown scope is read as "own", not as everyone's.
    assert.deepEqual((await other.api('GET', '/api/v1/stats?scope=everyone')).json().totals, {
      successful: 0,
      failed: 0,
      sent: 0,
    });
  });
});

describe('managers', () => {
  let manager: Agent;
  let alice: string;
  let bob: string;
  before(async () => {
    const a = await userWithRetries({ name: 'Alice’s letters' });
    alice = a.user.email;
    const b = await signedIn(t);
    bob = b.user.email;
    await insertMailingWithAttempts(t.c, b.user.id, {
      name: 'Bob’s letters',
      deliveries: Array.from({ length: 5 }, (_, i) => ({
        email: `bob${i}@example.com`,
        state: 'sent' as const,
        attempts: [{ at: at(1), success: true }],
      })),
    });
    manager = (await signedIn(t, { role: 'manager' })).agent;
  });

  test('see the whole instance and every user with their figures, beside their own', async () => {
    const page = await manager.get('/stats');
    assert.equal(page.statusCode, 200);
    assert.deepEqual(figuresOn(page.body, 'own'), { successful: '0', failed: '0', sent: '0' });
    const all = (await manager.api('GET', '/api/v1/stats?scope=all')).json();
    assert.equal(all.scope, 'all');
    assert.ok(all.totals.successful >= 7 && all.totals.sent >= 7, 'the instance totals include Alice’s and Bob’s');
    assert.equal(textOf(page.body, 'all-successful'), String(all.totals.successful));
    const rows = tableRows(page.body, 'user-figures');
    const row = (email: string) => rows.find((r) => r[0] === email);
    assert.deepEqual(row(alice)?.slice(3), ['2', '6', '2']);
    assert.deepEqual(row(bob)?.slice(3), ['5', '0', '5']);
  });

  test('sort the table of users by any column, both ways, through the column headers', async () => {
    const page = await manager.get('/stats?sort=successful&dir=asc');
    assert.match(page.body, /<a href="\/stats\?sort=successful&amp;dir=desc">Successful attempts ▲<\/a>/);
    const ascending = tableRows(page.body, 'user-figures').map((r) => Number(r[3]));
    assert.deepEqual(
      ascending,
      [...ascending].sort((x, y) => x - y),
    );
    const api = (await manager.api('GET', '/api/v1/stats/users?sort=failed&dir=desc&pageSize=200')).json();
    assert.equal(api.sort, 'failed');
    assert.equal(api.dir, 'desc');
    const failed = api.items.map((u: { failed: number }) => u.failed);
    assert.deepEqual(
      failed,
      [...failed].sort((x: number, y: number) => y - x),
    );
    const byEmail = (await manager.api('GET', '/api/v1/stats/users?sort=email&pageSize=200')).json();
    assert.equal(byEmail.dir, 'asc', 'text columns sort A to Z unless told otherwise');
    const emails = byEmail.items.map((u: { email: string }) => u.email);
    assert.deepEqual(emails, [...emails].sort());
  });

  test('an unknown sort key or direction is ignored: the default order, not an error', async () => {
    for (const query of [
      'sort=password_hash&dir=asc',
      'sort=email;DROP TABLE users&dir=desc',
      'sort=sent&dir=sideways',
      'sort[]=x&page=-3',
    ]) {
      const page = await manager.get(`/stats?${query}`);
      assert.equal(page.statusCode, 200, query);
      assert.ok(tableRows(page.body, 'user-figures').length > 0, query);
      const api = await manager.api('GET', `/api/v1/stats/users?${query}`);
      assert.equal(api.statusCode, 200, query);
    }
    const fallback = (await manager.api('GET', '/api/v1/stats/users?sort=password_hash')).json();
    assert.equal(fallback.sort, 'sent');
    assert.equal(fallback.dir, 'desc');
  });
});
