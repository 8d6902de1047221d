import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dummyPasswordHash, generateToken, hashPassword, hashToken, verifyPassword } from './secrets.ts';

test('passwords: scrypt hash with salt and parameters; verifies only the right password', async () => {
  const hash = await hashPassword('correct horse battery');
  assert.match(hash, /^scrypt\$32768\$8\$1\$/);
  assert.notEqual(hash, await hashPassword('correct horse battery'), 'salted');
  assert.equal(await verifyPassword('correct horse battery', hash), true);
  assert.equal(await verifyPassword('correct horse batterY', hash), false);
  assert.equal(await verifyPassword('anything', 'not-a-hash'), false);
});

test('the stand-in hash for unknown users costs a real verification and matches nothing', async () => {
  const dummy = await dummyPasswordHash;
  const real = await hashPassword('correct horse battery');
  // Same scheme, parameters and field sizes as a real hash, so verifying it takes as long.
  assert.deepEqual(
    dummy.split('$').map((field, i) => (i < 4 ? field : Buffer.from(field, 'base64').length)),
    real.split('$').map((field, i) => (i < 4 ? field : Buffer.from(field, 'base64').length)),
  );
  assert.equal(await verifyPassword('', dummy), false);
});

test('tokens are long, random and stored only as a hash', () => {
  const a = generateToken();
  assert.ok(a.length >= 43);
  assert.notEqual(a, generateToken());
  assert.match(hashToken(a), /^[0-9a-f]{64}$/);
  assert.notEqual(hashToken(a), a);
});
