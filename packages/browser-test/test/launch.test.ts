// The browser test harness itself: chromium starts, renders a page served on loopback, runs its
// script, and a screenshot is a real PNG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { browserPid, launchBrowser, newFrenchContext, saveScreenshot } from '../src/index.ts';

test('chromium renders a loopback page, runs its script, and saves a PNG screenshot', async () => {
  const server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end('<!doctype html><html lang="fr"><title>Essai</title><p id="p">avant</p><script>p.textContent = navigator.language</script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await launchBrowser();
  try {
    const page = await (await newFrenchContext(browser)).newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    assert.equal(await page.title(), 'Essai');
    assert.equal(await page.textContent('#p'), 'fr-FR');
    const file = await saveScreenshot(page, 'browser-harness');
    assert.deepEqual([...fs.readFileSync(file).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    fs.rmSync(file);
  } finally {
    await browser.close();
    server.close();
  }
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a chromium that does not close in time is killed: close() returns and leaves no process behind', async () => {
  const browser = await launchBrowser({ closeDeadlineMs: 500 });
  const pid = browserPid(browser);
  assert.ok(pid !== undefined && alive(pid));
  await (await newFrenchContext(browser)).newPage();
  // A stopped process answers nothing: the orderly close cannot finish, as when chromium hangs.
  process.kill(pid, 'SIGSTOP');
  const started = Date.now();
  await browser.close();
  // Less a little: a timer runs on the event loop's cached clock, which may be a few ms behind Date.now().
  assert.ok(Date.now() - started >= 450, 'close() waited for the orderly close first');
  assert.equal(alive(pid), false);
});
