#!/usr/bin/env node
// The `self-retrieval` command (package.json "bin"): runs the CLI built into dist/cli/main.js (`npm run build`, or
// `npm run build:cli` for the CLI alone) — plain JavaScript, no TypeScript loader at run time.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(built)) {
  // A checkout that was never built: say what to do in one line, not with a module-resolution stack trace.
  process.stderr.write('self-retrieval: the CLI is not built (dist/cli/main.js is missing); run `npm run build`\n');
  process.exit(1);
}
// Output piped into a reader that stops early (`| head`) is not an error.
process.stdout.on('error', (/** @type {NodeJS.ErrnoException} */ error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
/** @type {unknown} The built module has no declarations beside it. */
const cli = await import(built.href);
const { main } = /** @type {{ main: (argv: string[]) => Promise<number> }} */ (cli);
process.exitCode = await main(process.argv.slice(2));
