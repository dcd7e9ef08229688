#!/usr/bin/env node
// The `self-retrieval` command (package.json "bin"): runs the TypeScript CLI (src/cli/main.ts) through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
