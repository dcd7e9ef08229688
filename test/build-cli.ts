// Vitest global setup: test/cli.test.ts runs bin/self-retrieval.mjs, which runs the built dist/cli/main.js. A fresh
// clone has no dist/, and an edited source makes an old build lie, so the CLI is built here whenever its output is
// missing or older than any file it could be built from. A Vite build of the CLI takes a few seconds.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import { ROOT } from './paths';

const OUTPUT = join(ROOT, 'dist', 'cli', 'main.js');
/** Everything the CLI build reads: the sources it bundles and the configuration that shapes it. */
const INPUTS = ['src', 'vite.config.ts', 'package.json', 'package-lock.json'];

/** The newest modification time under `path` (a file or a folder, walked whole). */
function newest(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let latest = stats.mtimeMs;
  for (const name of readdirSync(path)) latest = Math.max(latest, newest(join(path, name)));
  return latest;
}

export default async function setup(): Promise<void> {
  const built = existsSync(OUTPUT) ? statSync(OUTPUT).mtimeMs : -Infinity;
  const sources = Math.max(
    ...INPUTS.map((p) => join(ROOT, p))
      .filter(existsSync)
      .map(newest),
  );
  if (built >= sources) return;
  await build({ root: ROOT, configFile: join(ROOT, 'vite.config.ts'), mode: 'cli', logLevel: 'warn' });
}
