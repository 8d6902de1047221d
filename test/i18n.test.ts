import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { areas, catalogues } from '../src/i18n/catalogues/index.ts';
import { formats, fromAcceptLanguage, languageOfEnvironment, msg, pickLanguage, translator } from '../src/i18n/i18n.ts';
import { scanSources } from './support/i18n-scan.ts';

const russianForms = ['one', 'few', 'many', 'other'];
const englishForms = ['one', 'other'];
const pluralBase = (key: string) => key.replace(/_(zero|one|two|few|many|other)$/, '');
const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

describe('message catalogues', () => {
  const scan = scanSources();

  it('leave no visible text of a page, flash or error outside the catalogues', () => {
    assert.deepEqual(scan.findings, [], `${scan.findings.length} untranslated texts:\n${scan.findings.join('\n')}`);
  });

  it('hold every key the code uses, in Russian, with every plural form', () => {
    const missing: string[] = [];
    for (const [key, where] of scan.keys) {
      if (key in catalogues.ru) continue;
      const forms = russianForms.filter((form) => `${key}_${form}` in catalogues.ru);
      if (forms.length === 0) missing.push(`${where}: "${key}" has no Russian text`);
      else if (forms.length < russianForms.length) missing.push(`${where}: "${key}" lacks Russian plural forms`);
      else if (!englishForms.every((form) => `${key}_${form}` in catalogues.en)) {
        missing.push(`${where}: "${key}" lacks English plural forms (_one, _other)`);
      }
    }
    assert.deepEqual(missing, [], `${missing.length} missing:\n${missing.join('\n')}`);
  });

  it('hold no text the code no longer uses', () => {
    const used = new Set(scan.keys.keys());
    const stale = [...Object.keys(catalogues.ru), ...Object.keys(catalogues.en)]
      .filter((key) => !used.has(key) && !used.has(pluralBase(key)))
      .map((key) => `"${key}"`);
    assert.deepEqual(stale, []);
  });

  it('keep the placeholders of every key in its translation', () => {
    const broken = Object.entries(catalogues.ru)
      .filter(([key, text]) => {
        const expected = placeholders(pluralBase(key)).filter((name) => name !== 'count');
        const actual = placeholders(text).filter((name) => name !== 'count');
        return expected.join() !== actual.join() && !(expected.length === 0 && actual.length === 0);
      })
      .map(([key, text]) => `"${key}" → "${text}"`);
    assert.deepEqual(broken, []);
  });

  it('give one Russian text per key across areas', () => {
    const seen = new Map<string, [string, string]>();
    const conflicts: string[] = [];
    for (const [area, catalogue] of Object.entries(areas)) {
      for (const [key, text] of Object.entries(catalogue.ru)) {
        const before = seen.get(key);
        if (before && before[1] !== text) conflicts.push(`"${key}": ${before[0]} "${before[1]}", ${area} "${text}"`);
        else seen.set(key, [area, text]);
      }
    }
    assert.deepEqual(conflicts, []);
  });
});

describe('translation', () => {
  it('chooses Russian plural forms by the number', () => {
    const t = translator('ru');
    const key = '{{count}} recipients';
    if (!(`${key}_few` in catalogues.ru)) return; // the recipients area defines it
    assert.equal(t(key, { count: 1 }), '1 получатель');
    assert.equal(t(key, { count: 2 }), '2 получателя');
    assert.equal(t(key, { count: 5 }), '5 получателей');
    assert.equal(t(key, { count: 21 }), '21 получатель');
    assert.equal(t(key, { count: 1 }).includes('recipient'), false);
  });

  it('shows a text missing from a catalogue in English, with its values', () => {
    assert.equal(translator('ru')('No such text {{x}} here', { x: '<b>' }), 'No such text <b> here');
  });

  it('carries a message and its values to the reader, who reads it in their language', () => {
    const message = msg('Mailing "{{name}}" was created.', { name: 'Осень' });
    assert.equal(translator('en')(message), 'Mailing "Осень" was created.');
    assert.equal(msg('Saved.'), 'Saved.');
  });

  it('picks the profile, then the chosen language, then Accept-Language, then English', () => {
    assert.equal(pickLanguage({ profile: 'ru', chosen: 'en', acceptLanguage: 'en' }), 'ru');
    assert.equal(pickLanguage({ profile: null, chosen: 'ru', acceptLanguage: 'en' }), 'ru');
    assert.equal(pickLanguage({ chosen: 'xx', acceptLanguage: 'de-DE,ru;q=0.5,en;q=0.4' }), 'ru');
    assert.equal(pickLanguage({ acceptLanguage: 'de, fr' }), 'en');
    assert.equal(pickLanguage({}), 'en');
    assert.equal(fromAcceptLanguage('ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7'), 'ru');
    assert.equal(fromAcceptLanguage('en;q=0.9, ru;q=0'), 'en');
    assert.equal(fromAcceptLanguage('x'.repeat(1000)), null);
  });

  it('takes the CLI language from HERALD_LANGUAGE or the shell locale', () => {
    assert.equal(languageOfEnvironment({ LANG: 'ru_RU.UTF-8' }), 'ru');
    assert.equal(languageOfEnvironment({ HERALD_LANGUAGE: 'ru', LANG: 'en_US.UTF-8' }), 'ru');
    assert.equal(languageOfEnvironment({ LC_ALL: 'C.UTF-8', LANG: 'ru_RU.UTF-8' }), 'en');
    assert.equal(languageOfEnvironment({}), 'en');
  });

  it('formats dates in the reader time zone and numbers per language', () => {
    const moment = new Date('2026-03-01T22:30:00Z');
    assert.match(formats('ru', 'Europe/Moscow').dateTime(moment), /2 мар\. 2026 г\., 01:30/);
    assert.match(formats('en', 'UTC').dateTime(moment), /Mar 1, 2026, 10:30\sPM/);
    assert.equal(formats('ru').number(1234567), '1\u00a0234\u00a0567');
    assert.equal(formats('en').number(1234567), '1,234,567');
  });
});
