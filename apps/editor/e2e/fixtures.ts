// Test fixtures: a signed-in page that fails the test on console errors, and screenshot saving.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect, type Page } from '@playwright/test';
import { apiKey } from './api';

const here = dirname(fileURLToPath(import.meta.url));
const screenshots = resolve(here, '../../../docs/screenshots');

// Chromium logs every 4xx answer as "Failed to load resource"; the editor handles those (422 problems, 404s)
const EXPECTED = /Failed to load resource: the server responded with a status of 4\d\d/;

export const test = base.extend<{ consoleErrors: string[]; signedIn: Page }>({
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && !EXPECTED.test(message.text())) errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
    await use(errors);
    expect(errors, 'console errors').toEqual([]);
  },
  signedIn: async ({ page, consoleErrors }, use) => {
    void consoleErrors;
    await page.addInitScript((key) => sessionStorage.setItem('tributary.apiKey', key), apiKey);
    await use(page);
  },
});

export { expect };

/** Saves a screenshot of the page for the README under docs/screenshots/. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshots, { recursive: true });
  // notices would cover the picture; the tests check them, the README does not need them
  await page.screenshot({ path: join(screenshots, `${name}.png`), style: '.toaster { display: none; }' });
}
