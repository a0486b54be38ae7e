// The indicators dashboard (R-IND-1) in a real browser (Debian's chromium): the administrator logs
// in on the form, sees the month's figures as SVG charts by mailbox type, document type and Mon
// Espace Santé exchanges — each chart named for screen readers and repeated as a table — downloads
// the CSV, logs out. The screenshot is docs/screenshots/indicators-dashboard.png (README).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newFrenchContext, saveScreenshot, type Browser } from '@mss/browser-test';
import { indicatorPeriod, NO_DOCUMENTS, type DocumentFacts } from '@mss/domain';
import type { NewIndicatorEvent } from '@mss/store';
import { ADMIN_PASSWORD, DOMAIN, startWorld, type World } from './support/world.ts';

let w: World;
let browser: Browser;
const period = indicatorPeriod(new Date());

const CDA = (code: string, insQualified = true): DocumentFacts => ({ typeCodes: [code], insQualified, mismatches: [] });

before(async () => {
  w = await startWorld();
  browser = await launchBrowser();
  // A month of a small operator: a practice, a GP and his secretary, a hospital's ORG and APP mailboxes.
  const box = (mailbox: string, mailboxType: NewIndicatorEvent['mailboxType'], id: number) => ({
    mailbox: `${mailbox}@${DOMAIN}`,
    mailboxType,
    mailboxId: id,
  });
  const CAB = box('cabinet.infirmiers-des-lilas', 'CAB', 1);
  const PER = box('paul.martin', 'PER', 2);
  const ORG = box('cardiologie.ch-lilas', 'ORG', 3);
  const APP = box('labo-resultats.ch-lilas', 'APP', 4);
  const events: NewIndicatorEvent[] = [];
  let n = 0;
  const add = (count: number, e: Omit<NewIndicatorEvent, 'period' | 'messageRef'>) => {
    for (let i = 0; i < count; i++) events.push({ ...e, period, messageRef: `m${n++}` });
  };
  add(6, { direction: 'sent', idnat: '810000001395', ...CAB, documents: NO_DOCUMENTS, mes: false });
  add(3, { direction: 'sent', idnat: '810000001213', ...CAB, documents: NO_DOCUMENTS, mes: false });
  add(9, { direction: 'received', idnat: '810000001130', ...CAB, documents: CDA('11490-0'), mes: false });
  add(12, { direction: 'sent', idnat: '810000001056', ...PER, documents: NO_DOCUMENTS, mes: true });
  add(4, { direction: 'sent', idnat: '810000001478', ...PER, documents: NO_DOCUMENTS, mes: false });
  add(7, { direction: 'received', idnat: '810000001056', ...PER, documents: NO_DOCUMENTS, mes: true });
  add(14, { direction: 'sent', idnat: '810000001551', ...ORG, documents: CDA('11490-0'), mes: false });
  add(2, {
    direction: 'sent',
    idnat: '810000001551',
    ...ORG,
    documents: { ...CDA('11490-0'), mismatches: ['codecda-mismatch'] },
    mes: false,
  });
  add(20, { direction: 'sent', idnat: '1930000019', ...APP, documents: CDA('11502-2', false), mes: false });
  await w.store.indicators.record(events);
});
after(async () => {
  await browser.close();
  await w.close();
});

test('login, the month’s charts (accessible), the CSV, logout', { timeout: 120_000 }, async () => {
  const context = await newFrenchContext(browser);
  const page = await context.newPage();

  // Not logged in: the page sends the browser to the form.
  await page.goto(`${w.base}/indicateurs`);
  assert.equal(new URL(page.url()).pathname, '/indicateurs/connexion');
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  await page.getByLabel('Mot de passe').fill('wrong');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  assert.equal(await page.getByRole('alert').textContent(), 'Identifiant ou mot de passe incorrect.');
  const refused = (await w.store.audit.list({ limit: 1000 })).at(-1)!;
  assert.deepEqual([refused.channel, refused.outcome, refused.reason], ['webmail', 'denied', 'invalid-token:bad-admin-credentials']);

  await page.getByLabel('Mot de passe').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  assert.equal(new URL(page.url()).pathname, '/indicateurs');
  assert.match((await page.getByRole('heading', { level: 1 }).textContent()) ?? '', /Indicateurs Ségur — operateur-a\.mssante\.fr/);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'mss_indicateurs')!;
  assert.deepEqual([session.httpOnly, session.sameSite, session.path], [true, 'Strict', '/indicateurs']);
  const read = (await w.store.audit.list({ limit: 1000 })).at(-1)!;
  assert.deepEqual(
    [read.action, read.outcome, read.channel],
    ['read-indicators', 'allowed', 'webmail'],
    'the reading is decided and audited',
  );

  // The totals: 61 messages sent (CAB 9, PER 16, ORG 16, APP 20), 16 received.
  const cards = await page.locator('.cards li').allTextContents();
  assert.ok(cards.includes('61Messages envoyés'), cards.join(' | '));
  assert.ok(cards.includes('16Messages reçus'));
  assert.ok(cards.includes('19Échanges avec Mon Espace Santé'));
  assert.ok(cards.includes('2Envois avec en-têtes incohérents'));

  // Three charts, each an image with a name and a description that says its figures, and its table.
  const charts = page.getByRole('img');
  assert.equal(await charts.count(), 3);
  const byType = page.getByRole('img', { name: /Messages par type de BAL/ });
  assert.match((await byType.getAttribute('aria-labelledby')) ?? '', /chart-types-title chart-types-desc/);
  assert.equal(
    await page.locator('#chart-types-desc').textContent(),
    'PER : Envoyés 16, Reçus 7 ; ORG : Envoyés 16, Reçus 0 ; APP : Envoyés 20, Reçus 0 ; CAB : Envoyés 9, Reçus 9',
  );
  const typeTable = page.getByRole('region', { name: 'Par type de boîte aux lettres' }).getByRole('table');
  assert.equal(await typeTable.getByRole('row', { name: /^PER/ }).textContent(), 'PER167');
  const documents = page.getByRole('region', { name: 'Par type de document CDA' }).getByRole('table');
  assert.equal(await documents.getByRole('row', { name: /11490-0/ }).textContent(), '11490-0 Lettre de liaison de sortie169');
  assert.equal(await documents.getByRole('row', { name: /11502-2/ }).textContent(), '11502-2 Compte rendu de biologie200');
  const mes = page.getByRole('region', { name: 'Échanges avec Mon Espace Santé' }).getByRole('table');
  assert.equal(await mes.getByRole('row', { name: /Vers les patients/ }).textContent(), 'Vers les patients12');
  await saveScreenshot(page, 'indicators-dashboard');

  // The export, with the session's cookie (the same rows as the API's CSV).
  const csv = await page.request.get(`${w.base}/indicateurs/export.csv?mois=${period}`);
  assert.equal(csv.status(), 200);
  assert.match(csv.headers()['content-disposition'] ?? '', new RegExp(`indicateurs-${period}\\.csv`));
  const lines = (await csv.text()).trimEnd().split('\r\n');
  assert.equal(lines[0], 'period,operator,idnat,mailbox,mailbox_type,indicator,code,value');
  assert.ok(lines.includes(`${period},${DOMAIN},810000001395,cabinet.infirmiers-des-lilas@${DOMAIN},CAB,messages-sent,,6`));

  // Another month: nothing, said in words.
  await page.getByLabel('Mois').fill('2020-01');
  await page.getByRole('button', { name: 'Afficher' }).click();
  assert.match(page.url(), /mois=2020-01/);
  assert.ok(await page.getByText('Aucun message avec un document CDA ce mois-ci.').isVisible());
  assert.match((await page.getByRole('heading', { level: 2 }).first().textContent()) ?? '', /janvier 2020/);

  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  assert.equal(new URL(page.url()).pathname, '/indicateurs/connexion');
  await page.goto(`${w.base}/indicateurs`);
  assert.equal(new URL(page.url()).pathname, '/indicateurs/connexion', 'the session is over');
  await context.close();
});

test('without the session cookie: the page and the CSV send to the login form; the API still wants credentials', async () => {
  for (const path of ['/indicateurs', `/indicateurs/export.csv?mois=${period}`]) {
    const res = await fetch(`${w.base}${path}`, { redirect: 'manual' });
    assert.equal(res.status, 303, path);
    assert.equal(res.headers.get('location'), '/indicateurs/connexion');
  }
  const forged = await fetch(`${w.base}/indicateurs`, { redirect: 'manual', headers: { cookie: 'mss_indicateurs=forged' } });
  assert.equal(forged.status, 303);
  const api = await w.call('GET', `/api/v1/indicators?month=${period}`, null);
  assert.equal(api.status, 401);
});
