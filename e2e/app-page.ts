// What the app's browser tests wait on and measure: conditions the page exposes (never sleeps), and a record of
// the main thread's long tasks and of script-policy violations, installed before the page's own scripts run.
import { expect, type Page } from '@playwright/test';

/** Waits until nothing is queued or being internalized, and `documents` documents are listed. */
export async function waitIdle(page: Page, documents: number): Promise<void> {
  const summary = page.getByTestId('library-summary');
  await expect(summary).toHaveAttribute('data-documents', String(documents), { timeout: 300_000 });
  await expect(summary).toHaveAttribute('data-queued', '0', { timeout: 300_000 });
  await expect(page.getByTestId('ingest-progress')).toBeHidden({ timeout: 300_000 });
}

export interface LongTask {
  readonly start: number;
  readonly duration: number;
}

type Watched = typeof globalThis & {
  __longTasks: LongTask[];
  __policyViolations: string[];
  __xss?: unknown;
};

/** Records every long task (> 50 ms on the page's main thread) and every Content-Security-Policy violation. */
export async function watchPage(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = globalThis as Watched;
    w.__longTasks = [];
    w.__policyViolations = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__policyViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
}

export const now = (page: Page): Promise<number> => page.evaluate(() => performance.now());

/** The long tasks that started in [from, to] (page clock, ms). */
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
