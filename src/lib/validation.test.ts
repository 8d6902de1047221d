import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { english, translator } from '../i18n/i18n.ts';
import { emailAddress, newPassword, parseInput, singleLine, timeZone } from './validation.ts';

test('e-mail addresses are trimmed and lower-cased; header injection is refused', () => {
  assert.equal(parseInput(emailAddress, '  Ada@Example.COM '), 'ada@example.com');
  for (const bad of ['', 'plain', 'a@b', 'a@b.c\r\nBcc: x@y.z', 'a@b.c\n', `${'a'.repeat(250)}@b.cc`, 'a b@c.de']) {
    assert.throws(() => parseInput(emailAddress, bad), AppError, JSON.stringify(bad));
  }
});

test('single-line text refuses control characters and overlong values', () => {
  const name = singleLine(10, 'Name');
  assert.equal(parseInput(name, '  Ada  '), 'Ada');
  for (const bad of ['', '   ', 'a\rb', 'a\nb', 'a\u0000b', 'a\tb', 'x'.repeat(11)]) {
    assert.throws(() => parseInput(name, bad), AppError, JSON.stringify(bad));
  }
  assert.equal(parseInput(name, 'Лавлейс'), 'Лавлейс', 'non-ASCII is fine');
});

test('password rules: length, common passwords, variety', () => {
  assert.equal(parseInput(newPassword, 'correct horse battery'), 'correct horse battery');
  for (const bad of ['short', 'password123', 'aaaaaaaaaaaa', 'abababababab', 'x'.repeat(201)]) {
    assert.throws(() => parseInput(newPassword, bad), AppError, bad);
  }
});

test('time zones must be known IANA names', () => {
  assert.equal(parseInput(timeZone, 'Europe/Moscow'), 'Europe/Moscow');
  assert.equal(parseInput(timeZone, 'UTC'), 'UTC');
  assert.throws(() => parseInput(timeZone, 'Mars/Olympus'), AppError);
});

test('parseInput reports one message per field', () => {
  try {
    parseInput(emailAddress, 42);
    assert.fail('should throw');
  } catch (error) {
    assert.ok(error instanceof AppError);
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.ok(error.fields?._form);
  }
});

test('a missing field is reported as required; a value of the wrong type is not', () => {
  const schema = z.object({ count: z.number(), name: z.string() });
  const fieldsOf = (input: unknown) => {
    try {
      parseInput(schema, input);
    } catch (error) {
      return (error as AppError).fields ?? {};
    }
    assert.fail('the input was accepted');
  };
  assert.deepEqual(fieldsOf({ name: 'x' }), { count: 'This field is required.' });
  const wrong = fieldsOf({ count: 'abc', name: 'x' });
  assert.ok(wrong.count && wrong.count !== 'This field is required.', JSON.stringify(wrong));
});

test('zod’s own messages become catalogue keys, read in the reader’s language', () => {
  const schema = z.object({
    note: z.string().max(5),
    count: z.coerce.number().int().min(1),
    tags: z.array(z.string()).min(2),
    kind: z.enum(['a', 'b']),
    name: singleLine(100, 'Name'),
  });
  let fields: Record<string, string> = {};
  try {
    parseInput(schema, { note: 'far too long', count: 'many', tags: ['x'], kind: 'c', name: 'x'.repeat(101) });
  } catch (error) {
    fields = (error as AppError).fields ?? {};
  }
  const ru = translator('ru');
  const inRussian = Object.fromEntries(Object.entries(fields).map(([field, message]) => [field, ru(message)]));
  assert.deepEqual(inRussian, {
    note: 'Не длиннее 5 символов.',
    count: 'Введите число.',
    tags: 'Выберите не меньше 2 элементов.',
    kind: 'Выберите одно из предложенных значений.',
    name: 'Имя не может быть длиннее 100 символов.',
  });
  assert.equal(english(fields.note ?? ''), 'At most 5 characters.');
  assert.equal(ru(fields.note?.replace('5', '21') ?? ''), 'Не длиннее 21 символа.', 'plural forms follow the number');
  for (const message of Object.values(fields)) assert.doesNotMatch(english(message), /Invalid|expected|Too (big|small)/);
});

test('a message given in a schema wins over the catalogue’s general one', () => {
  try {
    parseInput(z.object({ subject: z.string().max(3, 'Subject must be short.') }), { subject: 'long' });
    assert.fail('the input was accepted');
  } catch (error) {
    assert.deepEqual((error as AppError).fields, { subject: 'Subject must be short.' });
  }
});
