// Story 3 of the domain reference (§12), end to end, with the patient in a real browser:
// Dr Martin's software sends over SMTP + XOAUTH2 at operator A; A's queue delivers to Mon Espace
// Santé over mutual TLS; the patient logs in with FranceConnect in chromium, opens the message
// and agrees to the read receipt Dr Martin asked for (R-MES-4), which reaches his INBOX; she
// replies, and her reply reaches his INBOX over IMAP with her name in From: and the patient
// marker (R-MES-3); he ends the exchange with X-MSS-MES: FIN (R-MES-2): she reads it and can no
// longer write to him. Runs on SQLite, and on PostgreSQL with MSS_DATABASE_URL.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ImapFlow } from 'imapflow';
import { launchBrowser, newFrenchContext, saveScreenshot, type Browser } from '@mss/browser-test';
import { deferredCitizens, startFranceConnect, type RunningFranceConnect } from '@mss/franceconnect';
import { silentLogger } from '@mss/runtime';
import { PERSONA_PATIENT_INS } from '@mss/seed';
import { PATIENT_MARKER_HEADER, PATIENT_MARKER_VALUE, mesCitizens, mesWeb } from '../src/index.ts';
import { GP, PER, eventually, sendAsGp, startWorld, type World } from './support/world.ts';

const PATIENT = PERSONA_PATIENT_INS;
const PATIENT_ADDRESS = `${PATIENT}@patient.mssante.fr`;
const TIMEOUT = 60_000;

let w: World;
let fc: RunningFranceConnect;
let browser: Browser;
let fcDir: string;

before(async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  fcDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-story3-fc-'));
  // FranceConnect knows MES's patients, and MES's pages know FranceConnect: the directory is
  // bound once MES exists.
  const citizens = deferredCitizens();
  fc = await startFranceConnect({ logger: silentLogger(), host: '127.0.0.1', port: 0, dataDir: fcDir, citizens });
  w = await startWorld({
    web: mesWeb({
      franceconnect: { issuer: fc.issuer, clientId: 'mes-sandbox', clientSecret: 'mes-sandbox-secret' },
      logger: silentLogger(),
    }),
  });
  citizens.bind(mesCitizens(w.mes.mes, [PATIENT]));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await w?.close();
  await fc?.stop();
  (await import('node:fs')).rmSync(fcDir, { recursive: true, force: true });
});

/** Dr Martin's INBOX at A over IMAP with his PSC token (imapflow): each message's source. */
async function gpInbox(): Promise<string[]> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: w.a.imap.port,
    secure: false,
    doSTARTTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: PER, accessToken: await w.token(GP) },
    logger: false,
  });
  await client.connect();
  try {
    await client.mailboxOpen('INBOX');
    const out: string[] = [];
    for await (const m of client.fetch('1:*', { source: true })) if (m.source) out.push(m.source.toString('utf8'));
    return out;
  } catch {
    return [];
  } finally {
    await client.logout();
  }
}

async function gpReceives(match: RegExp): Promise<string> {
  let found: string | undefined;
  await eventually(async () => {
    found = (await gpInbox()).find((m) => match.test(m));
    return found !== undefined;
  }, 30_000);
  return found as string;
}

test('story 3 end to end: SMTP+XOAUTH2 → MES; FranceConnect login, read with MDN, reply in chromium; X-MSS-MES: FIN', {
  timeout: 10 * TIMEOUT,
}, async () => {
  // 1. Dr Martin's software writes to the patient and asks for a read receipt.
  await sendAsGp(w, {
    to: PATIENT_ADDRESS,
    subject: 'Vos résultats',
    text: 'Bonjour Madame,\nvos résultats sont normaux.\nDr Martin\n',
    messageId: '<story3-web-1@cabinet-martin>',
    headers: { 'Disposition-Notification-To': PER },
  });
  await eventually(async () => (await w.patientInbox(PATIENT)).length === 1, 30_000);

  // 2. The patient logs in with FranceConnect and sees Dr Martin's message.
  const context = await newFrenchContext(browser);
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  await page.goto(w.mes.url);
  await page.getByRole('link', { name: "S'identifier avec FranceConnect" }).click();
  await page.getByRole('button', { name: /Dominique Marie PAT-TROIS/ }).click();
  await page.getByRole('button', { name: 'Continuer sur Mon Espace Santé' }).click();
  await page.getByRole('heading', { name: 'Mes conversations' }).waitFor();
  assert.match(await page.locator('tbody').innerText(), new RegExp(`${PER}[\\s\\S]*Vos résultats`));
  await page.getByRole('link', { name: new RegExp(PER) }).click();
  await page.getByRole('link', { name: 'Vos résultats' }).click();
  await page.getByRole('heading', { name: 'Vos résultats' }).waitFor();
  assert.match(await page.locator('#corps').innerText(), /vos résultats sont normaux/);
  await saveScreenshot(page, 'mes-histoire-3-message');

  // 3. She agrees to the read receipt: an MDN (RFC 8098) reaches Dr Martin's INBOX (R-MES-4).
  await page.getByRole('button', { name: "Envoyer l'accusé de lecture" }).click();
  await page.getByText('Accusé de lecture envoyé.').waitFor();
  const mdn = await gpReceives(/report-type="?disposition-notification/i);
  assert.match(mdn, /Original-Message-ID: <story3-web-1@cabinet-martin>/i);
  assert.match(mdn, /Disposition: manual-action\/MDN-sent-manually; displayed/i);

  // 4. She replies; the reply reaches Dr Martin over IMAP with her name and the patient marker (R-MES-3).
  await page.getByLabel('Message').fill('Merci docteur, bonne journée.');
  await page.getByRole('button', { name: 'Envoyer' }).click();
  await page.getByText('Votre message a été envoyé.').waitFor();
  const reply = await gpReceives(/Merci docteur/);
  assert.match(reply, new RegExp(`^From: Dominique Pat-Trois <${PATIENT_ADDRESS}>`, 'm'));
  assert.match(reply, new RegExp(`^${PATIENT_MARKER_HEADER}: ${PATIENT_MARKER_VALUE}\\r?$`, 'm'));
  assert.match(reply, /^In-Reply-To: <story3-web-1@cabinet-martin>/m);

  // 5. Dr Martin ends the exchange with X-MSS-MES: FIN (R-MES-2).
  await sendAsGp(w, {
    to: PATIENT_ADDRESS,
    subject: 'Fin de notre échange',
    text: 'Bonne continuation.\n',
    headers: { 'X-MSS-MES': 'FIN' },
  });
  await eventually(async () => (await w.patientInbox(PATIENT)).length === 2, 30_000);

  // 6. She can read it, and can no longer write to him: the form is disabled with the reason.
  await page.goto(`${w.mes.url}/messagerie`);
  assert.match(await page.locator('tbody').innerText(), /Échange terminé par le professionnel/);
  await page.getByRole('link', { name: new RegExp(PER) }).click();
  await page.getByRole('link', { name: 'Fin de notre échange' }).click();
  await page.getByRole('heading', { name: 'Fin de notre échange' }).waitFor();
  assert.match(await page.locator('#corps').innerText(), /Bonne continuation/);
  assert.match(await page.locator('main').innerText(), /mis fin à l'échange \(X-MSS-MES: FIN\)/);
  assert.equal(await page.getByLabel('Message').isDisabled(), true);
  assert.match(await page.locator('#raison').innerText(), /R-MES-2/);
  await saveScreenshot(page, 'mes-histoire-3-fin');
  const before = (await gpInbox()).length;
  const csrf = await page.locator('input[name=_csrf]').first().getAttribute('value');
  const res = await page.request.post(`${w.mes.url}/messagerie/envoyer`, {
    multipart: { _csrf: csrf ?? '', a: PER, objet: 'Encore moi', texte: 'Une dernière question' },
    maxRedirects: 0,
  });
  assert.equal(res.status(), 403);
  assert.deepEqual(
    (await w.mesStore.queue.list({})).filter((q) => q.recipient === PER && q.status !== 'delivered'),
    [],
    'nothing queued at MES',
  );
  assert.equal((await gpInbox()).length, before, 'nothing reached Dr Martin');
  await context.close();
});
