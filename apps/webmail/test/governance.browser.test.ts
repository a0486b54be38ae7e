// The webmail in a real browser (Debian's chromium through @mss/browser-test): Pro Santé Connect
// login (code + PKCE, the e-CPS approval), the CGU acceptance of story 1 (R-CAB-4), the CAB's
// governance screens (R-CAB-3, R-CAB-6, R-CAB-7), delegations (R-DEL-2, R-DEL-4) and a delegation
// lost while the page is open (R-DEL-5, R-AUTH-4), an expired session, a session kept over a
// restart and ended by logout on the server. Screenshots go to
// docs/screenshots/webmail-*.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newFrenchContext, saveScreenshot, type Browser } from '@mss/browser-test';
import { rowId, unseal } from '../src/sealed.ts';
import { CAB, GP_PER, PEOPLE, login, startWorld, type World } from './support/world.ts';

let w: World;
let browser: Browser;

before(async () => {
  w = await startWorld();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await w?.close();
});

const audits = async () => w.store.audit.list({ limit: 10_000 });

test('story 1: Marc logs in, is asked to accept the CGU, accepts, opens the CAB; Claire transfers ownership; the history shows each step', {
  timeout: 180_000,
}, async () => {
  const marc = await (await newFrenchContext(browser)).newPage();
  marc.setDefaultTimeout(60_000);
  await marc.goto(`${w.base}/webmail`);
  assert.equal(await marc.getAttribute('html', 'lang'), 'fr');
  await saveScreenshot(marc, 'webmail-login');
  await login(marc, w.base, PEOPLE.marc);
  // R-CAB-4: not yet accepted, so the CAB is not opened and the CGU are asked for.
  assert.equal(new URL(marc.url()).pathname, '/webmail/cgu');
  const cookie = (await marc.context().cookies()).find((c) => c.name === 'mss_webmail')!;
  assert.deepEqual([cookie.httpOnly, cookie.sameSite, cookie.path], [true, 'Lax', '/webmail']);
  const refused = (await audits()).filter((a) => a.channel === 'webmail' && a.idnat === PEOPLE.marc);
  assert.ok(refused.some((a) => a.outcome === 'denied' && a.reason === 'cgu-not-accepted'));
  await saveScreenshot(marc, 'webmail-cgu');
  // Without ticking "J'ai lu", the browser does not send the form.
  await marc.getByRole('button', { name: 'J’accepte les conditions générales' }).click();
  assert.equal(new URL(marc.url()).pathname, '/webmail/cgu');
  await marc.getByLabel(/J’ai lu les conditions générales/).check();
  await marc.getByRole('button', { name: 'J’accepte les conditions générales' }).click();
  await marc.getByRole('heading', { name: 'Mes boîtes aux lettres' }).waitFor();
  assert.match(await marc.getByRole('status').innerText(), /Conditions générales acceptées/);
  const row = marc.getByRole('row', { name: new RegExp(CAB.replace(/\./g, '\\.')) });
  assert.match(await row.innerText(), /cabinet\s+cotitulaire/);
  await marc
    .getByRole('navigation', { name: 'Mes boîtes aux lettres' })
    .getByRole('link', { name: new RegExp(CAB.replace(/\./g, '\\.')) })
    .click();
  await marc.getByText('votre rôle : cotitulaire').waitFor();
  // A cotitulaire manages delegates, not cotitulaires (R-CAB-3, R-DEL-2), and reads no history.
  await marc.getByRole('link', { name: 'Gestion' }).click();
  assert.equal(await marc.getByRole('heading', { name: 'Ajouter un cotitulaire' }).count(), 0);
  assert.equal(await marc.getByRole('heading', { name: 'Délégations' }).count(), 1);
  assert.equal(await marc.getByRole('link', { name: 'Historique' }).count(), 0);

  // Claire, the owner, transfers ownership to Marc on the governance screen (R-CAB-6).
  const claire = await (await newFrenchContext(browser)).newPage();
  claire.setDefaultTimeout(60_000);
  await login(claire, w.base, PEOPLE.claire);
  await claire.goto(`${w.base}/webmail/bal/${encodeURIComponent(CAB)}/gestion`);
  await claire.getByText('votre rôle : propriétaire').waitFor();
  await saveScreenshot(claire, 'webmail-cab-gestion');
  await claire.getByLabel('Nouveau propriétaire').selectOption(PEOPLE.marc);
  await claire.getByLabel('Motif (facultatif)').fill('départ du cabinet');
  await claire.getByRole('button', { name: 'Transférer la propriété' }).click();
  await claire.getByRole('heading', { name: 'Mes boîtes aux lettres' }).waitFor();
  // Claire keeps no role on it (R-CAB-6).
  assert.equal(await claire.getByRole('link', { name: new RegExp(CAB.replace(/\./g, '\\.')) }).count(), 0);

  // Marc, now the owner, reads the history: CGU step is his, cotitulaires and the transfer are the CAB's (R-CAB-7).
  await marc.goto(`${w.base}/webmail/bal/${encodeURIComponent(CAB)}/historique`);
  await marc.getByText('votre rôle : propriétaire').waitFor();
  const history = await marc.locator('table.historique').innerText();
  assert.match(history, /Cotitulaire ajouté/);
  assert.match(history, /Propriété transférée : de Claire Dubois \(810000001130\) à Marc Lefèvre \(810000001213\)/);
  assert.match(history, /départ du cabinet/);
  await saveScreenshot(marc, 'webmail-historique');
  const view = await w.gov.getMailbox({ kind: 'operator-admin', name: 'admin' }, CAB);
  assert.equal(view.ownerIdnat, PEOPLE.marc);
});

test('the secretary opens the GP’s mailbox through her delegation and loses it live when the GP revokes it (R-DEL-5, R-AUTH-4)', {
  timeout: 180_000,
}, async () => {
  const julie = await (await newFrenchContext(browser)).newPage();
  julie.setDefaultTimeout(60_000);
  await login(julie, w.base, PEOPLE.julie);
  const switcher = julie.getByRole('navigation', { name: 'Mes boîtes aux lettres' });
  assert.match(await switcher.innerText(), /paul\.martin@operateur-a\.mssante\.fr\s+personnelle — délégation jusqu’au/);
  await switcher.getByRole('link', { name: /paul\.martin/ }).click();
  await julie.getByText('votre rôle : délégation').waitFor();
  await saveScreenshot(julie, 'webmail-delegation');
  // The page is open: the GP revokes the delegation on his governance screen.
  const gp = await (await newFrenchContext(browser)).newPage();
  gp.setDefaultTimeout(60_000);
  await login(gp, w.base, PEOPLE.gp);
  await gp.goto(`${w.base}/webmail/bal/${encodeURIComponent(GP_PER)}/gestion`);
  await gp.getByLabel('Motif de la révocation').fill('fin du contrat');
  await gp.getByRole('button', { name: /Révoquer la délégation de Julie Bernard/ }).click();
  assert.match(await gp.getByRole('status').innerText(), /Délégation révoquée/);
  // Julie's open page: the mailbox leaves the switcher and the page says why, without a reload.
  const alert = julie.getByRole('alert');
  await alert.waitFor();
  assert.match(
    await alert.innerText(),
    /Vous n’avez plus accès à paul\.martin@operateur-a\.mssante\.fr : délégation terminée \(fin du contrat\)/,
  );
  assert.equal(await switcher.getByRole('link', { name: /paul\.martin/ }).count(), 0);
  await saveScreenshot(julie, 'webmail-delegation-perdue');
  // And the server refuses the mailbox from now on.
  await julie.goto(`${w.base}/webmail/bal/${encodeURIComponent(GP_PER)}`);
  assert.match(await julie.getByRole('alert').innerText(), /plus, accès à cette boîte/);
  // The GP grants it again with an end date; the history shows both movements (R-DEL-4).
  await gp.getByLabel('IdNat du délégué').fill(PEOPLE.julie);
  await gp.getByLabel('Date de fin (facultative)').fill('2099-12-31');
  await gp.getByRole('button', { name: 'Accorder' }).click();
  assert.match(await gp.getByRole('status').innerText(), /Délégation accordée/);
  await gp.goto(`${w.base}/webmail/bal/${encodeURIComponent(GP_PER)}/historique`);
  const history = await gp.locator('table.historique').innerText();
  assert.match(history, /Délégation révoquée\s+Julie Bernard \(810000001478\)\s+Paul Martin \(810000001056\)\s+fin du contrat/);
  assert.match(history, /Délégation accordée jusqu’au 31\/12\/2099/);
});

test('bad input: a session idle too long goes back to login with the reason; a forged form is refused', { timeout: 120_000 }, async () => {
  const gp = await (await newFrenchContext(browser)).newPage();
  gp.setDefaultTimeout(60_000);
  await login(gp, w.base, PEOPLE.gp);
  // A form posted without the session's CSRF token (another site's form) changes nothing.
  const forged = await gp.request.post(`${w.base}/webmail/bal/${encodeURIComponent(GP_PER)}/gestion/delegations`, {
    form: { idnat: PEOPLE.sophie },
    maxRedirects: 0,
  });
  assert.equal(forged.status(), 403);
  assert.ok(
    !(await w.gov.getMailbox({ kind: 'operator-admin', name: 'admin' }, GP_PER)).delegations?.some(
      (d) => d.delegateIdnat === PEOPLE.sophie,
    ),
  );
  w.advance(31 * 60_000);
  await gp.goto(`${w.base}/webmail/boites`);
  assert.equal(new URL(gp.url()).pathname, '/webmail');
  assert.match(await gp.getByRole('status').innerText(), /Votre session a expiré\. Reconnectez-vous avec Pro Santé Connect\./);
  await saveScreenshot(gp, 'webmail-session-expiree');
});

test('a session is a row of the store: it survives a restart of the operator, sealed; logout deletes it on the server', {
  timeout: 120_000,
}, async () => {
  const gp = await (await newFrenchContext(browser)).newPage();
  gp.setDefaultTimeout(60_000);
  await login(gp, w.base, PEOPLE.gp);
  const cookie = (await gp.context().cookies()).find((c) => c.name === 'mss_webmail')!;
  const now = () => new Date().toISOString();
  const row = await w.store.webSessions.get(rowId(cookie.value), now());
  assert.equal(row?.subject, PEOPLE.gp);
  // Sealed with the cookie's secret: the database holds neither the secret nor a readable token.
  // (Ciphertext is random base64, so a bare "eyJ" may occur in it by chance, about once in fifty
  // rows, and even begin it once in 262,144: the checks look for a whole JWT or readable JSON,
  // never three letters.)
  assert.doesNotMatch(row.data, /accessToken|refreshToken|eyJ[\w-]{8,}\.eyJ/);
  assert.doesNotMatch(Buffer.from(row.data, 'base64').toString('latin1'), /accessToken|refreshToken|eyJ[\w-]{8,}\./);
  assert.throws(() => JSON.parse(Buffer.from(row.data, 'base64').toString('utf8')), SyntaxError, 'not the session in base64 JSON');
  assert.ok(!row.data.includes(cookie.value), 'the cookie itself is not stored');
  assert.equal(unseal(`${cookie.value}x`, row.data), undefined, 'another secret opens nothing');
  assert.match(JSON.stringify(unseal(cookie.value, row.data)), /accessToken/, 'the cookie opens it');
  assert.equal(await w.store.webSessions.get(cookie.value, now()), undefined);

  // A new process on the same store: nothing of the old one's memory, the same session.
  await gp.goto('about:blank');
  await w.restart();
  await gp.goto(`${w.base}/webmail/boites`);
  assert.equal(new URL(gp.url()).pathname, '/webmail/boites');
  assert.match(await gp.getByRole('navigation', { name: 'Mes boîtes aux lettres' }).innerText(), /paul\.martin@/);

  await gp.getByRole('button', { name: 'Se déconnecter' }).click();
  assert.equal(new URL(gp.url()).search, '?fin=deconnecte');
  assert.equal(await w.store.webSessions.get(rowId(cookie.value), now()), undefined);
  // The old cookie, replayed, opens nothing.
  const replay = await fetch(`${w.base}/webmail/boites`, { headers: { cookie: `mss_webmail=${cookie.value}` }, redirect: 'manual' });
  assert.equal(replay.status, 303);
  assert.match(replay.headers.get('location') ?? '', /^\/webmail\?fin=/);
});
