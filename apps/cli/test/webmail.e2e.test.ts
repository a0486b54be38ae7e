// Story 1 of the domain reference in the webmail, as `mss sandbox` runs it (endpoint `webmail`),
// in chromium: the hospital's software sends a discharge letter (CDA in IHE_XDM) to the nurses'
// CAB through the API LPS (@mss/client); Marc logs in with Pro Santé Connect, is asked to accept
// the CGU (R-CAB-4), accepts, opens the CAB and reads the letter as a health document; Sophie
// answers from the CAB — sent over JMAP through the operator's submission path, the author
// recorded is Sophie (R-CAB-9) — with the Annuaire's suggestions for the recipient (R-ANN-4).
// Then a read receipt asked for from the webmail and sent from the webmail (RFC 8098).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser, newFrenchContext, saveScreenshot, type Browser, type Page } from '@mss/browser-test';
import { MssClient, approveOnSandboxEcps, sandboxEnvironment } from '@mss/client';
import { SAMPLE_DOCUMENTS } from '@mss/xdm';
import { exitOf, firstLine, freePortBase, isolatedDatabaseEnv, spawnMss } from './run-mss.ts';

const CAB = 'cabinet.infirmiers-des-lilas@operateur-a.mssante.fr';
const ORG = 'cardiologie.ch-lilas@operateur-a.mssante.fr';
const MARC = '810000001213';
const SOPHIE = '810000001395';
const GIRARD = '810000001551';
const GP = '810000001056';
const GP_PER = 'paul.martin@operateur-a.mssante.fr';

async function login(browser: Browser, webmail: string, idnat: string): Promise<Page> {
  const page = await (await newFrenchContext(browser)).newPage();
  page.setDefaultTimeout(60_000);
  await page.goto(webmail);
  await page.getByRole('link', { name: 'Se connecter avec Pro Santé Connect' }).click();
  await page.getByLabel('Identifiant national (IdNat) :').fill(idnat);
  await page.getByRole('button', { name: "Continuer avec l'e-CPS" }).click();
  await page.getByRole('button', { name: 'Approuver' }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/webmail/') && u.pathname !== '/webmail/callback');
  return page;
}

test('mss sandbox: story 1 in the webmail — the hospital’s letter, Marc accepts the CGU and reads it, Sophie answers from the CAB', {
  timeout: 420_000,
}, async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-webmail-e2e-'));
  const base = await freePortBase();
  const child = spawnMss(
    ['sandbox', '--json', '--data-dir', dataDir, '--port-base', String(base), '--professionals', '200'],
    isolatedDatabaseEnv(),
  );
  const browser = await launchBrowser();
  try {
    const { endpoints } = JSON.parse(await firstLine(child)) as { endpoints: Record<string, string> };
    const webmail = endpoints.webmail as string;
    assert.equal(webmail, `${endpoints.adminApi}/webmail`);

    // The hospital's software (Dr Girard's token, approved on her e-CPS) sends the letter to the CAB.
    const environment = sandboxEnvironment({ portBase: base, dataDir });
    const client = await MssClient.connect({
      environment,
      psc: { clientId: 'mss-lps-sandbox', clientSecret: 'mss-lps-sandbox-secret' },
      nil: 'DEV935997',
      tokens: { onApprovalRequested: (_idnat, request) => approveOnSandboxEcps(environment, request.authReqId) },
    });
    await client
      .person(GIRARD)
      .mailbox(ORG)
      .send({
        to: [CAB],
        subject: 'Lettre de liaison — sortie de Mme Durand',
        text: 'Madame, Monsieur,\n\nVeuillez trouver la lettre de liaison de votre patiente pour les soins à domicile.\n',
        documents: [{ cda: fs.readFileSync(SAMPLE_DOCUMENTS.dischargeLetter) }],
      });

    // Marc: not yet accepted — the CGU page first; then the CAB and the letter as a document.
    const marc = await login(browser, webmail, MARC);
    assert.equal(new URL(marc.url()).pathname, '/webmail/cgu');
    await marc.getByLabel(/J’ai lu les conditions générales/).check();
    await marc.getByRole('button', { name: 'J’accepte les conditions générales' }).click();
    await marc
      .getByRole('navigation', { name: 'Mes boîtes aux lettres' })
      .getByRole('link', { name: /cabinet\.infirmiers-des-lilas/ })
      .click();
    await marc
      .locator('ul.messages')
      .getByRole('link', { name: /Lettre de liaison — sortie de Mme Durand/ })
      .click();
    const docs = marc.getByRole('region', { name: /Documents de santé de IHE_XDM\.ZIP/ });
    assert.match(await docs.innerText(), /LOINC 11490-0/);
    await saveScreenshot(marc, 'webmail-story1-lettre');

    // Sophie answers from the CAB; the recipient field offers the Annuaire's mailboxes with type and situation.
    const sophie = await login(browser, webmail, SOPHIE);
    await sophie.goto(`${webmail}/bal/${encodeURIComponent(CAB)}`);
    await sophie
      .locator('ul.messages')
      .getByRole('link', { name: /Lettre de liaison/ })
      .click();
    await sophie.getByRole('link', { name: 'Répondre', exact: true }).click();
    assert.equal(await sophie.getByLabel('À').inputValue(), ORG);
    await sophie.getByLabel('À').fill(`${ORG}, Dubois`);
    const option = sophie.locator(`#annuaire-suggestions option[value*="${CAB}"]`);
    await option.first().waitFor({ state: 'attached' });
    assert.match((await option.first().getAttribute('label')) ?? '', /Claire Dubois.*— cabinet/);
    await sophie.getByLabel('À').fill(ORG);
    await sophie.getByLabel('Message').fill('Bien reçu, nous passons chez Mme Durand demain matin.\n\nSophie Moreau, pour le cabinet');
    await sophie.getByRole('button', { name: 'Envoyer' }).click();
    assert.match(await sophie.getByRole('status').innerText(), /Votre message a été envoyé/);

    // R-CAB-9: the message went from the CAB, and the operator recorded Sophie as its author.
    const password = fs.readFileSync(path.join(dataDir, 'admin-password'), 'utf8').trim();
    const res = await fetch(`${endpoints.adminApi}/api/v1/operator/audit?mailbox=${encodeURIComponent(CAB)}&channel=smtp&limit=500`, {
      headers: { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` },
    });
    assert.equal(res.status, 200);
    const { entries } = (await res.json()) as { entries: { principal: string | null; outcome: string; action: string }[] };
    assert.ok(
      entries.some((e) => e.principal === SOPHIE && e.outcome === 'allowed'),
      `Sophie's sending from the CAB is in the audit: ${JSON.stringify(entries)}`,
    );
    // Marc sees the answer in the CAB's Sent folder: one mailbox shared by its holders (R-CAB-5).
    await marc.goto(`${webmail}/bal/${encodeURIComponent(CAB)}`);
    await marc
      .getByRole('navigation', { name: 'Dossiers' })
      .getByRole('link', { name: /Envoyés/ })
      .click();
    assert.match(await marc.locator('ul.messages').innerText(), /Re: Lettre de liaison/);

    // A read receipt (RFC 8098): Marc asks for one writing from the CAB to the GP; the GP, reading
    // it, is offered to send it; it is sent over JMAP EmailSubmission and lands in the CAB's INBOX.
    await marc.goto(`${webmail}/bal/${encodeURIComponent(CAB)}/ecrire`);
    await marc.getByLabel('À').fill(GP_PER);
    await marc.getByLabel('Objet').fill('Passage chez Mme Durand');
    await marc.getByLabel('Message', { exact: true }).fill('Docteur, nous sommes passés ce matin : pansement refait, pas de fièvre.');
    await marc.getByLabel('Demander un accusé de lecture').check();
    await marc.getByRole('button', { name: 'Envoyer' }).click();
    assert.match(await marc.getByRole('status').innerText(), /Votre message a été envoyé/);
    const gp = await login(browser, webmail, GP);
    await gp.goto(`${webmail}/bal/${encodeURIComponent(GP_PER)}`);
    await gp
      .locator('ul.messages')
      .getByRole('link', { name: /Passage chez Mme Durand/ })
      .click();
    assert.match(
      await gp.locator('form.carte').first().innerText(),
      new RegExp(`demande un accusé de lecture \\(à ${CAB.replace(/\./g, '\\.')}\\)`),
    );
    await gp.getByRole('button', { name: 'Envoyer l’accusé de lecture' }).click();
    assert.match(await gp.getByRole('status').innerText(), /Accusé de lecture envoyé/);
    assert.equal(await gp.getByRole('button', { name: 'Envoyer l’accusé de lecture' }).count(), 0, 'never twice ($MDNSent)');
    await saveScreenshot(gp, 'webmail-accuse-lecture');
    // Read by an independent client (imapflow through @mss/client) in the CAB's INBOX: a multipart/report MDN.
    const receipt = await client
      .person(MARC)
      .mailbox(CAB)
      .withImap((imap) => imap.waitFor((m) => m.mdn !== null, { timeoutMs: 60_000 }));
    assert.match(receipt.raw.toString('latin1'), /^Content-Type: multipart\/report;[\s\S]*?report-type="?disposition-notification/im);
    const mdn = receipt.message.mdn!;
    assert.equal(mdn.type, 'displayed');
    assert.match(mdn.disposition, /manual-action\/MDN-sent-manually/);
    assert.match(mdn.finalRecipient ?? '', new RegExp(GP_PER.replace(/\./g, '\\.')));
  } finally {
    await browser.close();
    child.kill('SIGINT');
    assert.equal(await exitOf(child), 0);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
