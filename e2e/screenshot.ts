// Screenshots of the main states, kept as test artifacts (test-results/screenshots/<project>/<name>-<size>.png) and
// attached to the report, for a reviewer to look at: each at a desktop size (1280×860, the size the layout is held
// to) and a phone size (390×844), the viewport put back as it was after.
import { join } from 'node:path';
import type { Page, TestInfo } from '@playwright/test';

export const DESKTOP = { width: 1280, height: 860 } as const;
export const PHONE = { width: 390, height: 844 } as const;

export async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const before = page.viewportSize();
  for (const [size, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(viewport);
    const path = join('test-results', 'screenshots', testInfo.project.name, `${name}-${size}.png`);
    await page.screenshot({ path, fullPage: true });
    await testInfo.attach(`${name}-${size}`, { path, contentType: 'image/png' });
  }
  if (before) await page.setViewportSize(before);
}
