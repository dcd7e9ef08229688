// Timing helpers shared by the benchmark sections.

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** Median of `runs` timed calls after one warm-up call (first calls pay for compilation and allocation). */
export async function timeAsync(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return median(times);
}

export const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

/** Heap bytes retained by what `make` returns (needs node --expose-gc; NaN without it). */
export function retainedBytes(make: () => unknown): { bytes: number; keep: unknown } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return { bytes: NaN, keep: make() };
  gc();
  const before = process.memoryUsage().heapUsed;
  const keep = make();
  gc();
  return { bytes: process.memoryUsage().heapUsed - before, keep };
}

/** V8 heap plus ArrayBuffer backing stores (where typed arrays live) in use after two collections; NaN without
 * node --expose-gc. */
export function heapInUse(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return NaN;
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}
