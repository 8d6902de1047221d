import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateToken, hashPassword, hashToken, verifyPassword } from './secrets.ts';

test('passwords: scrypt hash with salt and parameters; verifies only the right password', async () => {
  const hash = await hashPassword('correct horse battery');
  assert.match(hash, /^scrypt\$32768\$8\$1\$/);
  assert.notEqual(hash, await hashPassword('correct horse battery'), 'salted');
  assert.equal(await verifyPassword('correct horse battery', hash), true);
  assert.equal(await verifyPassword('correct horse batterY', hash), false);
  assert.equal(await verifyPassword('anything', 'not-a-hash'), false);
});

test('tokens are long, random and stored only as a hash', () => {
  const a = generateToken();
  assert.ok(a.length >= 43);
  assert.notEqual(a, generateToken());
  assert.match(hashToken(a), /^[0-9a-f]{64}$/);
  assert.notEqual(hashToken(a), a);
});
