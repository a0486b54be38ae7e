// The few HTML pages of the stand-in: the wallet's login, the e-CPS approval step, the
// simulated phone, errors and logout. French, like the real wallet; no script, no external
// resource, so they work offline and under any CSP.

import { escapeHtml } from '@mss/oidc-kit';
import type { Person } from '@mss/store';
import type { PendingRequest } from './ciba.ts';

const STYLE = `body{font-family:system-ui,sans-serif;background:#f2f5f9;color:#1e2a3a;margin:0}
main{max-width:34rem;margin:2rem auto;background:#fff;border-radius:8px;padding:1.5rem 2rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem;color:#0b4a8b}.muted{color:#5a6b7d;font-size:.9rem}.error{color:#a40e26;background:#fdecee;padding:.5rem .75rem;border-radius:4px}
button{font:inherit;padding:.45rem .9rem;border-radius:4px;border:1px solid #0b4a8b;background:#0b4a8b;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0b4a8b}ul{padding:0;list-style:none}li{margin:.4rem 0}
input{font:inherit;padding:.4rem;width:14rem}.request{border:1px solid #d5dde6;border-radius:6px;padding:.75rem;margin:.75rem 0}
.banner{font-size:.8rem;color:#7a4d00;background:#fff4d6;padding:.4rem .75rem;border-radius:4px}`;

function layout(title: string, body: string, extraHead = ''): string {
  return `<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style>${extraHead}</head>
<body><main>
<p class="banner">Pro Santé Connect — bac à sable local (mss-operator). Aucune donnée réelle.</p>
${body}
</main></body></html>`;
}

function personLine(p: Person): string {
  const what =
    p.profession_label ?? (p.kind === 'SECRETARY' ? 'Secrétaire médical' : p.kind === 'MEDICAL_ASSISTANT' ? 'Assistant médical' : '');
  return `${escapeHtml(p.first_name)} ${escapeHtml(p.last_name)}${what ? ` — ${escapeHtml(what)}` : ''} <span class="muted">(${escapeHtml(p.idnat)})</span>`;
}

export function loginPage(options: { action: string; clientId: string; personas: Person[]; error?: string; idnat?: string }): string {
  const personas = options.personas.length
    ? `<p>Personnes de démonstration :</p><form method="post" action="${escapeHtml(options.action)}"><ul>${options.personas
        .map(
          (p) => `<li><button type="submit" name="idnat" value="${escapeHtml(p.idnat)}" class="secondary">${personLine(p)}</button></li>`,
        )
        .join('')}</ul></form>`
    : '';
  return layout(
    'Connexion — Pro Santé Connect',
    `<h1>Se connecter avec Pro Santé Connect</h1>
<p class="muted">Application : ${escapeHtml(options.clientId)}</p>
${options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : ''}
${personas}
<form method="post" action="${escapeHtml(options.action)}">
<p><label for="idnat">Identifiant national (IdNat) :</label><br>
<input id="idnat" name="idnat" autocomplete="off" inputmode="numeric" value="${escapeHtml(options.idnat ?? '')}" placeholder="810000001056" required>
<button type="submit">Continuer avec l'e-CPS</button></p>
</form>`,
  );
}

export function ecpsPage(options: { approveAction: string; denyAction: string; person: Person; clientId: string }): string {
  return layout(
    'Validation e-CPS — Pro Santé Connect',
    `<h1>Validez sur votre e-CPS</h1>
<p>Une demande de connexion a été envoyée sur l'application e-CPS de <strong>${personLine(options.person)}</strong>
pour l'application <strong>${escapeHtml(options.clientId)}</strong>.</p>
<p class="muted">Simulation : le téléphone est remplacé par les boutons ci-dessous.</p>
<form method="post" action="${escapeHtml(options.approveAction)}" style="display:inline"><button type="submit">Approuver</button></form>
<form method="post" action="${escapeHtml(options.denyAction)}" style="display:inline"><button type="submit" class="secondary">Refuser</button></form>`,
  );
}

export function phonePage(requests: PendingRequest[], idnat: string | undefined): string {
  const items = requests.length
    ? requests
        .map(
          (r) => `<div class="request">
<p><strong>${escapeHtml(r.givenName)} ${escapeHtml(r.familyName)}</strong> <span class="muted">(${escapeHtml(r.idnat)})</span></p>
<p>Application : <strong>${escapeHtml(r.clientId)}</strong>${r.bindingMessage ? `<br>Code affiché : <strong>${escapeHtml(r.bindingMessage)}</strong>` : ''}</p>
<p class="muted">Expire à ${escapeHtml(new Date(r.expiresAt).toLocaleTimeString('fr-FR'))}</p>
<form method="post" action="/ecps/requests/${encodeURIComponent(r.authReqId)}/approve" style="display:inline"><button type="submit">Approuver</button></form>
<form method="post" action="/ecps/requests/${encodeURIComponent(r.authReqId)}/deny" style="display:inline"><button type="submit" class="secondary">Refuser</button></form>
</div>`,
        )
        .join('')
    : '<p class="muted">Aucune demande en attente.</p>';
  return layout(
    'e-CPS — demandes en attente',
    `<h1>e-CPS (simulateur)</h1>
<p class="muted">Demandes CIBA en attente${idnat ? ` pour ${escapeHtml(idnat)}` : ''}. La page se met à jour toutes les 3 secondes.</p>
${items}`,
    '<meta http-equiv="refresh" content="3">',
  );
}

export function messagePage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}

export function errorPage(error: string, description: string): string {
  return layout(
    'Erreur — Pro Santé Connect',
    `<h1>Erreur</h1><p><strong>${escapeHtml(error)}</strong></p>${description ? `<p>${escapeHtml(description)}</p>` : ''}`,
  );
}

/** `form` is the provider's own hidden form (it carries the anti-forgery token). */
export function logoutPage(form: string): string {
  return layout(
    'Déconnexion — Pro Santé Connect',
    `<h1>Se déconnecter de Pro Santé Connect ?</h1>${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Oui, me déconnecter</button>
<button type="submit" form="op.logoutForm" class="secondary">Non, rester connecté</button>`,
  );
}

export function logoutSuccessPage(): string {
  return messagePage('Déconnecté', 'Vous êtes déconnecté de Pro Santé Connect.');
}

export function indexPage(issuer: string): string {
  return layout(
    'Pro Santé Connect (bac à sable)',
    `<h1>Pro Santé Connect (bac à sable)</h1>
<ul>
<li>Émetteur : <code>${escapeHtml(issuer)}</code></li>
<li><a href="${escapeHtml(issuer)}/.well-known/wallet-openid-configuration">Configuration OpenID</a></li>
<li><a href="/ecps">e-CPS : demandes en attente</a></li>
</ul>`,
  );
}
