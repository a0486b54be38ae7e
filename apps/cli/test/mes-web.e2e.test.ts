// The patient persona logs in to Mon Espace Santé's web mailbox with the FranceConnect stand-in,
// as `mss sandbox` runs them (endpoints `mes` and `franceconnect` at their place in --port-base),
// in a real browser (chromium through @mss/browser-test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser, newFrenchContext } from '@mss/browser-test';
import { PORT_BASE_ORDER } from '@mss/runtime';
import { exitOf, firstLine, freePortBase, isolatedDatabaseEnv, spawnMss } from './run-mss.ts';

test('mss sandbox: the patient logs in to the MES web mailbox with FranceConnect', { timeout: 300_000 }, async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-mes-web-e2e-'));
  const base = await freePortBase();
  const child = spawnMss(
    ['sandbox', '--json', '--data-dir', dataDir, '--port-base', String(base), '--professionals', '200'],
    isolatedDatabaseEnv(),
  );
  const browser = await launchBrowser();
  try {
    const { endpoints } = JSON.parse(await firstLine(child)) as { endpoints: Record<string, string> };
    assert.equal(endpoints.franceconnect, `http://127.0.0.1:${base + PORT_BASE_ORDER.indexOf('franceconnect')}`);
    assert.equal(endpoints.mes, `http://127.0.0.1:${base + PORT_BASE_ORDER.indexOf('mes')}`);
    const page = await (await newFrenchContext(browser)).newPage();
    page.setDefaultTimeout(60_000);
    await page.goto(endpoints.mes as string);
    await page.getByRole('link', { name: "S'identifier avec FranceConnect" }).click();
    assert.equal(new URL(page.url()).origin, endpoints.franceconnect);
    await page.getByRole('button', { name: /Dominique Marie PAT-TROIS/ }).click();
    await page.getByRole('button', { name: 'Continuer sur Mon Espace Santé' }).click();
    await page.getByRole('heading', { name: 'Mes conversations' }).waitFor();
    assert.match(await page.locator('header').innerText(), /Dominique Pat-Trois/);
    // The patient whose MES is closed gets through FranceConnect but not into a mailbox.
    const other = await (await newFrenchContext(browser)).newPage();
    other.setDefaultTimeout(60_000);
    await other.goto(endpoints.mes as string);
    await other.getByRole('link', { name: "S'identifier avec FranceConnect" }).click();
    await other.getByRole('button', { name: /Camille FERME/ }).click();
    await other.getByRole('button', { name: 'Continuer sur Mon Espace Santé' }).click();
    await other.getByRole('alert').waitFor();
    assert.match(await other.getByRole('alert').innerText(), /profil Mon Espace Santé est fermé/);
  } finally {
    await browser.close();
    child.kill('SIGINT');
    assert.equal(await exitOf(child), 0);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
