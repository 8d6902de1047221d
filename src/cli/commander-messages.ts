import { msg, type Translate } from '../i18n/i18n.ts';

/**
 * commander writes its own English errors ("error: unknown command 'x'"); these patterns give the
 * ones Herald's commands can meet in the CLI's language. A message not listed stays in English.
 */
const patterns: [RegExp, string][] = [
  [/error: unknown command '(?<name>[^']*)'/, msg("error: unknown command '{{name}}'")],
  [/error: unknown option '(?<flag>[^']*)'/, msg("error: unknown option '{{flag}}'")],
  [/error: required option '(?<flags>[^']*)' not specified/, msg("error: required option '{{flags}}' not specified")],
  [/error: missing required argument '(?<name>[^']*)'/, msg("error: missing required argument '{{name}}'")],
  [/error: option '(?<flags>[^']*)' argument missing/, msg("error: option '{{flags}}' argument missing")],
  [
    /error: option '(?<flags>[^']*)' argument '(?<value>[^']*)' is invalid\./,
    msg("error: option '{{flags}}' argument '{{value}}' is invalid."),
  ],
  [
    /error: command-argument value '(?<value>[^']*)' is invalid for argument '(?<name>[^']*)'\./,
    msg("error: command-argument value '{{value}}' is invalid for argument '{{name}}'."),
  ],
  [
    /error: too many arguments(?: for '[^']*')?\. Expected (?<expected>\d+) arguments? but got (?<received>\d+): (?<given>.*)\./,
    msg('error: too many arguments: expected {{expected}}, got {{received}}: {{given}}.'),
  ],
  [/Allowed choices are (?<choices>.*)\./, msg('Allowed choices are {{choices}}.')],
  [/\(Did you mean one of (?<names>.*)\?\)/, msg('(Did you mean one of {{names}}?)')],
  [/\(Did you mean (?<name>[^ ]*)\?\)/, msg('(Did you mean {{name}}?)')],
];

/** commander's error text in the CLI's language, pattern by pattern. */
export function translateCommanderText(text: string, t: Translate): string {
  let translated = text;
  for (const [pattern, key] of patterns) {
    translated = translated.replace(pattern, (...match) => {
      const groups = match.at(-1) as Record<string, string>;
      return t(key, groups);
    });
  }
  return translated;
}
