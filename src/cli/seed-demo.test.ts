import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUser } from '../../test/support/accounts.ts';
import { createTestApp, type TestApp } from '../../test/support/app.ts';
import type { Container } from '../container.ts';
import { toLocal } from '../features/mailings/zoned-time.ts';
import { translator } from '../i18n/i18n.ts';
import { DEMO_PASSWORD, demoAdmin, demoManager, demoOwners, seedDemo } from './seed-demo.ts';

/** What one demo owner has, read through the services as the owner sees it. */
async function holdings(c: Container, email: string) {
  const actor = await c.users.getActorByEmail(email);
  const [recipients, messages, mailings] = await Promise.all([
    c.recipients.listRecipients(actor, { pageSize: 200 }),
    c.messages.listMessages(actor, { pageSize: 200 }),
    c.mailings.listMailings(actor, { pageSize: 200 }),
  ]);
  return { actor, recipients: recipients.total, messages: messages.items, mailings: mailings.page.items };
}

const logsIn = async (c: Container, email: string) =>
  (await c.auth.login({ email, password: DEMO_PASSWORD }, { ip: '127.0.0.1', userAgent: null })).user;

let t: TestApp;
before(async () => {
  t = await createTestApp({ devMailbox: true });
});
after(() => t.close());

describe('herald seed-demo', () => {
  test('creates confirmed accounts, and for each user recipients, two messages and three mailings', async () => {
    const result = await seedDemo(t.c, { force: false });
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, new RegExp(`password ${DEMO_PASSWORD}`));
    for (const account of [demoAdmin, demoManager, ...demoOwners]) {
      assert.match(result.output, new RegExp(account.email));
      assert.equal((await logsIn(t.c, account.email)).role, account.role, `${account.email} logs in with its role`);
    }

    for (const owner of demoOwners) {
      const found = await holdings(t.c, owner.email);
      assert.equal((await t.c.users.getProfile(found.actor)).timeZone, owner.timeZone);
      assert.equal(found.recipients, 25);
      assert.deepEqual(found.messages.map((m) => m.format).sort(), ['markdown', 'text']);
      const markdown = found.messages.find((m) => m.format === 'markdown');
      assert.match(markdown?.body ?? '', /\{\{name\}\}/);
      assert.match(markdown?.body ?? '', /\{\{unsubscribe_url\}\}/);

      assert.equal(found.mailings.length, 3);
      const byKind = new Map(found.mailings.map((m) => [m.schedule.kind, m]));
      assert.deepEqual(byKind.get('weekly')?.schedule, { kind: 'weekly', weekdays: [1, 4] });
      assert.deepEqual(byKind.get('monthly')?.schedule, { kind: 'monthly', dayOfMonth: 31 });
      const once = byKind.get('once');
      assert.ok(once && once.startsAt > t.c.clock.now(), 'the once mailing starts in the future');
      assert.equal(toLocal(once.startsAt, owner.timeZone).hour, 10, 'times are wall-clock times in the owner’s zone');
      for (const mailing of found.mailings) {
        assert.equal(mailing.status, 'created');
        assert.equal(mailing.timeZone, owner.timeZone);
        assert.ok(mailing.nextRunAt && mailing.nextRunAt > t.c.clock.now(), 'nothing is due yet');
      }
      assert.equal(byKind.get('weekly')?.recipientCount, 12);
      assert.equal(once.recipientCount, 25);
    }
  });

  test('a second run is refused; forced, it skips the accounts that exist and adds nothing', async () => {
    const refused = await seedDemo(t.c, { force: false });
    assert.equal(refused.code, 1);
    assert.equal(refused.output, 'Error: the database already has data; use --force to add demo data anyway.');

    const forced = await seedDemo(t.c, { force: true });
    assert.equal(forced.code, 0, forced.output);
    assert.match(forced.output, /^Nothing added\./);
    assert.match(forced.output, /ada@demo\.herald\.test: the account exists already/);
    for (const owner of demoOwners) {
      const found = await holdings(t.c, owner.email);
      assert.deepEqual([found.recipients, found.messages.length, found.mailings.length], [25, 2, 3]);
    }
  });

  test('forced with another admin, it recreates only the missing accounts and no second admin', async () => {
    const operator = await createUser(t.c, { role: 'admin' });
    const operatorActor = await t.c.users.getActorByEmail(operator.email);
    const [ada, grace] = demoOwners;
    for (const email of [demoAdmin.email, ada!.email]) {
      await t.c.oversight.deleteUser(operatorActor, (await t.c.users.getActorByEmail(email)).userId);
    }

    const forced = await seedDemo(t.c, { force: true });
    assert.equal(forced.code, 0, forced.output);
    assert.match(forced.output, /admin@demo\.herald\.test: an admin exists already/);
    assert.match(forced.output, /manager@demo\.herald\.test: the account exists already/);
    assert.match(forced.output, /ada@demo\.herald\.test \(Europe\/Moscow\): 25 recipients, 2 messages, 3 mailings/);
    await assert.rejects(t.c.users.getActorByEmail(demoAdmin.email), /No user has the e-mail/);
    assert.equal((await holdings(t.c, ada!.email)).recipients, 25);
    assert.equal((await holdings(t.c, grace!.email)).mailings.length, 3, 'the existing owner got nothing twice');
  });
});

describe('herald seed-demo in Russian (the operator’s language)', () => {
  const ru = translator('ru');

  test('the summary and the refusal are Russian; the demo content is data and stays as it is', async () => {
    const app = await createTestApp({ devMailbox: true });
    try {
      const result = await seedDemo(app.c, { force: false }, ru);
      assert.equal(result.code, 0, result.output);
      assert.match(
        result.output,
        new RegExp(`^Демонстрационные данные добавлены\\. Войдите на \\S+/login с паролем ${DEMO_PASSWORD}:`),
      );
      assert.match(result.output, /ada@demo\.herald\.test \(Europe\/Moscow\): 25 получателей, 2 сообщения, 3 рассылки/);
      assert.doesNotMatch(result.output, /added|recipients|messages|mailings/);

      const refused = await seedDemo(app.c, { force: false }, ru);
      assert.equal(refused.code, 1);
      assert.equal(
        refused.output,
        'Ошибка: в базе данных уже есть данные; чтобы всё равно добавить демонстрационные данные, используйте --force.',
      );

      const ada = await holdings(app.c, demoOwners[0]!.email);
      assert.ok(
        ada.mailings.some((m) => m.name === 'Weekly reminder'),
        'demo content is not translated',
      );
    } finally {
      await app.close();
    }
  });

  test('the owner’s figures take the Russian plural forms', () => {
    const figures = (count: number) => ru('{{count}} recipients, 2 messages, 3 mailings', { count });
    assert.equal(figures(1), '1 получатель, 2 сообщения, 3 рассылки');
    assert.equal(figures(2), '2 получателя, 2 сообщения, 3 рассылки');
    assert.equal(figures(5), '5 получателей, 2 сообщения, 3 рассылки');
    assert.equal(figures(21), '21 получатель, 2 сообщения, 3 рассылки');
  });
});
