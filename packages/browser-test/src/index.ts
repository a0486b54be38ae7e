// Web pages are tested in a real browser: Debian's chromium driven by playwright-core (no DOM
// emulation). This module finds the browser, launches it headless, and saves the screenshots the
// README links to, so every package's browser tests start the same way.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Download, type Page } from 'playwright-core';

export type { Browser, BrowserContext, Download, Page };

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

/** How long a browser may take to close before its process is killed. */
const CLOSE_DEADLINE_MS = 15_000;

const processIds = new WeakMap<Browser, number>();

/** The process id of a browser that launchBrowser started (for tests of the harness itself). */
export function browserPid(browser: Browser): number | undefined {
  return processIds.get(browser);
}

/**
 * A headless chromium. The sandbox flag is off because CI runs as root, where chromium refuses its
 * own sandbox; the pages under test are ours, on loopback.
 *
 * Launched as a browser server and connected to, because only the server gives us the process:
 * chromium's own close now and then never returns (a known, rare failure), and a test file whose
 * `after` hook awaits it would hold CI until its time runs out. `close()` therefore waits for the
 * orderly close at most CLOSE_DEADLINE_MS, then kills the process, and says so on stderr.
 */
export async function launchBrowser(options: { closeDeadlineMs?: number } = {}): Promise<Browser> {
  const deadline = options.closeDeadlineMs ?? CLOSE_DEADLINE_MS;
  const server = await chromium.launchServer({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  let browser: Browser;
  try {
    browser = await chromium.connect(server.wsEndpoint());
  } catch (err) {
    await server.kill();
    throw err;
  }
  const pid = server.process().pid;
  if (pid !== undefined) processIds.set(browser, pid);
  const orderlyClose = browser.close.bind(browser);
  browser.close = async (options) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), deadline);
    });
    const closed = Promise.allSettled([orderlyClose(options), server.close()]).then(() => 'closed' as const);
    const outcome = await Promise.race([closed, late]);
    clearTimeout(timer);
    if (outcome === 'late') console.error(`browser-test: chromium did not close within ${deadline} ms; its process is killed`);
    await server.kill();
  };
  return browser;
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

/**
 * The bytes of a finished download. Read through its stream: the browser is a connected one (see
 * launchBrowser), and a connected browser's downloads have no local path.
 */
export async function downloadedBytes(download: Download): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
