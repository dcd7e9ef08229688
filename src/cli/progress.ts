// A one-line progress bar for long CLI runs (indexing, evaluating hundreds of queries). It draws only on a
// terminal: when stderr is piped to a file or CI log, carriage-return redraws would leave thousands of lines of
// noise, so it then writes nothing at all. Redraws are throttled because a tight loop ticking per item could
// otherwise spend more time writing to the terminal than doing the work.

/** The part of a writable stream the bar needs; process.stderr and process.stdout fit it. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(chunk: string): unknown;
}

const BAR_WIDTH = 20;
const REDRAW_MS = 100;
const CLEAR_LINE = '\r\u001b[K';

export class Progress {
  private count = 0;
  private readonly started = Date.now();
  private lastDraw = -Infinity;
  private drawn = false;
  private finished = false;

  constructor(
    private readonly label: string,
    /** Items in all; may grow as work is discovered (a folder walk). */
    public total: number,
    private readonly stream: ProgressStream = process.stderr,
  ) {}

  /** Records `n` more items done. */
  tick(n = 1): void {
    this.set(this.count + n);
  }

  /** Records that `done` items are done in all. */
  set(done: number): void {
    if (this.finished) return;
    this.count = done;
    const now = Date.now();
    // The final state is always shown, so the bar never stops at 98% because the last tick fell in the throttle.
    if (now - this.lastDraw < REDRAW_MS && done < this.total) return;
    this.lastDraw = now;
    this.draw(now);
  }

  /** Removes the bar, leaving the line clean for whatever is printed next. Further calls do nothing. */
  done(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.drawn) this.stream.write(CLEAR_LINE);
  }

  /** The text of the bar at time `now` (ms since the epoch); exposed for tests and for logging. */
  line(now = Date.now()): string {
    const fraction = this.total > 0 ? Math.min(1, Math.max(0, this.count / this.total)) : 1;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = '#'.repeat(filled) + '-'.repeat(BAR_WIDTH - filled);
    const percent = Math.floor(fraction * 100);
    return `${this.label} [${bar}] ${this.count}/${this.total} ${percent}% ETA ${this.eta(now)}`;
  }

  private eta(now: number): string {
    if (this.count <= 0) return '?';
    const remaining = Math.max(0, this.total - this.count);
    const seconds = Math.ceil((((now - this.started) / this.count) * remaining) / 1000);
    return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  }

  private draw(now: number): void {
    if (!this.stream.isTTY) return;
    let text = this.line(now);
    // A line wider than the terminal wraps, and `\r` then only returns to the start of the last wrapped row.
    const columns = this.stream.columns;
    if (columns !== undefined && columns > 1 && text.length >= columns) text = text.slice(0, columns - 1);
    this.stream.write(CLEAR_LINE + text);
    this.drawn = true;
  }
}
