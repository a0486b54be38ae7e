// The stand-in's pages: the simulated identity provider (pick a test citizen), the page telling
// the citizen what will be transmitted, errors and logout. French, like FranceConnect; no
// script, no external resource, so they work offline and under a strict CSP.

import { escapeHtml } from '@mss/oidc-kit';
import { CLAIM_LABELS } from './claims.ts';
import { FRANCE, type Citizen } from './citizens.ts';

const STYLE = `body{font-family:system-ui,sans-serif;background:#f5f5fe;color:#161616;margin:0}
main{max-width:38rem;margin:2rem auto;background:#fff;border-radius:8px;padding:1.5rem 2rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem;color:#000091}.muted{color:#555;font-size:.9rem}.error{color:#ce0500;background:#ffe9e9;padding:.5rem .75rem;border-radius:4px}
button{font:inherit;padding:.45rem .9rem;border-radius:4px;border:1px solid #000091;background:#000091;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#000091}ul{padding:0;list-style:none}li{margin:.4rem 0}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem}dt{font-weight:600}
.banner{font-size:.8rem;color:#7a4d00;background:#fff4d6;padding:.4rem .75rem;border-radius:4px}.actions{display:flex;gap:.5rem;flex-wrap:wrap;margin-top:1rem}`;

function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>
<p class="banner">FranceConnect — bac à sable local (mss-operator). Identités fictives, aucune donnée réelle.</p>
${body}
</main></body></html>`;
}

function frenchDate(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}

function birthLine(c: Citizen): string {
  const born = c.gender === 'female' ? 'née' : 'né';
  const where = c.birthcountry === FRANCE ? `à ${c.birthplace}` : `à l'étranger (pays ${c.birthcountry})`;
  return `${born} le ${frenchDate(c.birthdate)} ${where}`;
}

export function citizenName(c: Citizen): string {
  return `${c.givenName} ${c.familyName}${c.usageName ? ` (nom d'usage ${c.usageName})` : ''}`;
}

/** The value of a claim as the citizen reads it. */
function claimText(claim: string, c: Citizen): string {
  switch (claim) {
    case 'given_name':
      return c.givenName;
    case 'family_name':
      return c.familyName;
    case 'preferred_username':
      return c.usageName ?? '';
    case 'birthdate':
      return frenchDate(c.birthdate);
    case 'gender':
      return c.gender === 'female' ? 'Féminin' : 'Masculin';
    case 'birthplace':
      return c.birthplace || '(né à l’étranger)';
    case 'birthcountry':
      return c.birthcountry === FRANCE ? `${c.birthcountry} (France)` : c.birthcountry;
    case 'email':
      return c.email ?? '';
    default:
      return '';
  }
}

export interface LoginPageOptions {
  service: string;
  chooseAction: string;
  refuseAction: string;
  cancelAction: string;
  citizens: Citizen[];
  error?: string;
}

export function loginPage(o: LoginPageOptions): string {
  const list = o.citizens
    .map(
      (c) =>
        `<li><button type="submit" name="citizen" value="${escapeHtml(c.id)}" class="secondary">${escapeHtml(citizenName(c))}</button>
<span class="muted">${escapeHtml(birthLine(c))}</span></li>`,
    )
    .join('\n');
  return layout(
    'Connexion — FranceConnect',
    `<h1>Je me connecte à ${escapeHtml(o.service)} avec FranceConnect</h1>
${o.error ? `<p class="error" role="alert">${escapeHtml(o.error)}</p>` : ''}
<h2>Fournisseur d'identité simulé</h2>
<p class="muted">Choisissez le compte de test avec lequel vous connecter.</p>
<form method="post" action="${escapeHtml(o.chooseAction)}"><ul>
${list || '<li class="muted">Aucun compte de test.</li>'}
</ul></form>
<div class="actions">
<form method="post" action="${escapeHtml(o.refuseAction)}"><button type="submit" class="secondary">Simuler un refus du fournisseur d'identité</button></form>
<form method="post" action="${escapeHtml(o.cancelAction)}"><button type="submit" class="secondary">Annuler et revenir sur ${escapeHtml(o.service)}</button></form>
</div>`,
  );
}

export interface ConfirmPageOptions {
  service: string;
  citizen: Citizen;
  claims: string[];
  confirmAction: string;
  cancelAction: string;
}

export function confirmPage(o: ConfirmPageOptions): string {
  const rows = o.claims
    .map((claim) => `<dt>${escapeHtml(CLAIM_LABELS[claim] ?? claim)}</dt><dd>${escapeHtml(claimText(claim, o.citizen) || '—')}</dd>`)
    .join('\n');
  return layout(
    'Transmission de vos données — FranceConnect',
    `<h1>Bonjour ${escapeHtml(o.citizen.givenName)} ${escapeHtml(o.citizen.familyName)}</h1>
<p>Les données suivantes vont être transmises à <strong>${escapeHtml(o.service)}</strong> :</p>
<dl>${rows}</dl>
<div class="actions">
<form method="post" action="${escapeHtml(o.confirmAction)}"><input type="hidden" name="citizen" value="${escapeHtml(o.citizen.id)}">
<button type="submit">Continuer sur ${escapeHtml(o.service)}</button></form>
<form method="post" action="${escapeHtml(o.cancelAction)}"><button type="submit" class="secondary">Annuler et revenir sur ${escapeHtml(o.service)}</button></form>
</div>`,
  );
}

export function messagePage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}

export function errorPage(error: string, description: string): string {
  return layout(
    'Erreur — FranceConnect',
    `<h1>Erreur</h1><p><strong>${escapeHtml(error)}</strong></p>${description ? `<p>${escapeHtml(description)}</p>` : ''}`,
  );
}

/** `form` is the provider's own hidden form (it carries the anti-forgery token). */
export function logoutPage(form: string): string {
  return layout(
    'Déconnexion — FranceConnect',
    `<h1>Se déconnecter de FranceConnect ?</h1>${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Oui, me déconnecter</button>
<button type="submit" form="op.logoutForm" class="secondary">Non, rester connecté</button>`,
  );
}

export function logoutSuccessPage(): string {
  return messagePage('Déconnecté', 'Vous êtes déconnecté de FranceConnect.');
}

export function indexPage(issuer: string, services: string[]): string {
  return layout(
    'FranceConnect (bac à sable)',
    `<h1>FranceConnect (bac à sable)</h1>
<ul>
<li>Émetteur : <code>${escapeHtml(issuer)}</code></li>
<li><a href="${escapeHtml(issuer)}/.well-known/openid-configuration">Configuration OpenID</a></li>
<li>Services enregistrés : ${services.map(escapeHtml).join(', ')}</li>
</ul>`,
  );
}
