// The patient web mailbox in a real browser (Debian's chromium through playwright-core): the
// FranceConnect login and its cancellation, the conversations, reading with attachments and a
// read receipt the patient agrees to (R-MES-4), replying, writing first refused (R-MES-1), an
// ended exchange (R-MES-2, both forms), the attachment limit, CSRF, and an HTML body whose
// scripts never run; an IHE_XDM attachment shown as the health document it carries (§9, R-DOC-1),
// an unreadable one as a plain attachment with a note. Screenshots go to docs/screenshots/ (linked from the README).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { downloadedBytes, launchBrowser, newFrenchContext, saveScreenshot, type Browser, type Page } from '@mss/browser-test';
import { buildXdm, SAMPLE_DOCUMENTS } from '@mss/xdm';
import { PATIENT, PATIENT_ADDRESS, startWebMailbox, type WebMailbox } from './web-support.ts';

const GP = 'paul.martin@operateur-a.mssante.fr';
const ANNE = 'anne.lambert@operateur-b.mssante.fr';
const CARDIO = 'cardiologie.ch-lilas@operateur-a.mssante.fr';
const TIMEOUT = 60_000;

function message(o: { from: string; name: string; subject: string; extra?: string[]; body?: string; id: string }): string {
  return [
    `From: ${o.name} <${o.from}>`,
    `To: <${PATIENT_ADDRESS}>`,
    `Subject: ${o.subject}`,
    `Message-ID: <${o.id}@test>`,
    'Date: Sun, 06 Dec 2026 09:00:00 +0100',
    ...(o.extra ?? []),
    '',
    o.body ?? 'Bonjour,\n\nVoici mon message.\n\nDr Martin',
  ].join('\n');
}

describe('the patient web mailbox in chromium', { timeout: 10 * TIMEOUT }, () => {
  let w: WebMailbox;
  let browser: Browser;
  before(async () => {
    w = await startWebMailbox({ maxAttachmentBytes: 1024 * 1024 });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await w?.close();
  });

  /** A fresh browser context through FranceConnect as the demo patient, on her conversations. */
  async function login(screens = false): Promise<Page> {
    const context = await newFrenchContext(browser);
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    await page.goto(w.url);
    if (screens) await saveScreenshot(page, 'mes-accueil');
    await page.getByRole('link', { name: "S'identifier avec FranceConnect" }).click();
    await page.getByRole('heading', { name: /Je me connecte à Mon Espace Santé avec FranceConnect/ }).waitFor();
    if (screens) await saveScreenshot(page, 'franceconnect-choix-du-compte');
    await page.getByRole('button', { name: /Dominique Marie PAT-TROIS/ }).click();
    await page.getByRole('heading', { name: /Bonjour Dominique Marie PAT-TROIS/ }).waitFor();
    if (screens) await saveScreenshot(page, 'franceconnect-transmission');
    await page.getByRole('button', { name: 'Continuer sur Mon Espace Santé' }).click();
    await page.getByRole('heading', { name: 'Mes conversations' }).waitFor();
    return page;
  }

  async function queued(): Promise<{ sender: string; recipient: string }[]> {
    return (await w.store.queue.list({})).map((r) => ({ sender: r.mail_from, recipient: r.recipient }));
  }

  test('FranceConnect login: the patient lands on her mailbox; the session cookie is HttpOnly, Secure, SameSite=Lax', async () => {
    const page = await login(true);
    assert.equal(new URL(page.url()).pathname, '/messagerie');
    assert.match(await page.locator('header').innerText(), /Dominique Pat-Trois/);
    assert.match(await page.locator('main').innerText(), /Un professionnel de santé doit vous écrire en premier/);
    await saveScreenshot(page, 'mes-conversations-vide');
    const cookie = (await page.context().cookies()).find((c) => c.name === 'mes_session');
    assert.ok(cookie, 'session cookie kept by the browser');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.secure, true);
    assert.equal(cookie.sameSite, 'Lax');
    await page.context().close();
  });

  test('FranceConnect login cancelled, then refused by the identity provider: back on the login page with the reason', async () => {
    const context = await newFrenchContext(browser);
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    await page.goto(w.url);
    await page.getByRole('link', { name: "S'identifier avec FranceConnect" }).click();
    await page.getByRole('button', { name: /Annuler et revenir sur Mon Espace Santé/ }).click();
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /Vous avez annulé la connexion avec FranceConnect/);
    assert.equal(new URL(page.url()).origin, w.url);
    await saveScreenshot(page, 'mes-connexion-annulee');
    await page.getByRole('link', { name: "S'identifier avec FranceConnect" }).click();
    await page.getByRole('button', { name: /Simuler un refus/ }).click();
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /Le fournisseur d'identité a refusé la connexion/);
    assert.equal(
      (await context.cookies()).find((c) => c.name === 'mes_session'),
      undefined,
      'no session',
    );
    await page.goto(`${w.url}/messagerie`);
    assert.equal(new URL(page.url()).pathname, '/', 'the mailbox needs a session');
    await context.close();
  });

  test('R-MES-1: writing first is refused with the reason, and nothing is sent', async () => {
    const page = await login();
    await page.getByRole('link', { name: 'Écrire un nouveau message' }).click();
    await page.getByLabel('Adresse MSSanté du professionnel').fill(GP);
    await page.getByLabel('Objet').fill('Question');
    await page.getByLabel('Message').fill('Bonjour docteur');
    await page.getByRole('button', { name: 'Envoyer' }).click();
    await page.getByRole('heading', { name: 'Message non envoyé' }).waitFor();
    assert.match(await page.getByRole('alert').innerText(), /quand il vous aura écrit/);
    await saveScreenshot(page, 'mes-ecriture-refusee');
    assert.deepEqual(await queued(), []);
    // The conversation page shows the form disabled, with the same reason.
    await page.goto(`${w.url}/messagerie/conversation?avec=${encodeURIComponent(GP)}`);
    assert.equal(await page.getByLabel('Message').isDisabled(), true);
    assert.equal(await page.getByRole('button', { name: 'Envoyer' }).isDisabled(), true);
    assert.match(await page.locator('#raison').innerText(), /quand il vous aura écrit.*R-MES-1/s);
    await page.context().close();
  });

  test('conversations by professional, reading a message and its IHE_XDM attachment, the read receipt she agrees to send (R-MES-4)', async () => {
    const zip = Buffer.from('PK\x03\x04 a stand-in for an IHE_XDM archive', 'latin1');
    const id = await w.arrives(
      message({
        from: GP,
        name: 'Dr Paul Martin',
        subject: 'Résultats de votre bilan',
        id: 'bilan-1',
        extra: [`Disposition-Notification-To: <${GP}>`, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"'],
        body: [
          '--b1',
          'Content-Type: text/plain; charset=utf-8',
          '',
          'Bonjour Madame,\n\nVos résultats sont normaux. Le compte rendu est joint.\n\nDr Martin',
          '--b1',
          'Content-Type: application/zip; name="IHE_XDM.ZIP"',
          'Content-Disposition: attachment; filename="IHE_XDM.ZIP"',
          'Content-Transfer-Encoding: base64',
          '',
          zip.toString('base64'),
          '--b1--',
          '',
        ].join('\n'),
      }),
    );
    await w.arrives(message({ from: CARDIO, name: 'Service de cardiologie', subject: 'Rendez-vous', id: 'rdv-1' }));
    const page = await login();
    const rows = page.locator('tbody tr');
    assert.equal(await rows.count(), 2);
    assert.match(await page.locator('main').innerText(), /Dr Paul Martin/);
    assert.match(await page.locator('tr.unread').first().innerText(), /1 dont 1 non lu/);
    await saveScreenshot(page, 'mes-conversations');
    await page.getByRole('link', { name: /Dr Paul Martin/ }).click();
    await page.getByRole('link', { name: 'Résultats de votre bilan' }).click();
    await page.getByRole('heading', { name: 'Résultats de votre bilan' }).waitFor();
    assert.match(await page.locator('#corps').innerText(), /Vos résultats sont normaux/);
    // Named IHE_XDM.ZIP but not a zip: @mss/xdm refuses it (R-DOC-1), the patient gets the file and a note, not an error.
    assert.match(await page.locator('main').innerText(), /IHE_XDM\.ZIP\s+application\/zip/);
    assert.equal(
      await page.getByRole('note').innerText(),
      'Cette pièce n’a pas pu être lue comme un document de santé.',
      'the unreadable archive is said so, once',
    );
    assert.equal(await page.getByRole('article', { name: 'Document de santé' }).count(), 0);
    assert.match(await page.getByRole('region', { name: 'Accusé de lecture demandé' }).innerText(), /Dr Paul Martin demande à savoir/);
    await saveScreenshot(page, 'mes-message');
    // The attachment downloads as it was sent.
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'IHE_XDM.ZIP' }).click();
    assert.deepEqual(await downloadedBytes(await download), zip);
    // Opened is not agreed: nothing is sent until she says so.
    assert.deepEqual(await queued(), []);
    await page.getByRole('button', { name: "Envoyer l'accusé de lecture" }).click();
    await page.getByText('Accusé de lecture envoyé.').waitFor();
    assert.deepEqual(await queued(), [{ sender: '', recipient: GP }], 'one MDN, from the null sender (RFC 8098 §3)');
    assert.equal(await page.getByRole('button', { name: "Envoyer l'accusé de lecture" }).count(), 0, 'never twice');
    const summary = (await w.mes.messages(PATIENT, GP)).find((m) => m.id === id);
    assert.equal(summary?.mdnSent, true);
    await page.context().close();
  });

  test('replying to the professional: sent, in the conversation, queued from her address', async () => {
    const page = await login();
    await page.getByRole('link', { name: /Dr Paul Martin/ }).click();
    await page.getByRole('link', { name: 'Résultats de votre bilan' }).click();
    await page.getByLabel('Message').fill('Merci docteur, bonne journée.');
    await page.getByLabel('Demander un accusé de lecture').check();
    await page.getByRole('button', { name: 'Envoyer' }).click();
    await page.getByText('Votre message a été envoyé.').waitFor();
    // R-MES-4: she asked for a read receipt, to her own address.
    const sent = (await w.store.queue.list({})).at(-1);
    const raw = sent ? (await w.store.blobs.get(sent.blob_hash)).toString('utf8') : '';
    assert.match(raw, new RegExp(`^Disposition-Notification-To: <${PATIENT_ADDRESS}>\\r$`, 'm'));
    assert.match(await page.locator('tbody').innerText(), /Vous\s+Re: Résultats de votre bilan/);
    await saveScreenshot(page, 'mes-reponse-envoyee');
    assert.deepEqual((await queued()).at(-1), { sender: PATIENT_ADDRESS, recipient: GP });
    await page.context().close();
  });

  test('an IHE_XDM attachment is shown as its CDA document: title, LOINC type, date, author; the archive still downloads (§9)', async () => {
    const cda = await import('node:fs').then((fs) => fs.readFileSync(SAMPLE_DOCUMENTS.dischargeLetter));
    const archive = await buildXdm({ cda });
    await w.arrives(
      message({
        from: GP,
        name: 'Dr Paul Martin',
        subject: 'Votre lettre de liaison',
        id: 'xdm-1',
        extra: ['MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b2"'],
        body: [
          '--b2',
          'Content-Type: text/plain; charset=utf-8',
          '',
          'Bonjour Madame,\n\nVoici la lettre de liaison de votre séjour.\n\nDr Martin',
          '--b2',
          'Content-Type: application/zip; name="IHE_XDM.ZIP"',
          'Content-Disposition: attachment; filename="IHE_XDM.ZIP"',
          'Content-Transfer-Encoding: base64',
          '',
          ...(archive.toString('base64').match(/.{1,76}/g) ?? []),
          '--b2--',
          '',
        ].join('\n'),
      }),
    );
    const page = await login();
    await page.getByRole('link', { name: /Dr Paul Martin/ }).click();
    await page.getByRole('link', { name: 'Votre lettre de liaison' }).click();
    const doc = page.getByRole('article', { name: 'Document de santé' });
    await doc.waitFor();
    assert.equal(await doc.getByRole('heading').innerText(), 'Lettre de liaison à la sortie — service de cardiologie');
    const text = await doc.innerText();
    assert.match(text, /Lettre de liaison à la sortie d'un établissement de soins \(LOINC 11490-0\)/);
    assert.match(text, /20\/11\/2026 à 14 h 30/);
    assert.match(text, /GIRARD/);
    assert.match(text, /Centre hospitalier des Lilas/);
    assert.equal(await page.getByRole('note').count(), 0, 'a readable archive carries no warning');
    await saveScreenshot(page, 'mes-document');
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'IHE_XDM.ZIP' }).click();
    assert.deepEqual(await downloadedBytes(await download), archive, 'the archive as sent');
    await page.context().close();
  });

  test('an attachment over the limit is refused with the limit said, and nothing is sent', async () => {
    const before = (await queued()).length;
    const page = await login();
    await page.goto(`${w.url}/messagerie/conversation?avec=${encodeURIComponent(GP)}`);
    await page.getByLabel('Message').fill('Voici mon ordonnance');
    await page.locator('#pieces').setInputFiles({ name: 'scan.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(1536 * 1024, 1) });
    await page.getByRole('button', { name: 'Envoyer' }).click();
    await page.getByRole('heading', { name: 'Message non envoyé' }).waitFor();
    assert.match(await page.getByRole('alert').innerText(), /dépassent la taille autorisée : 1 Mio au plus/);
    await saveScreenshot(page, 'mes-piece-jointe-trop-grande');
    assert.equal((await queued()).length, before);
    await page.context().close();
  });

  test('a form without the session token is refused (CSRF), and nothing is sent', async () => {
    const before = (await queued()).length;
    const page = await login();
    const res = await page.request.post(`${w.url}/messagerie/envoyer`, {
      multipart: { a: GP, objet: 'Forgé', texte: 'sans jeton' },
      maxRedirects: 0,
    });
    assert.equal(res.status(), 403);
    assert.match(await res.text(), /Action refusée/);
    assert.equal((await queued()).length, before);
    await page.context().close();
  });

  test('R-MES-2: after X-MSS-MES: FIN she reads the message but cannot write; after [FIN] in the subject too', async () => {
    await w.arrives(message({ from: GP, name: 'Dr Paul Martin', subject: 'Fin du suivi', id: 'fin-1', extra: ['X-MSS-MES: FIN'] }));
    await w.arrives(message({ from: ANNE, name: 'Dr Anne Lambert', subject: 'Bonjour', id: 'anne-1' }));
    await w.arrives(message({ from: ANNE, name: 'Dr Anne Lambert', subject: '[FIN] Dernier message', id: 'anne-2' }));
    const before = (await queued()).length;
    const page = await login();
    assert.match(await page.locator('main').innerText(), /Échange terminé par le professionnel/);
    await page.getByRole('link', { name: /Dr Paul Martin/ }).click();
    await page.getByText('Le professionnel a mis fin à cet échange.').waitFor();
    assert.equal(await page.getByLabel('Message').isDisabled(), true);
    assert.equal(await page.getByRole('button', { name: 'Envoyer' }).isDisabled(), true);
    assert.match(await page.locator('#raison').innerText(), /mis fin à l'échange.*R-MES-2/s);
    await saveScreenshot(page, 'mes-echange-termine');
    await page.getByRole('link', { name: 'Fin du suivi' }).click();
    await page.getByRole('heading', { name: 'Fin du suivi' }).waitFor();
    assert.match(await page.locator('main').innerText(), /mis fin à l'échange \(X-MSS-MES: FIN\)/);
    // A hand-made POST with a valid token is refused by MES itself.
    const csrf = await page.locator('input[name=_csrf]').first().getAttribute('value');
    const res = await page.request.post(`${w.url}/messagerie/envoyer`, {
      multipart: { _csrf: csrf ?? '', a: GP, objet: 'Encore', texte: 'une question' },
      maxRedirects: 0,
    });
    assert.equal(res.status(), 403);
    assert.match(await res.text(), /mis fin à l/);
    await page.goto(`${w.url}/messagerie/conversation?avec=${encodeURIComponent(ANNE)}`);
    assert.equal(await page.getByLabel('Message').isDisabled(), true);
    assert.match(await page.locator('#raison').innerText(), /R-MES-2/);
    assert.equal((await queued()).length, before, 'nothing sent');
    await page.context().close();
  });

  test('an HTML body is sanitised: no script of the message runs in the patient’s browser', async () => {
    const id = await w.arrives(
      message({
        from: CARDIO,
        name: 'Service de cardiologie',
        subject: 'Compte rendu HTML',
        id: 'html-1',
        extra: ['MIME-Version: 1.0', 'Content-Type: text/html; charset=utf-8'],
        body: [
          '<p>Bonjour, <b>votre examen</b> est <i>normal</i>.</p>',
          '<script>window.__pwned = "script"; alert("script")</script>',
          '<img src="x" onerror="window.__pwned = \'onerror\'; alert(1)">',
          '<a href="javascript:window.__pwned=\'link\'" id="piege">cliquez</a>',
          '<svg onload="window.__pwned = \'svg\'"></svg>',
          '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
          '<p style="background:url(https://tracker.example/x)">suivi</p>',
        ].join('\n'),
      }),
    );
    const page = await login();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${w.url}/messagerie/message/${id}`);
    await page.getByRole('heading', { name: 'Compte rendu HTML' }).waitFor();
    assert.match(await page.locator('#corps').innerText(), /votre examen est normal/);
    assert.equal(await page.locator('#corps b').count(), 1, 'harmless formatting kept');
    const html = await page.locator('#corps').innerHTML();
    for (const bad of ['<script', 'onerror', 'onload', '<iframe', '<img', '<svg', 'javascript:', 'style='])
      assert.ok(!html.includes(bad), `${bad} removed: ${html}`);
    await page
      .locator('#corps a')
      .first()
      .click({ noWaitAfter: true })
      .catch(() => {});
    assert.equal(await page.evaluate(() => (globalThis as { __pwned?: string }).__pwned), undefined);
    assert.deepEqual(dialogs, []);
    await saveScreenshot(page, 'mes-message-html-assaini');
    await page.context().close();
  });

  test('logout goes through FranceConnect and ends the session', async () => {
    const page = await login();
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('button', { name: 'Oui, me déconnecter' }).click();
    await page.getByText('Vous êtes déconnecté de Mon Espace Santé.').waitFor();
    await page.goto(`${w.url}/messagerie`);
    assert.equal(new URL(page.url()).pathname, '/');
    await page.context().close();
  });
});
