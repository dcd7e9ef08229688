// Gives the relative imports of the emitted declarations (dist/lib/types) their `.js` extensions. The sources import
// without extensions (moduleResolution "bundler"), and tsc copies the specifiers as written; a consumer on
// moduleResolution "node16"/"nodenext" resolves an ES module's relative imports only with extensions, and would
// otherwise see the unresolved types as `any`. Run after `tsc -p tsconfig.lib.json`.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = resolve(process.argv[2] ?? 'dist/lib/types');
/** `from './x'`, `import './x'` and `import('./x')`, with either quote. */
const SPECIFIER = /(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*)\2/g;

/** @param {string} folder @returns {string[]} */
function declarations(folder) {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return declarations(path);
    return name.endsWith('.d.ts') ? [path] : [];
  });
}

let rewritten = 0;
for (const file of declarations(root)) {
  const text = readFileSync(file, 'utf8');
  /** @type {(whole: string, lead: string, quote: string, specifier: string) => string} */
  const addExtension = (whole, lead, quote, specifier) => {
    if (/\.(m?js|json)$/.test(specifier)) return whole;
    const target = resolve(dirname(file), specifier);
    const withExtension = existsSync(`${target}.d.ts`)
      ? `${specifier}.js`
      : existsSync(join(target, 'index.d.ts'))
        ? `${specifier}/index.js`
        : undefined;
    if (withExtension === undefined) throw new Error(`${file}: no declaration for '${specifier}'`);
    rewritten += 1;
    return `${lead}${quote}${withExtension}${quote}`;
  };
  const next = text.replace(SPECIFIER, addExtension);
  if (next !== text) writeFileSync(file, next);
}
console.log(`dts-extensions: ${rewritten} relative imports in ${root}`);
