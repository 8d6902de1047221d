#!/usr/bin/env node
// Entry point of the `herald` command. It runs the compiled dist/ when `npm run build` (run by
// `npm ci`) made it after the last change to src/; otherwise the TypeScript sources through tsx,
// so an edited checkout never runs stale code. HERALD_SOURCES=1 forces the sources.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The newest modification time of the sources the build compiles (tests excluded). */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = `${dir}/${entry.name}`;
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(file));
    else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return newest;
}

function builtIsFresh() {
  if (process.env.HERALD_SOURCES === '1') return false;
  try {
    return statSync(`${root}dist/.built`).mtimeMs >= newestSource(`${root}src`);
  } catch {
    return false;
  }
}

let main;
if (builtIsFresh()) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  // The project's tsconfig is named explicitly so JSX compiles the same from any working directory.
  register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
  ({ main } = await import('../src/cli/main.ts'));
}
await main(process.argv.slice(2));
