#!/usr/bin/env node
// Entry point of the `herald` command: TypeScript runs through tsx, no build step. The project's
// tsconfig is named explicitly so JSX compiles the same from any working directory.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { main } = await import('../src/cli/main.ts');
await main(process.argv.slice(2));
