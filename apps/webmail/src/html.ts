// HTML text for the webmail's pages: one escaping function, and the page frame (French, one
// stylesheet and one script module of our own, both served by the operator: no CDN).

import type { OpenableMailbox } from './sessions.ts';

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A path of the webmail for one mailbox. */
export const boxHref = (address: string, rest = ''): string => `/webmail/bal/${encodeURIComponent(address)}${rest}`;

const ROLE_NAMES: Readonly<Record<string, string>> = {
  holder: 'titulaire',
  owner: 'propriétaire',
  cotitulaire: 'cotitulaire',
  delegate: 'délégation',
  responsible: 'responsable',
  'local-person': 'personnel déclaré',
};
const TYPE_NAMES: Readonly<Record<string, string>> = {
  PER: 'personnelle',
  CAB: 'cabinet',
  ORG: 'organisationnelle',
  APP: 'applicative',
};

export const roleName = (role: string): string => ROLE_NAMES[role] ?? role;
export const typeName = (type: string): string => TYPE_NAMES[type] ?? type;

/** 2027-12-31T23:59:59Z → 31/12/2027: end dates are whole days, kept as their last instant in UTC (as the seed and the CLI write them). */
export function day(iso: string | null | undefined): string {
  if (!iso) return '';
  return new Date(iso).toLocaleDateString('fr-FR', { timeZone: 'UTC' });
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  return new Date(iso).toLocaleString('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' });
}

export interface Viewer {
  displayName: string;
  idnat: string;
  csrf: string;
  mailboxes: OpenableMailbox[];
}

export interface Frame {
  title: string;
  viewer?: Viewer;
  /** The mailbox the page is about (highlighted in the switcher, watched for a lost access). */
  current?: string;
  notice?: string;
  error?: string;
}

export const csrfField = (v: Viewer): string => `<input type="hidden" name="_csrf" value="${esc(v.csrf)}">`;

function switcher(v: Viewer, current: string | undefined): string {
  if (v.mailboxes.length === 0) return '<p>Aucune boîte aux lettres ne vous est ouverte.</p>';
  const items = v.mailboxes
    .map((m) => {
      const here = m.address === current ? ' aria-current="page"' : '';
      const until = m.endAt ? ` jusqu’au ${day(m.endAt)}` : '';
      return `<li data-bal="${esc(m.address)}"><a href="${boxHref(m.address)}"${here}><span class="addr">${esc(m.address)}</span>
<span class="role">${esc(typeName(m.type))} — ${esc(roleName(m.role))}${esc(until)}</span></a></li>`;
    })
    .join('');
  return `<ul class="boites">${items}</ul>`;
}

export function page(f: Frame, body: string): string {
  const v = f.viewer;
  const header = v
    ? `<header class="bandeau"><p class="marque"><a href="/webmail/boites">Messagerie MSSanté</a></p>
<p class="qui">${esc(v.displayName)} <span class="idnat">(${esc(v.idnat)})</span></p>
<form method="post" action="/webmail/deconnexion">${csrfField(v)}<button type="submit">Se déconnecter</button></form></header>`
    : '<header class="bandeau"><p class="marque">Messagerie MSSanté</p></header>';
  const nav = v ? `<nav aria-label="Mes boîtes aux lettres" class="commutateur"><h2>Mes boîtes</h2>${switcher(v, f.current)}</nav>` : '';
  const notice = f.notice ? `<p class="info" role="status">${esc(f.notice)}</p>` : '';
  const error = f.error ? `<p class="erreur" role="alert">${esc(f.error)}</p>` : '';
  const current = f.current ? ` data-bal-courante="${esc(f.current)}"` : '';
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(f.title)} — Messagerie MSSanté</title><link rel="stylesheet" href="/webmail/static/webmail.css">
<script type="module" src="/webmail/static/webmail.js"></script></head>
<body${v ? ' data-connecte="1"' : ''}${current}><a class="evitement" href="#contenu">Aller au contenu</a>${header}
<div class="cadre">${nav}<main id="contenu" tabindex="-1"><div id="alertes" aria-live="assertive">${error}</div>${notice}${body}</main></div></body></html>`;
}
