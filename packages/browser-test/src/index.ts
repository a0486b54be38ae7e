// Web pages are tested in a real browser: Debian's chromium driven by playwright-core (no DOM
// emulation). This module finds the browser, launches it headless, and saves the screenshots the
// README links to, so every package's browser tests start the same way.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export type { Browser, BrowserContext, Page };

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The repository's screenshot folder (docs/screenshots), linked from the README. */
export const SCREENSHOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'screenshots');

/** The chromium executable: the first Debian location that exists. */
export function chromiumPath(): string {
  const found = CANDIDATES.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(`no chromium found (looked at ${CANDIDATES.join(', ')}); install Debian's chromium (apt-get install chromium)`);
  }
  return found;
}

/**
 * A headless chromium. The sandbox flag is off because CI runs as root, where chromium refuses its
 * own sandbox; the pages under test are ours, on loopback.
 */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/** A fresh context (own cookies) with French as the language, the users' language. */
export async function newFrenchContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 800 } });
}

/** Saves a full-page PNG as docs/screenshots/<name>.png and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`screenshot name must be kebab-case: ${name}`);
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
