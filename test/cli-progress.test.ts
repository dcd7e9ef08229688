// The progress bar: draws (throttled) on a terminal, stays silent on a pipe.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Progress, type ProgressStream } from '../src/cli/progress';

class FakeStream implements ProgressStream {
  readonly chunks: string[] = [];
  constructor(
    readonly isTTY: boolean,
    readonly columns?: number,
  ) {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
}

const CLEAR = '\r\u001b[K';

describe('Progress', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2025-01-01T00:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('draws label, bar, count, percent and ETA on a TTY', () => {
    const tty = new FakeStream(true);
    const progress = new Progress('eval', 50, tty);
    vi.advanceTimersByTime(1000);
    progress.set(12);
    // 1 s for 12 items → 38 left take 38/12 s ≈ 3.2 s, shown rounded up.
    expect(tty.chunks).toEqual([`${CLEAR}eval [#####---------------] 12/50 24% ETA 4s`]);
  });

  it('redraws at most every 100 ms, but always shows the final count', () => {
    const tty = new FakeStream(true);
    const progress = new Progress('x', 4, tty);
    progress.tick();
    progress.tick();
    expect(tty.chunks).toHaveLength(1);
    vi.advanceTimersByTime(100);
    progress.tick();
    expect(tty.chunks).toHaveLength(2);
    expect(tty.chunks[1]).toContain('3/4 75%');
    progress.tick();
    expect(tty.chunks).toHaveLength(3);
    expect(tty.chunks[2]).toContain('[####################] 4/4 100% ETA 0s');
  });

  it('shows an unknown ETA before the first item and minutes for long runs', () => {
    const progress = new Progress('x', 1000, new FakeStream(true));
    expect(progress.line()).toBe('x [--------------------] 0/1000 0% ETA ?');
    vi.advanceTimersByTime(10_000);
    progress.set(100);
    expect(progress.line()).toMatch(/ETA 1m30s$/);
  });

  it('clears the line on done and then ignores further calls', () => {
    const tty = new FakeStream(true);
    const progress = new Progress('x', 2, tty);
    progress.tick();
    progress.done();
    expect(tty.chunks.at(-1)).toBe(CLEAR);
    const written = tty.chunks.length;
    vi.advanceTimersByTime(1000);
    progress.tick();
    progress.done();
    expect(tty.chunks).toHaveLength(written);
  });

  it('fits the line into a narrow terminal', () => {
    const tty = new FakeStream(true, 20);
    new Progress('a long label', 10, tty).tick();
    expect(tty.chunks[0]).toBe(`${CLEAR}${'a long label [##----'.slice(0, 19)}`);
  });

  it('writes nothing when the stream is not a terminal', () => {
    const pipe = new FakeStream(false);
    const progress = new Progress('x', 3, pipe);
    progress.tick();
    vi.advanceTimersByTime(200);
    progress.set(3);
    progress.done();
    expect(pipe.chunks).toEqual([]);
  });
});
