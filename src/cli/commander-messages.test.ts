import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { english, translator } from '../i18n/i18n.ts';
import { translateCommanderText } from './commander-messages.ts';

describe('commander’s errors in the CLI’s language', () => {
  const ru = translator('ru');

  test('the errors Herald’s commands meet are told in Russian', () => {
    assert.equal(
      translateCommanderText("error: unknown command 'frobnicate'\n", ru),
      'ошибка: неизвестная команда «frobnicate»\n',
    );
    assert.equal(
      translateCommanderText("error: unknown command 'sned'\n(Did you mean send?)\n", ru),
      'ошибка: неизвестная команда «sned»\n(Возможно, вы имели в виду send?)\n',
    );
    assert.equal(
      translateCommanderText("error: required option '--owner <email>' not specified\n", ru),
      'ошибка: не указан обязательный параметр «--owner <email>»\n',
    );
    assert.equal(
      translateCommanderText(
        "error: option '--status <status>' argument 'maybe' is invalid. Allowed choices are success, failure.\n",
        ru,
      ),
      'ошибка: недопустимое значение «maybe» параметра «--status <status>». Допустимые значения: success, failure.\n',
    );
    assert.equal(
      translateCommanderText("error: too many arguments for 'send'. Expected 1 argument but got 2: 1, 2.\n", ru),
      'ошибка: слишком много аргументов: ожидалось 1, получено 2: 1, 2.\n',
    );
  });

  test('a message it does not know stays as commander wrote it; English reads the same as before', () => {
    assert.equal(translateCommanderText('error: something new\n', ru), 'error: something new\n');
    const known = "error: option '--status <status>' argument 'maybe' is invalid. Allowed choices are success, failure.\n";
    assert.equal(translateCommanderText(known, english), known);
  });
});
