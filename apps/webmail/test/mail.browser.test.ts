// The webmail's mail screens in chromium, on the operator's JMAP endpoint (RFC 8621) with the
// person's PSC token: folders and threads, search, reading (HTML sanitised, remote images blocked
// until asked: a hostile corpus runs no script and sends no request), attachments downloaded,
// an IHE_XDM attachment shown as its health document (R-DOC-1), reply and forward prefilled,
// drafts, an attachment over the limit refused before anything is uploaded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { downloadedBytes, launchBrowser, newFrenchContext, saveScreenshot, type Browser, type Page } from '@mss/browser-test';
import { SAMPLE_DOCUMENTS, buildXdm } from '@mss/xdm';
import fs from 'node:fs';
import { GP_PER, PEOPLE, login, mime, startWorld, type World } from './support/world.ts';

let w: World;
let browser: Browser;
let tracker: http.Server;
let trackerBase: string;
const trackerHits: string[] = [];
const LIMIT = 1024 * 1024;

before(async () => {
  w = await startWorld({ maxAttachmentBytes: LIMIT });
  browser = await launchBrowser();
  // A server outside the operator, standing for a sender's tracker: nothing may reach it unasked.
  tracker = http.createServer((req, res) => {
    trackerHits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'image/gif' });
    res.end(Buffer.from('R0lGODlhAQABAAAAACw=', 'base64'));
  });
  await new Promise<void>((r) => tracker.listen(0, '127.0.0.1', r));
  trackerBase = `http://127.0.0.1:${(tracker.address() as AddressInfo).port}`;
});
after(async () => {
  await browser?.close();
  await w?.close();
  tracker?.close();
});

const FROM = 'Dr Anne Lambert <anne.lambert@operateur-b.mssante.fr>';

async function gpPage(): Promise<Page> {
  const page = await (await newFrenchContext(browser)).newPage();
  page.setDefaultTimeout(60_000);
  await login(page, w.base, PEOPLE.gp);
  return page;
}

test('threads, search, reading a message with an attachment, reply and forward prefilled, a draft saved', {
  timeout: 180_000,
}, async () => {
  const first = mime(
    {
      From: FROM,
      To: `<${GP_PER}>`,
      Subject: 'Avis cardiologique',
      'Message-ID': '<avis-1@operateur-b.mssante.fr>',
      Date: 'Mon, 30 Nov 2026 09:00:00 +0100',
      'Content-Type': 'multipart/mixed; boundary="b1"',
    },
    '--b1\nContent-Type: text/plain; charset=utf-8\n\nBonjour,\nvoici mon avis sur M. Durand.\n--b1\nContent-Type: text/plain; name="avis.txt"\nContent-Disposition: attachment; filename="avis.txt"\n\nECG normal.\n--b1--\n',
  );
  const second = mime(
    {
      From: FROM,
      To: `<${GP_PER}>`,
      Subject: 'Re: Avis cardiologique',
      'Message-ID': '<avis-2@operateur-b.mssante.fr>',
      'In-Reply-To': '<avis-1@operateur-b.mssante.fr>',
      References: '<avis-1@operateur-b.mssante.fr>',
      Date: 'Tue, 1 Dec 2026 09:00:00 +0100',
      'Content-Type': 'text/plain; charset=utf-8',
    },
    'Complément : échographie prévue.\n',
  );
  const other = mime(
    {
      From: 'Laboratoire <labo-resultats.ch-lilas@operateur-a.mssante.fr>',
      To: `<${GP_PER}>`,
      Subject: 'Résultats HbA1c',
      Date: 'Wed, 2 Dec 2026 09:00:00 +0100',
      'Content-Type': 'text/plain; charset=utf-8',
    },
    'HbA1c 6,1 %\n',
  );
  for (const raw of [first, second, other]) await w.deliver(PEOPLE.gp, GP_PER, raw);

  const page = await gpPage();
  await page.goto(`${w.base}/webmail/bal/${encodeURIComponent(GP_PER)}`);
  const list = page.locator('ul.messages');
  // Two threads: the cardiology one (2 messages, RFC 8621 collapseThreads) and the lab's.
  assert.equal(await list.locator('li').count(), 2);
  assert.match(await list.locator('li').nth(1).innerText(), /Re: Avis cardiologique \(2\)/);
  assert.match(await page.getByRole('navigation', { name: 'Dossiers' }).innerText(), /Boîte de réception\s*3\s*non lus/);
  await saveScreenshot(page, 'webmail-courrier');

  // Search across the mailbox (Email/query text filter).
  await page.getByLabel('Rechercher dans cette boîte').fill('HbA1c');
  await page.getByRole('button', { name: 'Rechercher' }).click();
  assert.match(await page.getByRole('heading', { level: 2, name: /Résultats pour « HbA1c »/ }).innerText(), /1 fil/);
  assert.equal(await list.locator('li').count(), 1);
  // A word of the reply's body (RFC 8621 §4.4.1 body): its thread, the word marked (SearchSnippet/get, §5).
  await page.getByLabel('Rechercher dans cette boîte').fill('corps:échographie');
  await page.getByRole('button', { name: 'Rechercher' }).click();
  assert.equal(await list.locator('li').count(), 1);
  assert.match(await list.locator('li').innerText(), /Re: Avis cardiologique \(2\)/);
  assert.equal(await list.locator('.apercu mark').innerText(), 'échographie');
  await page.getByLabel('Rechercher dans cette boîte').fill('de:lambert pj');
  await page.getByRole('button', { name: 'Rechercher' }).click();
  assert.match(await list.innerText(), /Avis cardiologique/, 'from and hasAttachment: the first message, with its thread');
  assert.equal(await list.locator('li').count(), 1);

  // Reading: the thread, the attachment downloaded (never rendered in our origin), marked read.
  await page.goto(`${w.base}/webmail/bal/${encodeURIComponent(GP_PER)}`);
  await list.getByRole('link', { name: /Re: Avis cardiologique/ }).click();
  // The thread of two messages (RFC 8621 §3: the reply joined by In-Reply-To), oldest first.
  const fil = page.getByRole('navigation', { name: 'Fil de discussion' });
  assert.match(await fil.getByRole('heading').innerText(), /Fil de discussion \(2 messages\)/);
  assert.deepEqual(
    (await fil.getByRole('link').allInnerTexts()).map((t) => t.split(' — ')[1]?.split(',')[0]),
    ['Avis cardiologique', 'Re: Avis cardiologique'],
  );
  await saveScreenshot(page, 'webmail-fil');
  await fil.getByRole('link', { name: /— Avis cardiologique,/ }).click();
  assert.match(await page.locator('.corps-texte').innerText(), /voici mon avis sur M\. Durand/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'avis.txt' }).click()]);
  assert.equal(download.suggestedFilename(), 'avis.txt');
  assert.equal((await downloadedBytes(download)).toString('utf8').trim(), 'ECG normal.');
  await saveScreenshot(page, 'webmail-message');

  // Reply: to the sender, "Re:", the quote, and the references of the thread (RFC 5322 §3.6.4).
  await page.getByRole('link', { name: 'Répondre', exact: true }).click();
  assert.equal(await page.getByLabel('À').inputValue(), FROM);
  assert.equal(await page.getByLabel('Objet').inputValue(), 'Re: Avis cardiologique');
  assert.match(await page.getByLabel('Message').inputValue(), /a écrit :\n> Bonjour,\n> voici mon avis/);
  assert.equal(await page.locator('input[name=en_reponse_a]').inputValue(), 'avis-1@operateur-b.mssante.fr');
  // Saved as a draft: it is in Brouillons, and opens again in the form.
  await page.getByLabel('Message').fill('Merci, je le reçois jeudi.');
  await page.getByRole('button', { name: 'Enregistrer le brouillon' }).click();
  assert.match(await page.getByRole('status').innerText(), /Brouillon enregistré/);
  await page
    .getByRole('navigation', { name: 'Dossiers' })
    .getByRole('link', { name: /Brouillons/ })
    .click();
  await page
    .locator('ul.messages')
    .getByRole('link', { name: /Re: Avis cardiologique/ })
    .click();
  await page.getByRole('link', { name: 'Reprendre le brouillon' }).click();
  assert.equal(await page.getByLabel('Message').inputValue(), 'Merci, je le reçois jeudi.');
  assert.equal(await page.getByLabel('À').inputValue(), FROM);

  // Forward: "Tr:", no recipient yet, the attachment kept.
  await page.goto(`${w.base}/webmail/bal/${encodeURIComponent(GP_PER)}`);
  await page
    .locator('ul.messages')
    .getByRole('link', { name: /Re: Avis cardiologique/ })
    .click();
  await page
    .getByRole('navigation', { name: 'Fil de discussion' })
    .getByRole('link', { name: /— Avis cardiologique,/ })
    .click();
  await page.getByRole('link', { name: 'Transférer' }).click();
  assert.equal(await page.getByLabel('Objet').inputValue(), 'Tr: Avis cardiologique');
  assert.equal(await page.getByLabel('À').inputValue(), '');
  assert.equal(await page.getByRole('checkbox', { name: /avis\.txt/ }).isChecked(), true);
});

test('an IHE_XDM attachment is shown as its health document (R-DOC-1)', { timeout: 120_000 }, async () => {
  const xdm = await buildXdm({ cda: fs.readFileSync(SAMPLE_DOCUMENTS.dischargeLetter) });
  const raw = mime(
    {
      From: 'Service de cardiologie <cardiologie.ch-lilas@operateur-a.mssante.fr>',
      To: `<${GP_PER}>`,
      Subject: 'Lettre de liaison',
      'Content-Type': 'multipart/mixed; boundary="x1"',
    },
    `--x1\nContent-Type: text/plain; charset=utf-8\n\nLettre de liaison de votre patiente.\n--x1\nContent-Type: application/zip\nContent-Disposition: attachment; filename="IHE_XDM.ZIP"\nContent-Transfer-Encoding: base64\n\n${xdm.toString('base64').replace(/.{76}/g, '$&\n')}\n--x1--\n`,
  );
  await w.deliver(PEOPLE.gp, GP_PER, raw);
  const page = await gpPage();
  await page.goto(`${w.base}/webmail/bal/${encodeURIComponent(GP_PER)}?q=liaison`);
  await page
    .locator('ul.messages')
    .getByRole('link', { name: /Lettre de liaison/ })
    .click();
  const docs = page.getByRole('region', { name: /Documents de santé de IHE_XDM\.ZIP/ });
  assert.match(await docs.innerText(), /Type\s+.*\(LOINC 11490-0\)/);
  assert.match(await docs.innerText(), /Télécharger l’archive IHE_XDM\.ZIP/);
  await saveScreenshot(page, 'webmail-document-xdm');
});

test('hostile HTML: no script runs and no request leaves the page; remote images only when asked', { timeout: 120_000 }, async () => {
  const t = trackerBase;
  const hostile = [
    '<p id="texte">Bonjour docteur</p>',
    '<script>window.__pwned = "script"</script>',
    `<img src="${t}/pixel.gif" onerror="window.__pwned='onerror'" alt="suivi">`,
    `<img src=x onerror="window.__pwned='onerror2'">`,
    `<img srcset="${t}/srcset.gif 1x">`,
    '<svg onload="window.__pwned=\'svg\'"><script>window.__pwned="svg-script"</script></svg>',
    '<iframe src="javascript:parent.__pwned=\'iframe\'"></iframe>',
    '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
    '<a href="javascript:window.__pwned=\'link\'" id="piege">cliquez</a>',
    '<a href="data:text/html,<script>alert(1)</script>">data</a>',
    `<style>body{background:url(${t}/style.png)}</style>`,
    `<div style="background-image:url(${t}/inline.png)">fond</div>`,
    `<link rel="stylesheet" href="${t}/x.css">`,
    `<meta http-equiv="refresh" content="0;url=${t}/refresh">`,
    `<form action="${t}/form" method="post"><input name="x" value="1"><button id="envoi">Envoyer</button></form>`,
    `<object data="${t}/object"></object><embed src="${t}/embed">`,
    `<base href="${t}/"><a href="relative">relatif</a>`,
    `<video poster="${t}/poster.png" src="${t}/v.mp4" autoplay></video><audio src="${t}/a.mp3" autoplay></audio>`,
    `<table background="${t}/table.png"><tr><td>t</td></tr></table>`,
    `<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned='mxss'">`,
    `<noscript><p title="</noscript><img src=x onerror=window.__pwned='noscript'>"></noscript>`,
    `<details open ontoggle="window.__pwned='toggle'">x</details>`,
  ].join('\n');
  await w.deliver(
    PEOPLE.gp,
    GP_PER,
    mime({ From: FROM, To: `<${GP_PER}>`, Subject: 'Corpus hostile', 'Content-Type': 'text/html; charset=utf-8' }, hostile),
  );
  const page = await gpPage();
  const leaving: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(w.base) && !r.url().startsWith('data:')) leaving.push(r.url());
  });
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });
  await page.goto(`${w.base}/webmail/bal/${encodeURIComponent(GP_PER)}?q=hostile`);
  await page
    .locator('ul.messages')
    .getByRole('link', { name: /Corpus hostile/ })
    .click();
  await page.getByText('Bonjour docteur').waitFor();
  await page
    .locator('#piege')
    .click({ timeout: 5000 })
    .catch(() => {});
  await page.waitForLoadState('networkidle');
  assert.equal(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned), undefined);
  assert.equal(dialogs, 0);
  const html = await page.locator('.corps-html').innerHTML();
  for (const bad of [
    '<script',
    'onerror',
    'onload',
    'ontoggle',
    '<iframe',
    '<img',
    '<svg',
    'javascript:',
    'style=',
    '<form',
    '<base',
    '<meta',
    '<object',
    '<embed',
  ])
    assert.ok(!html.toLowerCase().includes(bad), `${bad} left in the page`);
  assert.deepEqual(leaving, []);
  assert.equal(trackerHits.length, 0, `tracker reached: ${trackerHits.join(', ')}`);
  // The reader is told images were blocked, and may ask for them: then (and only then) they load.
  assert.match(await page.locator('#images-bloquees').innerText(), /images distantes de ce message ont été bloquées/);
  await saveScreenshot(page, 'webmail-html-bloque');
  await page.getByRole('link', { name: 'Afficher les images' }).click();
  await page.getByText('Bonjour docteur').waitFor();
  await page.waitForLoadState('networkidle');
  assert.ok(trackerHits.includes('/pixel.gif'), `asked images load: ${trackerHits.join(', ')}`);
  assert.equal(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned), undefined);
});

test('an attachment over the limit is refused before anything is uploaded', { timeout: 120_000 }, async () => {
  const page = await gpPage();
  await page.goto(`${w.base}/webmail/bal/${encodeURIComponent(GP_PER)}/ecrire`);
  const posted: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST') posted.push(r.url());
  });
  await page.getByLabel('À').fill('anne.lambert@operateur-b.mssante.fr');
  await page.getByLabel('Objet').fill('Imagerie');
  await page
    .getByLabel(/Pièces jointes/)
    .setInputFiles({ name: 'scanner.dcm', mimeType: 'application/dicom', buffer: Buffer.alloc(LIMIT + 1, 7) });
  const alert = page.locator('#pieces-trop-gros');
  await alert.waitFor();
  assert.match(await alert.innerText(), /Les pièces jointes font 1,0 Mo|Les pièces jointes font 1\.0 Mo/);
  assert.match(await alert.innerText(), /au plus 1 Mo par message\. Rien n’a été envoyé\./);
  await page.getByRole('button', { name: 'Envoyer' }).click();
  await page.getByRole('button', { name: 'Enregistrer le brouillon' }).click();
  assert.deepEqual(posted, []);
  await saveScreenshot(page, 'webmail-piece-trop-grosse');
  // The server holds the same line for a client without the script: 413, nothing stored.
  const csrf = await page.locator('input[name=_csrf]').first().inputValue();
  const form = new FormData();
  form.set('_csrf', csrf);
  form.set('a', 'anne.lambert@operateur-b.mssante.fr');
  form.set('action', 'brouillon');
  form.set('pieces', new Blob([Buffer.alloc(LIMIT + 1, 7)]), 'scanner.dcm');
  const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  const res = await fetch(`${w.base}/webmail/bal/${encodeURIComponent(GP_PER)}/envoyer`, {
    method: 'POST',
    body: form,
    headers: { cookie, origin: w.base },
  });
  assert.equal(res.status, 413);
  assert.match(await res.text(), /dépassent la taille autorisée : 1,0 Mo|dépassent la taille autorisée : 1\.0 Mo/);
});
