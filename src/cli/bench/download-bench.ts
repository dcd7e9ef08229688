// Benchmark section `download`: what checking a downloaded model costs. The model cache hashes every file whose
// source published a SHA-256 (src/engines/model-store.ts, `sha256Hex`, streamed so a 1 GB model never sits in memory
// at once); the baseline is Node's native SHA-256 over the same chunks, measured in the same run.
import { createHash } from 'node:crypto';
import { sha256Hex } from '../../engines/model-store';
import { MODELS } from '../../engines/models';
import { median, round } from './stats';

const CHUNK = 64 * 1024; // what Blob.stream() hands out in Chromium
const TOTAL = 64 * 1024 * 1024;

function chunks(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let offset = 0; offset < TOTAL; offset += CHUNK) {
    const chunk = new Uint8Array(CHUNK);
    for (let i = 0; i < CHUNK; i += 4096) chunk[i] = (offset + i) & 0xff;
    out.push(chunk);
  }
  return out;
}

function streamOf(parts: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i < parts.length) controller.enqueue(parts[i++]);
      else controller.close();
    },
  });
}

export async function benchDownload(runs = 5): Promise<Record<string, unknown>> {
  const parts = chunks();
  const ours: number[] = [];
  const native: number[] = [];
  let same = true;
  for (let run = 0; run < runs; run++) {
    let started = performance.now();
    const hex = await sha256Hex(streamOf(parts));
    ours.push(performance.now() - started);
    started = performance.now();
    const hash = createHash('sha256');
    for (const part of parts) hash.update(part);
    const reference = hash.digest('hex');
    native.push(performance.now() - started);
    same &&= hex === reference;
  }
  const oursMillis = median(ours);
  const mbPerSecond = TOTAL / 1e6 / (oursMillis / 1000);
  const largest = Math.max(...MODELS.flatMap((m) => Object.values(m.sizes)));
  return {
    hashedMB: TOTAL / 1e6,
    sameDigestAsNative: same,
    sha256MBPerSecond: round(mbPerSecond, 1),
    ratioToNativeSha256: round(oursMillis / median(native), 2),
    secondsToVerifyLargestRegistryModel: round(largest / 1e6 / mbPerSecond, 1),
  };
}
