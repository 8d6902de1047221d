import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { ensureAdmin, signedIn, uniqueEmail } from '../../../test/support/accounts.ts';
import type { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { auditLog, mailings, messages, recipients, runs, users } from '../../db/schema.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp({ devMailbox: true });
  await ensureAdmin(t);
});
after(() => t.close());

const idFrom = (location: unknown) => Number(/\/mailings\/(\d+)/.exec(String(location))?.[1]);

/** A user with one message and two recipients, ready to plan mailings. */
async function owner(role: 'user' | 'manager' | 'admin' = 'user') {
  const { user, agent } = await signedIn(t, { role });
  const [message] = await t.c.db.insert(messages).values({ ownerId: user.id, subject: 'Hello {{name}}', body: 'Hi' }).returning();
  const rows = await t.c.db
    .insert(recipients)
    .values([
      { ownerId: user.id, email: uniqueEmail('a') },
      { ownerId: user.id, email: uniqueEmail('b') },
    ])
    .returning();
  return { user, agent, messageId: message!.id, recipientIds: rows.map((r) => r.id) };
}

const form = (o: { messageId: number; recipientIds: number[] }, extra: Record<string, string | string[]> = {}) => ({
  name: 'Winter news',
  messageId: String(o.messageId),
  recipientIds: o.recipientIds.map(String),
  timeZone: 'Europe/Moscow',
  startsAt: '2030-12-01T09:00',
  endsAt: '2031-01-31T18:00',
  scheduleKind: 'weekly',
  weekdays: ['1', '4'],
  ...extra,
});

/** Posts a form with repeated fields, as a browser does. */
async function postForm(agent: Agent, url: string, values: Record<string, string | string[]>) {
  const pairs: [string, string][] = Object.entries(values).flatMap(([k, v]) =>
    Array.isArray(v) ? v.map((x): [string, string] => [k, x]) : [[k, v]],
  );
  const payload = new URLSearchParams([['_csrf', await agent.csrfToken()], ...pairs]).toString();
  const cookie = agent.cookieHeader();
  return t.app.inject({ method: 'POST', url, payload, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' } });
}

describe('mailings', () => {
  test('create through the form; the page shows status, schedule in the owner’s zone and recipients', async () => {
    const o = await owner();
    const created = await postForm(o.agent, '/mailings', form(o));
    assert.equal(created.statusCode, 303, created.body.slice(0, 300));
    const id = idFrom(created.headers.location);
    const [row] = await t.c.db.select().from(mailings).where(eq(mailings.id, id));
    assert.equal(row?.startsAt.toISOString(), '2030-12-01T06:00:00.000Z', 'wall-clock time read in the chosen zone');
    assert.deepEqual(row?.schedule, { kind: 'weekly', weekdays: [1, 4] });
    const page = await o.agent.get(`/mailings/${id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Created/);
    assert.match(page.body, /Every Monday and Thursday at 09:00 \(Europe\/Moscow\)/);
    assert.match(page.body, /<th scope="row">Recipients<\/th>\s*<td>2<\/td>/);
    const list = await o.agent.get('/mailings');
    assert.match(list.body, /Winter news/);
    assert.match(list.body, /Created \(1\)/);
  });

  test('bad input is shown next to each field and nothing is written', async () => {
    const o = await owner();
    const before = await t.c.db.$count(mailings, eq(mailings.ownerId, o.user.id));
    const cases: [Record<string, string | string[]>, string][] = [
      [{ name: '' }, 'name'],
      [{ name: 'a\r\nb' }, 'name'],
      [{ endsAt: '2030-11-01T09:00' }, 'endsAt'],
      [{ startsAt: 'tomorrow' }, 'startsAt'],
      [{ startsAt: '2030-13-45T99:99' }, 'startsAt'],
      [{ timeZone: 'Mars/Base' }, 'timeZone'],
      [{ scheduleKind: 'hourly' }, 'scheduleKind'],
      [{ scheduleKind: 'weekly', weekdays: [] }, 'weekdays'],
      [{ scheduleKind: 'weekly', weekdays: ['9'] }, 'weekdays'],
      [{ scheduleKind: 'monthly', dayOfMonth: '32' }, 'dayOfMonth'],
      [{ scheduleKind: 'cron', expression: '* * *' }, 'expression'],
      [{ scheduleKind: 'cron', expression: '0 0 30 2 *' }, 'expression'],
      [{ recipientIds: [] }, 'recipientIds'],
      [{ messageId: 'x' }, 'messageId'],
    ];
    for (const [override, field] of cases) {
      const response = await postForm(o.agent, '/mailings', form(o, override));
      assert.equal(response.statusCode, 422, `${JSON.stringify(override)} → ${response.statusCode}`);
      assert.match(response.body, new RegExp(`id="field-${field}-error"`), JSON.stringify(override));
    }
    assert.equal(await t.c.db.$count(mailings, eq(mailings.ownerId, o.user.id)), before);
  });

  test('another user’s message or recipients are refused, even by hand-crafted ids', async () => {
    const o = await owner();
    const stranger = await owner();
    const foreignMessage = await postForm(
      o.agent,
      '/mailings',
      form({ messageId: stranger.messageId, recipientIds: o.recipientIds }),
    );
    assert.equal(foreignMessage.statusCode, 422);
    assert.match(foreignMessage.body, /Choose one of your messages/);
    const foreignRecipient = await postForm(
      o.agent,
      '/mailings',
      form({ ...o, recipientIds: [o.recipientIds[0]!, stranger.recipientIds[0]!] }),
    );
    assert.equal(foreignRecipient.statusCode, 422);
    assert.match(foreignRecipient.body, /your own list/);
    const api = await o.agent.api('POST', '/api/v1/mailings', { ...form(o), recipientIds: [999999] });
    assert.equal(api.statusCode, 422);
    assert.equal(await t.c.db.$count(mailings, eq(mailings.ownerId, o.user.id)), 0);
  });

  test('“all my recipients” links every recipient the owner has', async () => {
    const o = await owner();
    const created = await postForm(o.agent, '/mailings', form(o, { recipientIds: [], allRecipients: 'on' }));
    assert.equal(created.statusCode, 303);
    assert.deepEqual(
      (await o.agent.api('GET', `/api/v1/mailings/${idFrom(created.headers.location)}`)).json().recipientIds,
      o.recipientIds,
    );
  });

  test('edit, duplicate, pause and resume; no editing once completed', async () => {
    const o = await owner();
    const id = idFrom((await postForm(o.agent, '/mailings', form(o))).headers.location);
    assert.equal((await o.agent.get(`/mailings/${id}/edit`)).statusCode, 200);
    const edited = await postForm(
      o.agent,
      `/mailings/${id}/edit`,
      form(o, { name: 'Renamed', scheduleKind: 'monthly', dayOfMonth: '31' }),
    );
    assert.equal(edited.statusCode, 303);
    assert.match(
      (await o.agent.get(`/mailings/${id}`)).body,
      /Monthly on day 31 \(or the month&#39;s last day\)|Monthly on day 31 \(or the month's last day\)/,
    );

    const copy = await o.agent.post(`/mailings/${id}/duplicate`);
    assert.equal(copy.statusCode, 303);
    assert.match((await o.agent.get(String(copy.headers.location))).body, /Copy of Renamed/);

    assert.equal((await o.agent.post(`/mailings/${id}/pause`)).statusCode, 303);
    assert.match((await o.agent.get(`/mailings/${id}`)).body, /Paused/);
    assert.equal((await o.agent.post(`/mailings/${id}/resume`)).statusCode, 303);
    assert.doesNotMatch((await o.agent.get(`/mailings/${id}`)).body, />Paused</);

    // A once mailing whose run has finished is Completed: it cannot be edited, only duplicated.
    const once = idFrom((await postForm(o.agent, '/mailings', form(o, { scheduleKind: 'once' }))).headers.location);
    await t.c.db.insert(runs).values({ mailingId: once, trigger: 'manual', state: 'finished', finishedAt: new Date() });
    assert.match((await o.agent.get(`/mailings/${once}`)).body, /Completed/);
    assert.equal((await o.agent.get(`/mailings/${once}/edit`)).statusCode, 409);
    const refused = await postForm(o.agent, `/mailings/${once}/edit`, form(o, { name: 'Too late' }));
    assert.equal(refused.statusCode, 409);
    assert.equal((await o.agent.api('PATCH', `/api/v1/mailings/${once}`, form(o))).json().code, 'MAILING_COMPLETED');
  });

  test('delete asks first; runs go with the mailing', async () => {
    const o = await owner();
    const id = idFrom((await postForm(o.agent, '/mailings', form(o))).headers.location);
    await t.c.db.insert(runs).values({ mailingId: id, trigger: 'manual', state: 'finished' });
    assert.match((await o.agent.get(`/mailings/${id}/delete`)).body, /cannot be undone/);
    assert.equal((await o.agent.post(`/mailings/${id}/delete`)).statusCode, 303);
    assert.equal(await t.c.db.$count(runs, eq(runs.mailingId, id)), 0);
    assert.equal((await o.agent.get(`/mailings/${id}`)).statusCode, 404);
  });

  test('status filter with totals per status', async () => {
    const o = await owner();
    const past = form(o, { startsAt: '2020-01-01T09:00', endsAt: '2020-02-01T09:00', name: 'Old one' });
    await postForm(o.agent, '/mailings', past);
    await postForm(o.agent, '/mailings', form(o, { name: 'Future one' }));
    const completed = await o.agent.get('/mailings?status=completed');
    assert.match(completed.body, /Old one/);
    assert.doesNotMatch(completed.body, /Future one/);
    assert.match(completed.body, /All \(2\)/);
    assert.match(completed.body, /Completed \(1\)/);
    assert.equal((await o.agent.get('/mailings?q=%00&status=bogus&page=-3')).statusCode, 200);
    const api = (await o.agent.api('GET', '/api/v1/mailings?status=created')).json();
    assert.deepEqual(api.totals, { created: 1, running: 0, completed: 1 });
    assert.equal(api.items.length, 1);
  });
});

describe('mailings: who sees and changes what', () => {
  test('another user gets 404 everywhere and nothing changes', async () => {
    const o = await owner();
    const other = await owner();
    const id = idFrom((await postForm(o.agent, '/mailings', form(o))).headers.location);
    for (const path of [`/mailings/${id}`, `/mailings/${id}/edit`, `/mailings/${id}/delete`]) {
      assert.equal((await other.agent.get(path)).statusCode, 404, path);
    }
    for (const action of ['pause', 'resume', 'duplicate', 'delete', 'edit']) {
      assert.equal((await other.agent.post(`/mailings/${id}/${action}`)).statusCode, 404, action);
    }
    assert.equal((await other.agent.post(`/mailings/${id}/disable`)).statusCode, 403, 'a plain user may not disable at all');
    assert.equal((await other.agent.api('GET', `/api/v1/mailings/${id}`)).statusCode, 404);
    assert.equal((await o.agent.get(`/mailings/${id}`)).statusCode, 200);
    assert.equal(await t.c.db.$count(mailings, eq(mailings.ownerId, o.user.id)), 1);
  });

  test('a manager reads everyone’s mailings, may disable with a reason (audited) but not edit: 403', async () => {
    const o = await owner();
    const manager = await owner('manager');
    const id = idFrom((await postForm(o.agent, '/mailings', form(o))).headers.location);
    const list = await manager.agent.get('/mailings');
    assert.ok(list.body.includes(o.user.email), 'lists show the owner');
    assert.equal((await manager.agent.get(`/mailings/${id}`)).statusCode, 200);
    assert.equal((await manager.agent.get(`/mailings/${id}/edit`)).statusCode, 403);
    assert.equal((await manager.agent.post(`/mailings/${id}/pause`)).statusCode, 403);
    assert.equal((await manager.agent.post(`/mailings/${id}/delete`)).statusCode, 403);

    assert.equal((await manager.agent.post(`/mailings/${id}/disable`, { reason: 'spam complaints' })).statusCode, 303);
    const ownerView = await o.agent.get(`/mailings/${id}`);
    assert.match(ownerView.body, /Disabled by a manager: spam complaints/);
    const [entry] = await t.c.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.targetId, String(id)));
    assert.deepEqual([entry?.action, entry?.reason, entry?.actorId], ['mailing.disabled', 'spam complaints', manager.user.id]);
    assert.equal((await o.agent.post(`/mailings/${id}/enable`)).statusCode, 403, 'the owner cannot lift a manager’s stop');
    const copy = await o.agent.post(`/mailings/${id}/duplicate`);
    assert.match(
      (await o.agent.get(String(copy.headers.location))).body,
      /Disabled by a manager: spam complaints/,
      'a copy keeps the stop',
    );
    assert.equal((await manager.agent.post(`/mailings/${id}/enable`)).statusCode, 303);
    assert.doesNotMatch((await o.agent.get(`/mailings/${id}`)).body, /Disabled by a manager/);
  });

  test('hostile reasons are refused or escaped', async () => {
    const o = await owner();
    const manager = await owner('manager');
    const id = idFrom((await postForm(o.agent, '/mailings', form(o))).headers.location);
    assert.equal((await manager.agent.post(`/mailings/${id}/disable`, { reason: 'a\r\nb' })).statusCode, 422);
    assert.equal((await manager.agent.post(`/mailings/${id}/disable`, { reason: 'x'.repeat(501) })).statusCode, 422);
    assert.equal((await manager.agent.post(`/mailings/${id}/disable`, { reason: '<script>alert(1)</script>' })).statusCode, 303);
    assert.doesNotMatch((await o.agent.get(`/mailings/${id}`)).body, /<script>alert/);
  });
});

describe('home page figures', () => {
  test('own figures when logged in, everyone’s for managers and anonymous visitors, right after a change', async () => {
    const o = await owner();
    const own = async () => (await o.agent.get('/')).body;
    assert.match(await own(), /id="figure-mailings">0</);
    assert.match(await own(), /id="figure-recipients">2</);
    await postForm(o.agent, '/mailings', form(o));
    assert.match(await own(), /id="figure-mailings">1</, 'the change shows on the next request');
    const total = await t.c.db.$count(mailings);
    const anonymous = await t.app.inject({ method: 'GET', url: '/' });
    assert.match(anonymous.body, new RegExp(`id="figure-mailings">${total}<`));
    const manager = await owner('manager');
    assert.match((await manager.agent.get('/')).body, new RegExp(`id="figure-mailings">${total}<`));
  });
});

describe('mailings in Russian', () => {
  /** An owner whose profile language is Russian. */
  async function russianOwner() {
    const o = await owner();
    await t.c.db.update(users).set({ language: 'ru' }).where(eq(users.id, o.user.id));
    await o.agent.get('/mailings'); // shows the login's flash message, once
    return o;
  }

  test('statuses, schedule, the page, the form and its flash read in Russian', async () => {
    const o = await russianOwner();
    const created = await postForm(o.agent, '/mailings', form(o));
    assert.equal(created.statusCode, 303);
    const id = idFrom(created.headers.location);
    // postForm bypasses the agent's cookie jar: hand the flash cookie over as a browser would.
    const flash = [created.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('herald_flash='));
    const page = await o.agent.get(`/mailings/${id}`, { cookie: `${o.agent.cookieHeader()}; ${flash?.split(';')[0]}` });
    assert.match(page.body, /Рассылка «Winter news» создана\./);
    assert.match(page.body, /<mark class="badge status-created">Создана<\/mark>/);
    assert.match(page.body, /Еженедельно: понедельник и четверг, в 09:00 \(Europe\/Moscow\)/);
    assert.match(page.body, />Отправить сейчас</);
    assert.match(page.body, /Запусков пока нет\./);
    assert.doesNotMatch(page.body, /Send now|Created|Every Monday|No runs yet|Schedule/);

    const past = form(o, { name: 'Old one', startsAt: '2020-01-01T09:00', endsAt: '2020-02-01T09:00' });
    await postForm(o.agent, '/mailings', past);
    const running = idFrom((await postForm(o.agent, '/mailings', form(o, { name: 'Busy one' }))).headers.location);
    await t.c.db
      .update(mailings)
      .set({ startsAt: new Date(Date.now() - 86_400_000) })
      .where(eq(mailings.id, running));
    await t.c.db.insert(runs).values({ mailingId: running, trigger: 'manual', state: 'finished', finishedAt: new Date() });
    const list = await o.agent.get('/mailings');
    assert.match(list.body, /Все \(3\)/);
    assert.match(list.body, /Создана \(1\)/);
    assert.match(list.body, /Запущена \(1\)/);
    assert.match(list.body, /Завершена \(1\)/);
    assert.doesNotMatch(list.body, /Running|Completed|New mailing/);
    const busy = await o.agent.get(`/mailings/${running}`);
    assert.match(busy.body, /<td>Отправить сейчас<\/td>\s*<td>Завершён<\/td>/);

    const edit = await o.agent.get(`/mailings/${id}/edit`);
    assert.match(edit.body, /<h1>Изменение рассылки<\/h1>/);
    assert.match(edit.body, /> Понедельник</);
    assert.match(edit.body, /<option value="cron"[^>]*>Cron-выражение<\/option>/);
    assert.doesNotMatch(edit.body, /Monday|Time zone|Every day/);
  });

  test('field errors and refusals are in Russian on pages, in English in the API', async () => {
    const o = await russianOwner();
    const bad = await postForm(
      o.agent,
      '/mailings',
      form(o, { endsAt: '2030-11-01T09:00', scheduleKind: 'cron', expression: '61 9 * * *' }),
    );
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /id="field-endsAt-error"[^>]*>Окончание должно быть позже начала\.</);
    assert.match(bad.body, /Это неверное cron-выражение \(/);
    const api = await o.agent.api('POST', '/api/v1/mailings', form(o, { endsAt: '2030-11-01T09:00' }));
    assert.equal(api.statusCode, 422);
    assert.equal(api.json().errors.endsAt, 'The end must be after the start.');

    const past = form(o, { name: 'Old one', startsAt: '2020-01-01T09:00', endsAt: '2020-02-01T09:00' });
    const id = idFrom((await postForm(o.agent, '/mailings', past)).headers.location);
    const refused = await o.agent.get(`/mailings/${id}/edit`);
    assert.equal(refused.statusCode, 409);
    assert.match(refused.body, /Завершённую рассылку нельзя изменить; вместо этого создайте её копию\./);
  });
});
