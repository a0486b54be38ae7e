// The portal in a real browser (Debian's chromium through playwright-core), story 2's first half
// (domain reference §7, §12): Julie registers through FranceConnect (her civil status prefilled,
// her employer found by name, a duplicate refused with the reason); another titular cannot
// validate it (§7) nor post a form without its token (CSRF); Dr Martin logs in with Pro
// Santé Connect (code + PKCE, approved on the e-CPS) and validates; Julie sees her RPPS after the
// delay and activates her e-CPS, after which PSC gives her tokens; Dr Martin refuses an end date
// in the past, then ends her situation now; the history shows every step. Screenshots go to
// docs/screenshots/.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { checkRpps } from '@mss/domain';
import { launchBrowser, newFrenchContext, saveScreenshot, type Browser, type Page } from '@mss/browser-test';
import { cibaToken } from '@mss/psc';
import { GP, startWorld, type World } from './support/world.ts';

const TIMEOUT = 60_000;

describe('the RPPS+ portal in chromium', { timeout: 10 * TIMEOUT }, () => {
  let w: World;
  let browser: Browser;
  let julie: Page;
  let martin: Page;
  before(async () => {
    w = await startWorld();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await w?.close();
  });

  test('Julie logs in with FranceConnect and asks Dr Martin, found by name, to register her; a second request is refused', async () => {
    const context = await newFrenchContext(browser);
    julie = await context.newPage();
    julie.setDefaultTimeout(TIMEOUT);
    await julie.goto(w.url);
    await saveScreenshot(julie, 'rpps-plus-accueil');
    await julie.getByRole('link', { name: "S'identifier avec FranceConnect" }).click();
    await julie.getByRole('heading', { name: /Je me connecte à Portail RPPS\+.* avec FranceConnect/ }).waitFor();
    await julie.getByRole('button', { name: /Julie Marie BERNARD/ }).click();
    await julie.getByRole('button', { name: /Continuer sur Portail RPPS\+/ }).click();
    await julie.getByRole('heading', { name: "Mes demandes d'enregistrement" }).waitFor();
    assert.match(await julie.locator('header').innerText(), /Julie Marie BERNARD/);
    const cookie = (await context.cookies()).find((c) => c.name === 'rpps_session');
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Lax');

    await julie.getByRole('link', { name: "Nouvelle demande d'enregistrement" }).click();
    // Civil status prefilled from FranceConnect's identity pivot.
    assert.equal(await julie.getByLabel('Nom de naissance').inputValue(), 'BERNARD');
    assert.equal(await julie.getByLabel('Prénoms').inputValue(), 'Julie Marie');
    assert.equal(await julie.getByLabel('Date de naissance').inputValue(), '1991-07-04');
    assert.equal(await julie.getByLabel('Civilité').inputValue(), 'MME');
    await julie.getByLabel('Nom de famille ou numéro RPPS du professionnel').fill('Martin');
    await julie.getByRole('button', { name: 'Rechercher' }).click();
    await julie.getByLabel(/Cabinet du Dr Martin — 27 boulevard de la Liberté/).check();
    await julie.getByLabel('Adresse électronique').fill('julie.bernard@example.fr');
    await saveScreenshot(julie, 'rpps-plus-demande-secretaire');
    await julie.getByRole('button', { name: 'Envoyer ma demande' }).click();
    await julie.getByRole('status').filter({ hasText: 'Votre demande a été envoyée' }).waitFor();
    assert.match(await julie.locator('main').innerText(), /En attente de la validation de Paul Martin/);
    await saveScreenshot(julie, 'rpps-plus-demande-envoyee');

    // A duplicate: refused with the reason, and what she typed is still on the page.
    await julie.getByRole('link', { name: "Nouvelle demande d'enregistrement" }).click();
    await julie.getByLabel('Nom de famille ou numéro RPPS du professionnel').fill(GP.slice(1));
    await julie.getByRole('button', { name: 'Rechercher' }).click();
    await julie.getByLabel(/Cabinet du Dr Martin/).check();
    await julie.getByLabel('Téléphone').fill('01 02 03 04 05');
    await julie.getByRole('button', { name: 'Envoyer ma demande' }).click();
    const alert = julie.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /déjà une demande en attente auprès de Paul Martin/);
    assert.equal(await julie.getByLabel('Téléphone').inputValue(), '01 02 03 04 05');
    const rows = await w.ownDb.selectFrom('rpps_plus_requests').selectAll().execute();
    assert.equal(rows.length, 1, 'one request recorded');
  });

  test('another titular sees no request addressed to Dr Martin; her posting a validation of it is refused (§7), a form without its token too', async () => {
    const context = await newFrenchContext(browser);
    const claire = await context.newPage();
    claire.setDefaultTimeout(TIMEOUT);
    await claire.goto(w.url);
    await claire.getByRole('link', { name: 'Se connecter avec Pro Santé Connect' }).click();
    await claire.getByRole('button', { name: /Claire Dubois/ }).click();
    await claire.getByRole('button', { name: 'Approuver' }).click();
    await claire.getByRole('heading', { name: 'Mes secrétaires et assistants médicaux' }).waitFor();
    assert.match(await claire.locator('main').innerText(), /Demandes en attente \(0\)/);
    const id = (await w.ownDb.selectFrom('rpps_plus_requests').select('id').executeTakeFirstOrThrow()).id;
    // A form of her own session, pointed at Dr Martin's request, as a crafted page would.
    // (a string: the page's DOM types are not in this project's TypeScript library)
    const post = (withToken: boolean) =>
      claire.evaluate(`(() => {
        const form = document.createElement('form');
        form.method = 'post';
        form.action = '/titulaire/demandes/${id}/valider';
        const csrf = document.querySelector('input[name=_csrf]');
        if (${withToken} && csrf) form.append(csrf.cloneNode());
        document.body.append(form);
        form.submit();
      })()`);
    await Promise.all([claire.waitForNavigation(), post(true)]);
    assert.match(await claire.getByRole('alert').innerText(), /adressée à un autre professionnel : seul l’employeur qu’elle désigne/);
    await saveScreenshot(claire, 'rpps-plus-demande-d-un-autre');
    await claire.goto(`${w.url}/titulaire`);
    await Promise.all([claire.waitForNavigation(), post(false)]);
    assert.match(await claire.getByRole('alert').innerText(), /Ce formulaire a expiré ou ne vient pas du portail RPPS\+/);
    const row = await w.ownDb.selectFrom('rpps_plus_requests').select('status').where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'pending', 'nothing changed');
    await context.close();
  });

  test('Dr Martin logs in with Pro Santé Connect (e-CPS) and validates: Julie gets an RPPS after the delay', async () => {
    const context = await newFrenchContext(browser);
    martin = await context.newPage();
    martin.setDefaultTimeout(TIMEOUT);
    await martin.goto(w.url);
    await martin.getByRole('link', { name: 'Se connecter avec Pro Santé Connect' }).click();
    await martin.getByRole('heading', { name: 'Se connecter avec Pro Santé Connect' }).waitFor();
    await martin.getByRole('button', { name: /Paul Martin/ }).click();
    await martin.getByRole('heading', { name: 'Validez sur votre e-CPS' }).waitFor();
    await saveScreenshot(martin, 'rpps-plus-psc-ecps');
    await martin.getByRole('button', { name: 'Approuver' }).click();
    await martin.getByRole('heading', { name: 'Mes secrétaires et assistants médicaux' }).waitFor();
    const card = martin.getByRole('region', { name: /Julie Marie BERNARD/ });
    assert.match(await card.innerText(), /Secrétaire médical — Cabinet du Dr Martin\. Née le 04\/07\/1991, julie\.bernard@example\.fr/);
    await saveScreenshot(martin, 'rpps-plus-titulaire-demande');
    await card.getByRole('button', { name: /Valider la demande/ }).click();
    const done = martin.getByRole('status');
    await done.waitFor();
    const rpps = /numéro RPPS (\d{11})/.exec(await done.innerText())?.[1];
    assert.ok(rpps && checkRpps(rpps).ok, `a valid RPPS: ${rpps}`);
    assert.equal((await w.annuaire.directory.person(`8${rpps}`))?.first_name, 'Julie');

    // Before the delay Julie is told when; after it, she sees the number.
    await julie.goto(`${w.url}/secretaire`);
    assert.match(await julie.locator('main').innerText(), /Votre numéro RPPS vous sera communiqué à partir du/);
    w.advance(61_000);
    await julie.reload();
    assert.equal(await julie.locator('[data-rpps]').innerText(), rpps);
    await saveScreenshot(julie, 'rpps-plus-numero-rpps');

    // e-CPS: activation asked, PSC knows her once its delay has passed.
    await julie.getByRole('button', { name: 'Activer ma e-CPS' }).click();
    await julie.getByText(/Activation de votre e-CPS en cours/).waitFor();
    await assert.rejects(cibaToken({ pscUrl: w.psc.url, idnat: `8${rpps}` }), { code: 'PSC_UNKNOWN_USER' });
    w.advance(61_000);
    await julie.reload();
    await julie.getByText(/Votre e-CPS est active/).waitFor();
    const token = await cibaToken({ pscUrl: w.psc.url, idnat: `8${rpps}` });
    assert.ok(token.access_token);
  });

  test('Dr Martin: an end date in the past is refused, then he ends the situation now; the history shows every step', async () => {
    await martin.goto(`${w.url}/titulaire`);
    const card = martin.getByRole('region', { name: /Julie Marie BERNARD — RPPS/ });
    // The date field's own minimum would stop the browser; the server's answer is what is tested.
    await card
      .locator('form')
      .first()
      .evaluate((f) => f.setAttribute('novalidate', ''));
    await card.getByLabel("Date de fin de la situation d'exercice").fill('2020-01-01');
    await card.getByRole('button', { name: /Fixer la date de fin/ }).click();
    const alert = martin.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /La date de fin \(2020-01-01\) est passée/);
    await saveScreenshot(martin, 'rpps-plus-date-de-fin-passee');
    const idnat = (await w.ownDb.selectFrom('rpps_plus_requests').select('person_idnat').executeTakeFirstOrThrow()).person_idnat as string;
    const today = w.portal.portal.today();
    assert.equal((await w.annuaire.directory.situationsOf(idnat, today)).length, 1, 'still in force');

    await martin
      .getByRole('region', { name: /Julie Marie BERNARD — RPPS/ })
      .getByRole('button', { name: /Mettre fin maintenant/ })
      .click();
    await martin
      .getByRole('status')
      .filter({ hasText: /Situation d'exercice de Julie Marie BERNARD terminée/ })
      .waitFor();
    assert.deepEqual(await w.annuaire.directory.situationsOf(idnat, today), []);
    const ended = martin.getByRole('region', { name: /Julie Marie BERNARD — RPPS/ });
    assert.match(await ended.innerText(), /terminée le/);
    await ended.locator('summary').click();
    const history = await ended.locator('ol').innerText();
    for (const step of [
      /Demande déposée par Julie Marie BERNARD \(FranceConnect\)/,
      /Demande validée par vous/,
      /Numéro RPPS attribué par le portail/,
      /Activation de l’e-CPS demandée par Julie Marie BERNARD/,
      /Situation d’exercice terminée par vous/,
    ])
      assert.match(history, step);
    await saveScreenshot(martin, 'rpps-plus-situation-terminee');
  });
});
