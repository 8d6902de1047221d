import type { Container } from '../container.ts';
import { isAppError } from '../errors.ts';
import type { Weekday } from '../features/mailings/schedule.ts';
import { dateOfDay, dayNumber, toLocal } from '../features/mailings/zoned-time.ts';
import { createUsersRepository } from '../features/users/users.repository.ts';
import { english, type Translate } from '../i18n/i18n.ts';
import type { Actor, Role } from '../permissions.ts';
import type { CommandResult } from './commands.ts';

/** One password for every demo account, printed in the summary: demo data is for looking around. */
export const DEMO_PASSWORD = 'herald-demo-password';

interface DemoAccount {
  email: string;
  fullName: string;
  role: Role;
}

interface DemoOwner extends DemoAccount {
  timeZone: string;
  /** "First Last" of the owner's recipients; addresses are made from them. */
  people: string[];
  domain: string;
  topic: string;
}

export const demoAdmin: DemoAccount = { email: 'admin@demo.herald.test', fullName: 'Demo Admin', role: 'admin' };
export const demoManager: DemoAccount = { email: 'manager@demo.herald.test', fullName: 'Mira Demo', role: 'manager' };

export const demoOwners: DemoOwner[] = [
  {
    email: 'ada@demo.herald.test',
    fullName: 'Ada Demo',
    role: 'user',
    timeZone: 'Europe/Moscow',
    domain: 'example.org',
    topic: 'reading circle',
    people: [
      'Irina Volkova',
      'Dmitri Sokolov',
      'Olga Petrova',
      'Sergei Morozov',
      'Natalia Orlova',
      'Pavel Kuznetsov',
      'Yelena Smirnova',
      'Andrei Lebedev',
      'Svetlana Novikova',
      'Mikhail Fedorov',
      'Tatiana Egorova',
      'Nikolai Pavlov',
      'Anna Kozlova',
      'Igor Stepanov',
      'Marina Nikolaeva',
      'Alexei Zaitsev',
      'Daria Belova',
      'Konstantin Gusev',
      'Vera Komarova',
      'Roman Vinogradov',
      'Ksenia Tarasova',
      'Boris Frolov',
      'Lidia Makarova',
      'Gleb Antonov',
      'Polina Sorokina',
    ],
  },
  {
    email: 'grace@demo.herald.test',
    fullName: 'Grace Demo',
    role: 'user',
    timeZone: 'America/New_York',
    domain: 'example.com',
    topic: 'community garden',
    people: [
      'Maya Thompson',
      'Ethan Brooks',
      'Sofia Ramirez',
      'Lucas Bennett',
      'Chloe Patel',
      'Owen Mitchell',
      'Isabel Cruz',
      'Caleb Foster',
      'Nora Sullivan',
      'Julian Hayes',
      'Hannah Kim',
      'Marcus Reed',
      'Leah Goldberg',
      'Adrian Flores',
      'Priya Raman',
      'Wesley Carter',
      'Tessa Morgan',
      'Diego Alvarez',
      'Ruby Coleman',
      'Felix Warren',
      'Amara Okoye',
      'Simon Walsh',
      'Lila Chen',
      'Theo Jensen',
      'Iris Donovan',
    ],
  },
];

const comments = ['Met at the spring fair.', 'Prefers short e-mails.', 'Volunteer since last year.', ''];

/** Local "YYYY-MM-DDTHH:mm" in `timeZone`, `days` after today's local date there. */
function localMoment(now: Date, timeZone: string, days: number, time: string): string {
  const { year, month, day } = dateOfDay(dayNumber(toLocal(now, timeZone)) + days);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${year}-${pad(month)}-${pad(day)}T${time}`;
}

/** True when the database holds any user; recipients, messages and mailings all have an owner, so then it holds nothing. */
async function hasData(c: Container): Promise<boolean> {
  const page = await createUsersRepository(c.db).list({ sort: 'createdAt', direction: 'asc', page: 1, pageSize: 1 });
  return page.total > 0;
}

async function findActor(c: Container, email: string): Promise<Actor | null> {
  try {
    return await c.users.getActorByEmail(email);
  } catch (error) {
    if (isAppError(error) && error.code === 'NOT_FOUND') return null;
    throw error;
  }
}

/**
 * Creates a confirmed account through the same service as `herald create-admin` (so the password
 * and address rules apply and the audit log says what happened), then gives it its demo role.
 */
async function createAccount(c: Container, account: DemoAccount): Promise<Actor> {
  await c.auth.createAdmin({
    email: account.email,
    fullName: account.fullName,
    password: DEMO_PASSWORD,
    passwordConfirm: DEMO_PASSWORD,
  });
  if (account.role !== 'admin') await c.users.changeRole(null, account.email, account.role, 'demo data (herald seed-demo)');
  return c.users.getActorByEmail(account.email);
}

/**
 * An owner's recipients, two messages and three mailings, all through the services. The demo
 * content itself is data, in English whatever the operator's language.
 */
async function fillOwner(c: Container, actor: Actor, owner: DemoOwner, t: Translate): Promise<string> {
  const recipientIds: number[] = [];
  for (const [index, person] of owner.people.entries()) {
    const address = `${person.toLowerCase().replace(/\s+/g, '.')}@${owner.domain}`;
    const recipient = await c.recipients.createRecipient(actor, {
      email: address,
      fullName: person,
      comment: comments[index % comments.length],
    });
    recipientIds.push(recipient.id);
  }

  const news = await c.messages.createMessage(actor, {
    subject: `{{name}}, news from the ${owner.topic}`,
    format: 'markdown',
    body: [
      'Hello {{name}},',
      '',
      `Here is what is new in the ${owner.topic} this month:`,
      '',
      '- **New dates** are on the calendar.',
      '- Three people joined us; say hello when you see them.',
      '- The next meeting is _open to guests_.',
      '',
      'See you soon!',
      '',
      `[Unsubscribe]({{unsubscribe_url}}) if you would rather not hear from the ${owner.topic}.`,
    ].join('\n'),
  });
  const reminder = await c.messages.createMessage(actor, {
    subject: `Reminder: ${owner.topic} this week`,
    format: 'text',
    body: [
      'Hi {{name}},',
      '',
      `A short reminder that the ${owner.topic} meets this week, same place, same time.`,
      '',
      'To stop these reminders, open {{unsubscribe_url}}',
    ].join('\n'),
  });

  const now = c.clock.now();
  const at = (days: number, time: string) => localMoment(now, owner.timeZone, days, time);
  const common = { timeZone: owner.timeZone, recipientIds };
  const weekdays: Weekday[] = [1, 4];
  await c.mailings.createMailing(actor, {
    ...common,
    name: 'Season opening announcement',
    messageId: news.id,
    startsAt: at(7, '10:00'),
    endsAt: at(37, '10:00'),
    schedule: { kind: 'once' },
  });
  await c.mailings.createMailing(actor, {
    ...common,
    name: 'Weekly reminder',
    messageId: reminder.id,
    recipientIds: recipientIds.slice(0, 12),
    startsAt: at(1, '09:00'),
    endsAt: at(183, '09:00'),
    schedule: { kind: 'weekly', weekdays },
  });
  await c.mailings.createMailing(actor, {
    ...common,
    name: 'Monthly newsletter',
    messageId: news.id,
    startsAt: at(1, '08:30'),
    endsAt: at(366, '08:30'),
    schedule: { kind: 'monthly', dayOfMonth: 31 },
  });
  return t('{{count}} recipients, 2 messages, 3 mailings', { count: recipientIds.length });
}

/**
 * `herald seed-demo`: demo accounts with recipients, messages and mailings, for looking around.
 * Refuses a database that has any data, unless forced; even forced, accounts that exist are
 * skipped (with everything they would have owned), so nothing is ever added twice.
 */
export async function seedDemo(c: Container, options: { force: boolean }, t: Translate = english): Promise<CommandResult> {
  if (!options.force && (await hasData(c))) {
    return { code: 1, output: t('Error: the database already has data; use --force to add demo data anyway.') };
  }
  const added: string[] = [];
  const skipped: string[] = [];
  const pad = (role: string) => role.padEnd(8);

  const exists = (email: string) => t('{{email}}: the account exists already', { email });
  if (await findActor(c, demoAdmin.email)) skipped.push(exists(demoAdmin.email));
  else if (!(await c.auth.isSetupNeeded())) skipped.push(t('{{email}}: an admin exists already', { email: demoAdmin.email }));
  else added.push(`${pad('admin')} ${(await createAccount(c, demoAdmin)).email}`);

  if (await findActor(c, demoManager.email)) skipped.push(exists(demoManager.email));
  else added.push(`${pad('manager')} ${(await createAccount(c, demoManager)).email}`);

  for (const owner of demoOwners) {
    if (await findActor(c, owner.email)) {
      skipped.push(exists(owner.email));
      continue;
    }
    const created = await createAccount(c, owner);
    await c.users.updateProfile(created, { fullName: owner.fullName, timeZone: owner.timeZone, language: 'en' });
    added.push(`${pad('user')} ${owner.email} (${owner.timeZone}): ${await fillOwner(c, created, owner, t)}`);
  }

  const lines =
    added.length > 0
      ? [
          t('Demo data added. Log in at {{url}} with the password {{password}}:', {
            url: `${c.config.baseUrl}/login`,
            password: DEMO_PASSWORD,
          }),
          ...added.map((l) => `  ${l}`),
        ]
      : [t('Nothing added.')];
  if (skipped.length > 0) lines.push(t('Skipped, so nothing is added twice:'), ...skipped.map((line) => `  ${line}`));
  return { code: 0, output: lines.join('\n') };
}
