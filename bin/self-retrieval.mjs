#!/usr/bin/env node
// The `self-retrieval` command (package.json "bin"): runs the TypeScript CLI (src/cli/main.ts) through tsx's loader.
import { register } from 'tsx/esm/api';

// Output piped into a reader that stops early (`| head`) is not an error.
process.stdout.on('error', (/** @type {NodeJS.ErrnoException} */ error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
