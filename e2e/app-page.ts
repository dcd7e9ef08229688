// What the app's browser tests wait on and measure: conditions the page exposes (never sleeps), and a record of
// the main thread's long animation frames and of script-policy violations, installed before the page's own scripts
// run.
import { expect, type Page } from '@playwright/test';
import type * as Comlink from 'comlink';
import type { ModelWorkerApi } from '../workers/protocol';

/** Waits until nothing is queued or being internalized, and `documents` documents are listed. */
export async function waitIdle(page: Page, documents: number): Promise<void> {
  const summary = page.getByTestId('library-summary');
  await expect(summary).toHaveAttribute('data-documents', String(documents), { timeout: 300_000 });
  await expect(summary).toHaveAttribute('data-queued', '0', { timeout: 300_000 });
  await expect(page.getByTestId('ingest-progress')).toBeHidden({ timeout: 300_000 });
}

type WorkerWindow = typeof globalThis & { selfRetrievalWorker: Comlink.Remote<ModelWorkerApi> };

/** The first hit's document for each query, searching the user's library in self mode (model only) through the
 * debug page's model worker (`?debug`), one query after another. */
export function firstHitDocuments(page: Page, queries: readonly string[], k = 3): Promise<(string | null)[]> {
  return page.evaluate(
    async ({ queries, k }) => {
      const worker = (globalThis as WorkerWindow).selfRetrievalWorker;
      const found: (string | null)[] = [];
      for (const [i, query] of queries.entries()) {
        const response = await worker.search({
          id: `first-hit-${i}`,
          query,
          library: 'mine',
          settings: { mode: 'self', k, titleBeams: 3, contentBeams: 2 },
        });
        found.push(response.hits[0]?.passage.documentPath ?? null);
      }
      return found;
    },
    { queries, k },
  );
}

/** A long animation frame (> 50 ms) of the page's main thread, with the scripts that ran in it. */
export interface LongTask {
  readonly start: number;
  readonly duration: number;
  /** Each script's invoker and source, and how long it ran (with the style and layout it forced). */
  readonly scripts: readonly { readonly source: string; readonly duration: number }[];
}

/** What a PerformanceLongAnimationFrameTiming entry carries (TypeScript's lib has no type for it yet). */
interface LongAnimationFrame {
  readonly startTime: number;
  readonly duration: number;
  readonly scripts: readonly {
    readonly invoker: string;
    readonly sourceURL: string;
    readonly sourceFunctionName: string;
    readonly duration: number;
  }[];
}

type Watched = typeof globalThis & {
  __longTasks: LongTask[];
  __policyViolations: string[];
  __xss?: unknown;
};

/**
 * Records every long animation frame (> 50 ms on the page's main thread: the Long Animation Frames API, which says
 * which scripts ran in it) and every Content-Security-Policy violation.
 */
export async function watchPage(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = globalThis as Watched;
    w.__longTasks = [];
    w.__policyViolations = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as unknown as LongAnimationFrame[]) {
        const scripts = e.scripts.map((s) => ({
          source: `${s.invoker} ${s.sourceURL.split('/').pop() ?? ''}:${s.sourceFunctionName}`,
          duration: Math.round(s.duration),
        }));
        w.__longTasks.push({ start: Math.round(e.startTime), duration: Math.round(e.duration), scripts });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__policyViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
}

export const now = (page: Page): Promise<number> => page.evaluate(() => performance.now());

/** The long animation frames that started in [from, to] (page clock, ms). */
export function longTasksIn(page: Page, from: number, to: number): Promise<LongTask[]> {
  return page.evaluate(
    ([a, b]) => (globalThis as Watched).__longTasks.filter((t) => t.start >= a! && t.start <= b!),
    [from, to],
  );
}

export const policyViolations = (page: Page): Promise<string[]> =>
  page.evaluate(() => (globalThis as Watched).__policyViolations);

/** Whether any payload of the XSS corpus ran (each sets window.__xss). */
export const xssRan = (page: Page): Promise<boolean> =>
  page.evaluate(() => (globalThis as Watched).__xss !== undefined);
