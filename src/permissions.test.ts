import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Actor, can, type Permission, permissions, type Role } from './permissions.ts';

const actor = (role: Role): Actor => ({ userId: 1, role, email: 'a@example.com', fullName: 'A', via: 'session' });

test('nobody without an account holds any permission', () => {
  for (const permission of permissions) assert.equal(can(null, permission), false, permission);
});

test('SPEC §2: what each role may do', () => {
  const expectations: [Permission, boolean, boolean, boolean][] = [
    // permission, user, manager, admin
    ['recipients:write', true, true, true],
    ['recipients:read_all', false, true, true],
    ['recipients:write_all', false, false, true],
    ['mailings:read_all', false, true, true],
    ['mailings:write_all', false, false, true],
    ['mailings:disable', false, true, true],
    ['users:list', false, true, true],
    ['users:block', false, true, true],
    ['users:block_privileged', false, false, true],
    ['users:change_role', false, false, true],
    ['users:delete', false, false, true],
    ['posts:write', true, true, true],
    ['posts:publish', false, true, true],
    ['audit:read_all', false, false, true],
    ['settings:manage', false, false, true],
    ['mailbox:read', false, false, true],
  ];
  for (const [permission, user, manager, admin] of expectations) {
    assert.equal(can(actor('user'), permission), user, `user ${permission}`);
    assert.equal(can(actor('manager'), permission), manager, `manager ${permission}`);
    assert.equal(can(actor('admin'), permission), admin, `admin ${permission}`);
  }
});

test('a manager never holds a write_all permission: oversight is read-only', () => {
  for (const permission of permissions.filter((p) => p.endsWith(':write_all'))) {
    assert.equal(can(actor('manager'), permission), false, permission);
  }
});
