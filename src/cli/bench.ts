// `npm run bench [-- --json] [-- --only=model,index,ingest,library,search,download,scale,internalize]`: benchmarks, one section per concern, each figure next
// to a baseline measured in the same run (the machines are shared and noisy: compare ratios, not absolute times).
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from './args';
import { benchDownload } from './bench/download-bench';
import { benchIndex } from './bench/index-bench';
import { benchIngest } from './bench/ingest-bench';
import { benchInternalize } from './bench/internalize-bench';
import { benchLibrary } from './bench/library-bench';
import { benchModel } from './bench/model';
import { benchScale } from './bench/scale-bench';
import { benchSearch } from './bench/search-bench';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const SECTIONS: Record<string, (args: readonly string[]) => Promise<Record<string, unknown>>> = {
  model: () => benchModel(`${ROOT}public/models/`, 'cranfield-tiny'),
  index: () => benchIndex(ROOT),
  ingest: () => benchIngest(ROOT),
  library: (args) => benchLibrary(ROOT, args),
  search: () => benchSearch(ROOT),
  download: () => benchDownload(),
  scale: (args) => benchScale(ROOT, args),
  internalize: () => Promise.resolve(benchInternalize(ROOT)),
};

/** `self-retrieval bench [--json] [--only=a,b]`. */
export async function runBench(args: readonly string[]): Promise<void> {
  const json = args.includes('--json');
  const onlyArg = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const names = onlyArg ? onlyArg.split(',') : Object.keys(SECTIONS);
  const report: Record<string, unknown> = {};
  for (const name of names) {
    const run = SECTIONS[name];
    if (!run) throw new UsageError(`unknown benchmark section "${name}" (known: ${Object.keys(SECTIONS).join(', ')})`);
    if (!json) process.stderr.write(`running ${name}…\n`);
    report[name] = await run(args);
  }
  if (json) {
    process.stdout.write(JSON.stringify(report) + '\n');
    return;
  }
  for (const [section, figures] of Object.entries(report)) {
    console.log(`[${section}]`);
    console.log(JSON.stringify(figures, null, 2));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runBench(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
