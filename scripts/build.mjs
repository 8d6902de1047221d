#!/usr/bin/env node
// `npm run build`, also run by `npm ci`/`npm install` (the `prepare` script): compiles src/ to
// dist/ so Herald's processes start without the TypeScript loader, which costs about 100 MB of
// memory per process (see docs/adr/0002-compiled-processes.md). Without TypeScript (an install
// that omitted dev dependencies) it says so and leaves Herald on the loader: nothing breaks.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
const dist = path.join(root, 'dist');

if (!existsSync(tsc)) {
  process.stdout.write('herald build: TypeScript is not installed; Herald will run its sources through tsx.\n');
  process.exit(0);
}
rmSync(dist, { recursive: true, force: true });
// Types are checked by `npm test`; the build only strips them.
const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--noCheck'], {
  stdio: 'inherit',
});
if (result.status !== 0) {
  rmSync(dist, { recursive: true, force: true });
  process.stderr.write('herald build: compiling failed; Herald will run its sources through tsx.\n');
  process.exit(result.status ?? 1);
}
// bin/herald.js uses dist/ only while this stamp is newer than every source file.
writeFileSync(path.join(dist, '.built'), `${new Date().toISOString()}\n`);
