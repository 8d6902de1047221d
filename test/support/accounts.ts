import { randomBytes } from 'node:crypto';
import type { Container } from '../../src/container.ts';
import type { UserRow } from '../../src/features/users/users.repository.ts';
import { createUsersRepository } from '../../src/features/users/users.repository.ts';
import { hashPassword } from '../../src/lib/secrets.ts';
import type { Role } from '../../src/permissions.ts';
import { Agent } from './agent.ts';
import type { TestApp } from './app.ts';

export const PASSWORD = 'a-long-test-password-42';

/** An address no other test uses, so tests never share users. */
export const uniqueEmail = (label = 'user') => `${label}-${randomBytes(5).toString('hex')}@example.com`;

/** A confirmed user inserted directly (for tests that are not about registration). */
export async function createUser(
  c: Container,
  options: { role?: Role; email?: string; fullName?: string } = {},
): Promise<UserRow> {
  const user = await createUsersRepository(c.db).insert({
    email: options.email ?? uniqueEmail(options.role ?? 'user'),
    fullName: options.fullName ?? 'Test Person',
    passwordHash: await hashPassword(PASSWORD),
    role: options.role ?? 'user',
    emailConfirmedAt: new Date(),
  });
  if (!user) throw new Error('could not create test user');
  return user;
}

/** An agent logged in through the real login form. */
export async function loginAgent(t: TestApp, email: string, password = PASSWORD, ip = '127.0.0.1'): Promise<Agent> {
  const agent = new Agent(t.app, ip);
  const response = await agent.post('/login', { email, password });
  if (response.statusCode !== 303) throw new Error(`login failed with ${response.statusCode}`);
  return agent;
}

/** A confirmed user of the given role, and an agent logged in as them. */
export async function signedIn(t: TestApp, options: { role?: Role } = {}) {
  const user = await createUser(t.c, options);
  return { user, agent: await loginAgent(t, user.email) };
}

/** Makes sure the setup redirect does not get in the way of tests that are not about setup. */
export async function ensureAdmin(t: TestApp): Promise<void> {
  if (await t.c.auth.isSetupNeeded()) await createUser(t.c, { role: 'admin' });
}
