// Playwright: the editor end to end in Debian's Chromium, against the real all-in-one server (see e2e/global-setup.ts).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { defineConfig } from '@playwright/test';

/** A port nobody listens on now, found synchronously (the config must be ready when it is imported). */
function freePort(): string {
  const script =
    "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})";
  return execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim();
}

// Set once in the runner process; its workers inherit them, so every process agrees on port and key.
process.env.TRIBUTARY_E2E_PORT ??= freePort();
process.env.TRIBUTARY_E2E_KEY ??= `e2e-${randomBytes(12).toString('hex')}`;

export default defineConfig({
  testDir: './e2e',
  testMatch: '**/*.spec.ts',
  globalSetup: './e2e/global-setup.ts',
  // under node_modules so Biome (which checks every other file) leaves traces and reports alone
  outputDir: '../../node_modules/.cache/editor-e2e',
  timeout: 120_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: 'list',
  use: {
    baseURL: `http://127.0.0.1:${process.env.TRIBUTARY_E2E_PORT}`,
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
});
