// `npm run bench -- --only=internalize`: training throughput and memory of internalization in Node (the
// `internalize` command as users run it: TensorFlow.js, WebAssembly backend) against PyTorch on the same machine
// (tools/fixture-model/throughput.py: the same model shape, AdamW steps on batches of the same token budget, one
// thread), measured in the same run. The corpus: the first 60 Cranfield abstracts as a folder of text files.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cranfieldPassages } from '../../ingest/cranfield';

const PASSAGES = 60;
const BATCH_TOKENS = 2048;

export function benchInternalize(root: string): Record<string, unknown> {
  const work = mkdtempSync(join(tmpdir(), 'bench-internalize-'));
  try {
    const folder = join(work, 'abstracts');
    mkdirSync(folder);
    const passages = cranfieldPassages(readFileSync(join(root, 'public/demo/cranfield/cran.all.1400'), 'utf8'));
    for (const p of passages.slice(0, PASSAGES))
      writeFileSync(join(folder, `${p.id}.md`), `# ${p.title}\n\n${p.text}\n`);
    const ours = JSON.parse(
      execFileSync(
        process.execPath,
        [
          join(root, 'bin/self-retrieval.mjs'),
          'internalize',
          folder,
          '--out',
          join(work, 'model'),
          '--epochs',
          '1',
          '--batch-tokens',
          String(BATCH_TOKENS),
          '--json',
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      ).toString(),
    ) as {
      tokensPerSecond: number;
      steps: number;
      tokens: number;
      seconds: number;
      peakRssMB: number;
      backendPeakMB: number;
    };
    let pytorch: { tokensPerSecond: number; torch: string } | { error: string };
    try {
      pytorch = JSON.parse(
        execFileSync(
          '/usr/bin/python3',
          [
            join(root, 'tools/fixture-model/throughput.py'),
            '--model',
            join(root, 'public/models/cranfield-tiny'),
            '--batch-tokens',
            String(Math.round(ours.tokens / Math.max(1, ours.steps))),
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        ).toString(),
      ) as { tokensPerSecond: number; torch: string };
    } catch (error) {
      // Debian's python3-torch is a build tool of the fixture model, not a dependency of the app.
      pytorch = { error: `PyTorch baseline not run: ${(error as Error).message.split('\n')[0]}` };
    }
    return {
      passages: PASSAGES,
      batchTokens: BATCH_TOKENS,
      steps: ours.steps,
      tokens: ours.tokens,
      nodeTokensPerSec: ours.tokensPerSecond,
      peakRssMB: ours.peakRssMB,
      backendPeakMB: ours.backendPeakMB,
      ...('error' in pytorch
        ? { pytorch: pytorch.error }
        : {
            pytorchTokensPerSec: pytorch.tokensPerSecond,
            torch: pytorch.torch,
            tokensPerSecOverPyTorch: Number((ours.tokensPerSecond / pytorch.tokensPerSecond).toFixed(3)),
          }),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
