// Story 2 of the domain reference (§12), end to end against `mss sandbox`, in chromium where a
// person uses a page (§7, R-ENR-1, R-DEL-5): Julie registers on the RPPS+ portal through
// FranceConnect; Dr Martin validates with Pro Santé Connect (code + PKCE, e-CPS); Julie gets her
// RPPS, activates her e-CPS and gets a PSC token of her own; the operator learns her from the
// Annuaire's change feed and Dr Martin delegates his PER to her; her software opens it over IMAP
// (STARTTLS, XOAUTH2 with her token); Dr Martin ends her situation on the portal; the operator
// learns it from the feed, the delegation ends and her IMAP session gets `* BYE`. The time from
// the click to the BYE is measured and printed, not asserted (it depends on the sync's interval).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { launchBrowser, newFrenchContext, saveScreenshot, type Browser, type Page } from '@mss/browser-test';
import { cibaToken } from '@mss/psc';
import { exitOf, firstLine, freePortBase, isolatedDatabaseEnv, mss, spawnMss } from './run-mss.ts';

const PER = 'paul.martin@operateur-a.mssante.fr';
const TIMEOUT = 60_000;

let child: ChildProcessWithoutNullStreams;
let base: number;
let env: NodeJS.ProcessEnv;
let dataDir: string;
let endpoints: Record<string, string>;
let browser: Browser;
const cli = (...args: string[]) => mss([...args, '--port-base', String(base), '--data-dir', dataDir], env);

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-story2-'));
  base = await freePortBase();
  env = { ...isolatedDatabaseEnv(), MSS_RPPS_PLUS_NOTICE_DELAY: '1s', MSS_RPPS_PLUS_ECPS_DELAY: '1s' };
  child = spawnMss(['sandbox', '--json', '--data-dir', dataDir, '--port-base', String(base), '--professionals', '100'], env);
  endpoints = (JSON.parse(await firstLine(child)) as { endpoints: Record<string, string> }).endpoints;
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  child.kill('SIGINT');
  assert.equal(await exitOf(child), 0);
});

/** An IMAP session as an LPS opens it, on a plain socket: STARTTLS, AUTHENTICATE XOAUTH2, SELECT; keeps every line it reads. */
async function imapSession(user: string, token: string): Promise<{ lines: string[]; bye: Promise<number>; close(): void }> {
  const url = new URL(endpoints.imap as string);
  const lines: string[] = [];
  let buffered = '';
  let onLine: ((line: string) => void) | undefined;
  const feed = (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    for (let i = buffered.indexOf('\r\n'); i >= 0; i = buffered.indexOf('\r\n')) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 2);
      lines.push(line);
      onLine?.(line);
    }
  };
  const expect = (re: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${re} in ${JSON.stringify(lines)}`)), TIMEOUT);
      onLine = (line) => {
        if (/^[a-z] (NO|BAD)/.test(line)) {
          clearTimeout(timer);
          reject(new Error(`refused: ${line}`));
          return;
        }
        if (!re.test(line)) return;
        clearTimeout(timer);
        onLine = undefined;
        resolve(line);
      };
    });
  const plain = net.connect(Number(url.port), url.hostname);
  plain.on('data', feed);
  await expect(/^\* OK/);
  plain.write('a STARTTLS\r\n');
  await expect(/^a OK/);
  plain.removeListener('data', feed);
  const secure = tls.connect({ socket: plain, ca: fs.readFileSync(path.join(dataDir, 'ca.pem')), servername: 'localhost' });
  await new Promise<void>((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
  secure.on('data', feed);
  const bye = new Promise<number>((resolve) => {
    secure.on('data', () => {
      if (lines.some((l) => l.startsWith('* BYE'))) resolve(Date.now());
    });
  });
  const sasl = Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`).toString('base64');
  secure.write(`b AUTHENTICATE XOAUTH2 ${sasl}\r\n`);
  await expect(/^b OK/);
  secure.write('c SELECT INBOX\r\n');
  await expect(/^c OK/);
  return { lines, bye, close: () => secure.destroy() };
}

test('story 2: registered on RPPS+, delegated, her IMAP session closed when her situation ends (time printed)', {
  timeout: 10 * TIMEOUT,
}, async () => {
  // Julie asks through FranceConnect.
  const julie: Page = await (await newFrenchContext(browser)).newPage();
  julie.setDefaultTimeout(TIMEOUT);
  await julie.goto(endpoints.rppsPlus as string);
  await julie.getByRole('link', { name: "S'identifier avec FranceConnect" }).click();
  await julie.getByRole('button', { name: /Julie Marie BERNARD/ }).click();
  await julie.getByRole('button', { name: /Continuer sur Portail RPPS\+/ }).click();
  await julie.getByRole('link', { name: "Nouvelle demande d'enregistrement" }).click();
  await julie.getByLabel('Nom de famille ou numéro RPPS du professionnel').fill('Martin');
  await julie.getByRole('button', { name: 'Rechercher' }).click();
  await julie.getByLabel(/Cabinet du Dr Martin — 27 boulevard de la Liberté/).check();
  await julie.getByRole('button', { name: 'Envoyer ma demande' }).click();
  await julie.getByRole('status').filter({ hasText: 'Votre demande a été envoyée' }).waitFor();

  // Dr Martin validates with Pro Santé Connect.
  const martin: Page = await (await newFrenchContext(browser)).newPage();
  martin.setDefaultTimeout(TIMEOUT);
  await martin.goto(endpoints.rppsPlus as string);
  await martin.getByRole('link', { name: 'Se connecter avec Pro Santé Connect' }).click();
  await martin.getByRole('button', { name: /Paul Martin/ }).click();
  await martin.getByRole('button', { name: 'Approuver' }).click();
  await martin
    .getByRole('region', { name: /Julie Marie BERNARD/ })
    .getByRole('button', { name: /Valider la demande/ })
    .click();
  const rpps = /numéro RPPS (\d{11})/.exec(await martin.getByRole('status').innerText())?.[1];
  assert.ok(rpps);
  const idnat = `8${rpps}`;

  // Julie gets her RPPS (1 s), activates her e-CPS (1 s), and gets her own PSC token.
  for (let i = 0; !(await julie.locator('[data-rpps]').count()); i++) {
    assert.ok(i < 120, 'her RPPS is made known');
    await new Promise((r) => setTimeout(r, 500));
    await julie.goto(`${endpoints.rppsPlus}/secretaire`);
  }
  await julie.getByRole('button', { name: 'Activer ma e-CPS' }).click();
  let token: string | undefined;
  for (let i = 0; !token; i++) {
    token = await cibaToken({ pscUrl: endpoints.psc as string, idnat })
      .then((t) => t.access_token)
      .catch(() => undefined);
    assert.ok(token || i < 120, 'PSC knows her once her e-CPS is active');
    if (!token) await new Promise((r) => setTimeout(r, 500));
  }

  // The operator learns her from the Annuaire's feed; Dr Martin delegates his PER to her.
  const until = `${new Date().getUTCFullYear()}-12-31`;
  for (let i = 0; ; i++) {
    const d = cli('bal', 'delegate', PER, idnat, '--until', until, '--as', 'gp');
    if (d.status === 0) break;
    assert.ok(i < 60, `the operator knows her (R-ID-2): ${d.stderr}`);
    await new Promise((r) => setTimeout(r, 500));
  }

  // She accepts the operator's terms of use (R-CAB-4: every person who opens a mailbox), then her
  // software opens the PER over IMAP with her own token.
  const accepted = cli('cgu', 'accept', '--token', token);
  assert.equal(accepted.status, 0, accepted.stderr);
  const session = await imapSession(PER, token);
  assert.ok(session.lines.some((l) => /^c OK \[READ-WRITE\]/.test(l)));

  // Dr Martin ends her situation on the portal: the BYE follows.
  await martin.goto(`${endpoints.rppsPlus}/titulaire`);
  const card = martin.getByRole('region', { name: /Julie Marie BERNARD — RPPS/ });
  const clicked = Date.now();
  await card.getByRole('button', { name: /Mettre fin maintenant/ }).click();
  const at = await Promise.race([
    session.bye,
    new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`no * BYE: ${session.lines.join(' | ')}`)), TIMEOUT)),
  ]);
  session.close();
  await saveScreenshot(martin, 'story2-situation-terminee');
  console.log(`story 2: portal click → IMAP * BYE in ${at - clicked} ms (${session.lines.find((l) => l.startsWith('* BYE'))})`);

  const history = JSON.parse(cli('bal', 'history', PER, '--as', 'gp', '--json').stdout) as {
    entries: { event: string; actor: string; subjectIdnat: string; reason: string | null }[];
  };
  const ended = history.entries.find((e) => e.subjectIdnat === idnat && e.reason === 'situation ended in RPPS+');
  assert.ok(ended, `the history says why: ${JSON.stringify(history.entries.slice(-3))}`);
});
