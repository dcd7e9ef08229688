// Screenshots of the main states, kept as test artifacts (test-results/screenshots/<project>/<name>.png) and
// attached to the report, for a reviewer to look at.
import { join } from 'node:path';
import type { Page, TestInfo } from '@playwright/test';

export async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = join('test-results', 'screenshots', testInfo.project.name, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}
