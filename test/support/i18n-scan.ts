import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * Reads Herald's sources the way a translator would: which texts are looked up in the
 * catalogues (the keys), and which visible texts are not (the findings).
 */
export interface Scan {
  keys: Map<string, string>; // key → first place it is used
  findings: string[]; // "file:line: why"
}

const root = path.resolve(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (relative !== path.join('src', 'i18n', 'catalogues')) files.push(...sourceFiles(relative));
    } else if (/\.tsx?$/.test(entry.name) && !/\.(test|fixtures)\.tsx?$/.test(entry.name)) {
      files.push(relative);
    }
  }
  return files;
}

/** Words that read the same in both languages: names, abbreviations, formats (also the browser walk's allow-list). */
export const sameInEveryLanguage: ReadonlySet<string> = new Set([
  'Cron',
  'cron',
  'Mustache',
  'Herald',
  'English',
  'API',
  'CSV',
  'UTC',
  'SMTP',
  'DKIM',
  'ID',
  'Markdown',
  'Atom',
  'OpenAPI',
  'JSON',
  'HTML',
  'E-mail',
]);

const hasWords = (text: string) => /[A-Za-z]{2,}/.test(text);
const looksTechnical = (text: string) =>
  /^\s*[\w.+-]+@[\w.-]+\s*$/.test(text) || // an address
  /^\s*(https?:\/\/|\/)\S*\s*$/.test(text) || // a URL or path
  /^\s*\{\{\s*\w+\s*\}\}\s*$/.test(text) || // a template placeholder
  /^[\s\p{P}\p{S}\d]*$/u.test(text);

function isExempt(text: string): boolean {
  const trimmed = text.trim();
  return !hasWords(trimmed) || looksTechnical(trimmed) || sameInEveryLanguage.has(trimmed);
}

/** Attributes a reader sees or hears (screen readers read labels, titles and alternatives). */
const visibleAttributes = new Set([
  'title',
  'placeholder',
  'aria-label',
  'alt',
  'label',
  'hint',
  'legend',
  'caption',
  'submit',
  'confirm',
  'data-confirm',
  'summary',
  'emptyText',
  'empty',
]);

const loggerMethods = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'log']);

/** `logger.info(…)` writes for operators, in English; `console.log(…)` and `console.error(…)` talk to a CLI user. */
function isLogCall(call: ts.CallExpression): boolean {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee) || !loggerMethods.has(callee.name.text)) return false;
  return !(ts.isIdentifier(callee.expression) && callee.expression.text === 'console');
}

/** The text of a string or template argument, with `${…}` shown as {{…}}. */
function textOf(node: ts.Node): string | null {
  const plain = stringOf(node);
  if (plain !== null) return plain;
  if (!ts.isTemplateExpression(node)) return null;
  return node.head.text + node.templateSpans.map((span) => `{{…}}${span.literal.text}`).join('');
}

function calleeName(call: ts.CallExpression | ts.NewExpression): string {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return '';
}

function stringOf(node: ts.Node): string | null {
  return ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) ? node.text : null;
}

/** A sentence meant for a person: words, and ends like a sentence. */
const isSentence = (text: string) => /[A-Za-z]{2,}.*\s.*[A-Za-z]/.test(text) && /[.!?:]$/.test(text.trim());

export function scanSources(): Scan {
  const keys = new Map<string, string>();
  const findings: string[] = [];
  for (const file of sourceFiles('src')) {
    const text = readFileSync(path.join(root, file), 'utf8');
    const source = ts.createSourceFile(
      file,
      text,
      ts.ScriptTarget.Latest,
      true,
      file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
    );
    const where = (node: ts.Node) => `${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    const addKey = (node: ts.Node) => {
      const key = stringOf(node);
      if (key !== null) {
        if (!keys.has(key)) keys.set(key, where(node));
      } else if (ts.isTemplateExpression(node)) {
        findings.push(`${where(node)}: a key built with \${…}; put the values in {{params}}`);
      }
    };
    const translated = new Set<ts.Node>();

    const visit = (node: ts.Node) => {
      if (ts.isCallExpression(node)) {
        const name = calleeName(node);
        const [first] = node.arguments;
        if ((name === 't' || name === 'msg') && first) {
          addKey(first);
          translated.add(first);
        } else if (!isLogCall(node)) {
          for (const argument of node.arguments) {
            const value = textOf(argument);
            if (value !== null && isSentence(value) && !translated.has(argument)) {
              findings.push(`${where(argument)}: "${value}" is shown without translation; use msg() or t()`);
            }
          }
        }
      }
      if (ts.isNewExpression(node) && calleeName(node) === 'AppError') {
        const message = node.arguments?.[1];
        if (message) {
          addKey(message);
          translated.add(message);
        }
      }
      if (ts.isJsxText(node) && !isExempt(node.text)) {
        findings.push(`${where(node)}: text "${node.text.trim()}" in a page; use t()`);
      }
      if (ts.isJsxAttribute(node) && node.initializer) {
        const name = node.name.getText(source);
        const literal = ts.isStringLiteral(node.initializer)
          ? node.initializer
          : ts.isJsxExpression(node.initializer) && node.initializer.expression
            ? node.initializer.expression
            : null;
        const value = literal ? stringOf(literal) : null;
        if (visibleAttributes.has(name) && value !== null && !isExempt(value)) {
          findings.push(`${where(node)}: ${name}="${value}" in a page; use t()`);
        }
      }
      if (ts.isJsxExpression(node) && node.expression && ts.isJsxElement(node.parent)) {
        for (const literal of literalsShown(node.expression)) {
          const value = stringOf(literal);
          if (value !== null && !isExempt(value)) findings.push(`${where(literal)}: text "${value}" in a page; use t()`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { keys, findings };
}

/** The string literals an expression inside JSX may show as they are: `{'a'}`, `{x ? 'a' : 'b'}`, `{x ?? 'a'}`. */
function literalsShown(expression: ts.Expression): ts.Node[] {
  if (stringOf(expression) !== null) return [expression];
  if (ts.isParenthesizedExpression(expression)) return literalsShown(expression.expression);
  if (ts.isConditionalExpression(expression)) {
    return [...literalsShown(expression.whenTrue), ...literalsShown(expression.whenFalse)];
  }
  if (ts.isBinaryExpression(expression)) {
    const kind = expression.operatorToken.kind;
    if (kind === ts.SyntaxKind.QuestionQuestionToken || kind === ts.SyntaxKind.BarBarToken) {
      return literalsShown(expression.right);
    }
    if (kind === ts.SyntaxKind.AmpersandAmpersandToken) return literalsShown(expression.right);
  }
  return [];
}
