// The webmail's pages (French, server-rendered). Governance forms post to the webmail, which
// calls @mss/governance as the person (the same operations, checks and history as the admin API).

import { may, type MailboxRole, type MailboxType } from '@mss/domain';
import type { MailboxView } from '@mss/governance';
import type { HistoryEntry } from '@mss/store';
import { eventText } from './governance-text.ts';
import { boxHref, csrfField, dateTime, day, esc, page, roleName, typeName, type Viewer } from './html.ts';
import type { OpenableMailbox } from './sessions.ts';

const END_REASONS: Readonly<Record<string, string>> = {
  expiree: 'Votre session a expiré. Reconnectez-vous avec Pro Santé Connect.',
  revoquee: 'Votre session Pro Santé Connect a été révoquée ou n’est plus valide. Reconnectez-vous.',
  deconnecte: 'Vous êtes déconnecté.',
  connexion: 'La connexion a expiré ou a été interrompue. Recommencez.',
};

export function loginPage(options: { reason?: string; error?: string } = {}): string {
  const reason = options.reason ? END_REASONS[options.reason] : undefined;
  const frame = { title: 'Connexion', ...(options.error ? { error: options.error } : reason ? { notice: reason } : {}) };
  return page(
    frame,
    `<h1>Connexion à votre messagerie sécurisée de santé</h1>
<p>Identifiez-vous avec Pro Santé Connect : votre carte e-CPS (application sur votre téléphone) ou votre carte CPS.</p>
<p><a class="bouton" href="/webmail/connexion">Se connecter avec Pro Santé Connect</a></p>`,
  );
}

export function cguPage(v: Viewer, cgu: { version: string; title: string; url: string; published_at: string }, error?: string): string {
  return page(
    { title: 'Conditions générales d’utilisation', viewer: v, ...(error ? { error } : {}) },
    `<h1>Conditions générales d’utilisation</h1>
<p>Avant votre premier accès à une boîte aux lettres, et à chaque nouvelle version, vous devez accepter les conditions
générales d’utilisation de l’opérateur (R-CAB-4).</p>
<section aria-labelledby="cgu-titre" class="carte"><h2 id="cgu-titre">${esc(cgu.title)}</h2>
<p>Version ${esc(cgu.version)}, publiée le ${esc(day(cgu.published_at))}. <a href="${esc(cgu.url)}" target="_blank" rel="noopener">Lire le texte</a></p>
<form method="post" action="/webmail/cgu">${csrfField(v)}<input type="hidden" name="version" value="${esc(cgu.version)}">
<p><label><input type="checkbox" name="lu" value="1" required> J’ai lu les conditions générales d’utilisation (version ${esc(cgu.version)})</label></p>
<p><button type="submit">J’accepte les conditions générales</button></p></form></section>`,
  );
}

export function mailboxesPage(v: Viewer, notice?: string): string {
  const rows = v.mailboxes
    .map(
      (m) => `<tr><th scope="row"><a href="${boxHref(m.address)}">${esc(m.address)}</a></th><td>${esc(typeName(m.type))}</td>
<td>${esc(roleName(m.role))}${m.endAt ? ` jusqu’au ${esc(day(m.endAt))}` : ''}</td></tr>`,
    )
    .join('');
  const body =
    v.mailboxes.length === 0
      ? '<p>Aucune boîte aux lettres ne vous est ouverte chez cet opérateur.</p>'
      : `<table><caption>Les boîtes que vous pouvez ouvrir, et votre rôle sur chacune</caption>
<thead><tr><th scope="col">Adresse</th><th scope="col">Type</th><th scope="col">Votre rôle</th></tr></thead><tbody>${rows}</tbody></table>`;
  return page({ title: 'Mes boîtes', viewer: v, ...(notice ? { notice } : {}) }, `<h1>Mes boîtes aux lettres</h1>${body}`);
}

/** The tabs of one mailbox: its mail, and for those who govern it, its management and history. */
function tabs(box: OpenableMailbox, here: 'courrier' | 'gestion' | 'historique'): string {
  const role = box.role as MailboxRole;
  const type = box.type as MailboxType;
  const items: [string, string, string][] = [['courrier', 'Courrier', boxHref(box.address)]];
  if (may(role, 'manage-delegates', type) || may(role, 'manage-cotitulaires', type))
    items.push(['gestion', 'Gestion', boxHref(box.address, '/gestion')]);
  if (may(role, 'read-history', type)) items.push(['historique', 'Historique', boxHref(box.address, '/historique')]);
  return `<nav aria-label="Cette boîte" class="onglets"><ul>${items
    .map(([k, label, href]) => `<li><a href="${href}"${k === here ? ' aria-current="page"' : ''}>${label}</a></li>`)
    .join('')}</ul></nav>`;
}

function boxHeading(box: OpenableMailbox): string {
  return `<h1><span class="addr">${esc(box.address)}</span></h1>
<p class="role-tenu">Boîte ${esc(typeName(box.type))} — votre rôle : <strong>${esc(roleName(box.role))}</strong>${
    box.endAt ? ` (délégation jusqu’au ${esc(day(box.endAt))})` : ''
  }</p>`;
}

export function mailboxPage(v: Viewer, box: OpenableMailbox, content: string, notice?: string): string {
  return page(
    { title: box.address, viewer: v, current: box.address, ...(notice ? { notice } : {}) },
    `${boxHeading(box)}${tabs(box, 'courrier')}${content}`,
  );
}

export type Names = ReadonlyMap<string, string>;

const who = (names: Names, idnat: string | null): string => {
  if (!idnat) return '';
  const name = names.get(idnat);
  return name ? `${esc(name)} <span class="idnat">(${esc(idnat)})</span>` : esc(idnat);
};

export function managePage(
  v: Viewer,
  box: OpenableMailbox,
  view: MailboxView,
  names: Names,
  flash: { notice?: string; error?: string },
): string {
  const role = box.role as MailboxRole;
  const type = box.type as MailboxType;
  const path = (rest: string) => boxHref(box.address, `/gestion${rest}`);
  const sections: string[] = [];

  const holders = view.holders
    .map((h) => {
      const remove =
        h.role === 'cotitulaire' && may(role, 'manage-cotitulaires', type)
          ? `<form method="post" action="${path('/cotitulaires/retirer')}">${csrfField(v)}<input type="hidden" name="idnat" value="${esc(h.idnat)}">
<button type="submit" class="secondaire" aria-label="Retirer ${esc(names.get(h.idnat) ?? h.idnat)}">Retirer</button></form>`
          : '';
      return `<tr><th scope="row">${who(names, h.idnat)}</th><td>${esc(roleName(h.role))}</td><td>${esc(day(h.addedAt))}</td><td>${remove}</td></tr>`;
    })
    .join('');
  sections.push(`<section aria-labelledby="titulaires" class="carte"><h2 id="titulaires">${type === 'CAB' ? 'Propriétaire et cotitulaires' : 'Titulaires'}</h2>
<table><thead><tr><th scope="col">Personne</th><th scope="col">Rôle</th><th scope="col">Depuis le</th><th scope="col"><span class="visuellement-cache">Action</span></th></tr></thead>
<tbody>${holders}</tbody></table></section>`);

  if (may(role, 'manage-cotitulaires', type)) {
    sections.push(`<section aria-labelledby="ajout-cotitulaire" class="carte"><h2 id="ajout-cotitulaire">Ajouter un cotitulaire</h2>
<p>Un professionnel de santé enregistré au RPPS ; il n’a pas besoin d’être client de l’opérateur (R-CAB-3).</p>
<form method="post" action="${path('/cotitulaires')}">${csrfField(v)}
<label for="cotitulaire-idnat">IdNat du professionnel</label><input id="cotitulaire-idnat" name="idnat" inputmode="numeric" autocomplete="off" required pattern="[0-9A-Za-z/]{9,40}">
<button type="submit">Ajouter</button></form></section>`);
  }
  if (may(role, 'transfer-ownership', type)) {
    const options = view.holders
      .filter((h) => h.role === 'cotitulaire')
      .map((h) => `<option value="${esc(h.idnat)}">${esc(names.get(h.idnat) ?? h.idnat)} (${esc(h.idnat)})</option>`)
      .join('');
    sections.push(`<section aria-labelledby="transfert" class="carte"><h2 id="transfert">Transférer la propriété</h2>
<p>Le cabinet reste le même ; l’adresse passe dans l’Annuaire sur la fiche du nouveau propriétaire, et vous n’y aurez plus de rôle (R-CAB-6).</p>
<form method="post" action="${path('/transfert')}">${csrfField(v)}
<label for="nouveau-proprietaire">Nouveau propriétaire</label><select id="nouveau-proprietaire" name="idnat" required><option value="">— choisir un cotitulaire —</option>${options}</select>
<label for="motif-transfert">Motif (facultatif)</label><input id="motif-transfert" name="motif" maxlength="200">
<button type="submit">Transférer la propriété</button></form></section>`);
  }

  if (may(role, 'manage-delegates', type)) {
    const delegations = (view.delegations ?? [])
      .map(
        (
          d,
        ) => `<tr><th scope="row">${who(names, d.delegateIdnat)}</th><td>${esc(day(d.startAt))}</td><td>${d.endAt ? esc(day(d.endAt)) : 'sans fin'}</td>
<td>${who(names, d.grantedBy)}</td><td><form method="post" action="${path(`/delegations/${d.id}/revoquer`)}">${csrfField(v)}
<label class="visuellement-cache" for="motif-${d.id}">Motif de la révocation</label><input id="motif-${d.id}" name="motif" placeholder="Motif" maxlength="200">
<button type="submit" class="secondaire" aria-label="Révoquer la délégation de ${esc(names.get(d.delegateIdnat) ?? d.delegateIdnat)}">Révoquer</button></form></td></tr>`,
      )
      .join('');
    const table = delegations
      ? `<table><thead><tr><th scope="col">Délégué</th><th scope="col">Début</th><th scope="col">Fin</th><th scope="col">Accordée par</th><th scope="col"><span class="visuellement-cache">Action</span></th></tr></thead><tbody>${delegations}</tbody></table>`
      : '<p>Aucune délégation en vigueur.</p>';
    sections.push(`<section aria-labelledby="delegations" class="carte"><h2 id="delegations">Délégations</h2>${table}
<h3>Accorder une délégation</h3><p>À un professionnel, une secrétaire ou un assistant médical ayant un IdNat ; jamais publiée dans l’Annuaire (R-DEL-1, R-DEL-3).</p>
<form method="post" action="${path('/delegations')}">${csrfField(v)}
<label for="delegue-idnat">IdNat du délégué</label><input id="delegue-idnat" name="idnat" inputmode="numeric" autocomplete="off" required pattern="[0-9A-Za-z/]{9,40}">
<label for="delegue-fin">Date de fin (facultative)</label><input id="delegue-fin" name="fin" type="date">
<button type="submit">Accorder</button></form></section>`);
  }
  return page(
    { title: `Gestion — ${box.address}`, viewer: v, current: box.address, ...flash },
    `${boxHeading(box)}${tabs(box, 'gestion')}${sections.join('')}`,
  );
}

export function historyPage(v: Viewer, box: OpenableMailbox, entries: HistoryEntry[], names: Names): string {
  const rows = entries
    .map((e) => {
      const details =
        e.event === 'ownership.transferred'
          ? ` : de ${who(names, String(e.details.from ?? ''))} à ${who(names, String(e.details.to ?? ''))}`
          : '';
      const until = e.event === 'delegation.granted' && e.details.endAt ? ` jusqu’au ${esc(day(String(e.details.endAt)))}` : '';
      return `<tr><td>${esc(dateTime(e.at))}</td><td>${esc(eventText(e.event))}${details}${until}</td><td>${e.subjectIdnat ? who(names, e.subjectIdnat) : ''}</td>
<td>${e.actor === 'system' ? 'le système' : who(names, e.actor)}</td><td>${esc(e.reason ?? '')}</td></tr>`;
    })
    .join('');
  return page(
    { title: `Historique — ${box.address}`, viewer: v, current: box.address },
    `${boxHeading(box)}${tabs(box, 'historique')}<table class="historique"><caption>Chaque mouvement de la boîte (R-CAB-7, R-DEL-4), du plus ancien au plus récent</caption>
<thead><tr><th scope="col">Date</th><th scope="col">Événement</th><th scope="col">Personne concernée</th><th scope="col">Par</th><th scope="col">Motif</th></tr></thead>
<tbody>${rows}</tbody></table>`,
  );
}

export function problemPage(v: Viewer | undefined, title: string, message: string, back?: { href: string; label: string }): string {
  return page(
    { title, ...(v ? { viewer: v } : {}) },
    `<h1>${esc(title)}</h1><p role="alert">${esc(message)}</p>${back ? `<p><a href="${esc(back.href)}">${esc(back.label)}</a></p>` : ''}`,
  );
}
