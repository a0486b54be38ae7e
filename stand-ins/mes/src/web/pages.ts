// The patient web mailbox's pages: French, server-rendered, plain HTML forms, no script. Every
// value goes through escapeHtml; a professional's HTML body only through sanitizeMessageHtml.

import { escapeHtml as e } from '@mss/oidc-kit';
import type { HealthDocumentSummary } from '@mss/xdm';
import type { AttachmentInfo, Conversation, MessageDetail, MessageSummary } from '../mes.ts';
import type { WriteDecision } from '../rules.ts';
import { sanitizeMessageHtml } from '@mss/web-kit';

const STYLE = `body{font-family:system-ui,sans-serif;background:#f6f6f6;color:#161616;margin:0;line-height:1.45}
header{background:#fff;border-bottom:3px solid #00a95f;padding:.6rem 1.5rem;display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}
header .brand{font-weight:700;color:#00754a;font-size:1.15rem;text-decoration:none}main{max-width:56rem;margin:1.5rem auto;background:#fff;border-radius:8px;padding:1.25rem 2rem;box-shadow:0 1px 3px #0002}
h1{font-size:1.35rem}h2{font-size:1.1rem}a{color:#00593a}.muted{color:#555;font-size:.9rem}
.alert{color:#9c0000;background:#ffecec;padding:.6rem .8rem;border-radius:4px}.ok{color:#0b5b2b;background:#e6f6ea;padding:.6rem .8rem;border-radius:4px}
.notice{background:#fff6dd;padding:.6rem .8rem;border-radius:4px}button,.button{font:inherit;padding:.45rem .9rem;border-radius:4px;border:1px solid #00754a;background:#00754a;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:#fff;color:#00754a}button:disabled{opacity:.5;cursor:not-allowed}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
label{display:block;font-weight:600;margin-top:.6rem}input[type=text],textarea,select{font:inherit;width:100%;box-sizing:border-box;padding:.4rem}
textarea{min-height:8rem}.body{border:1px solid #ddd;border-radius:4px;padding:.75rem;overflow-wrap:anywhere}pre.body{white-space:pre-wrap;font-family:inherit}
.unread{font-weight:700}.document-sante{border:1px solid #cde;border-radius:6px;padding:.2rem .8rem;margin:.4rem 0;list-style:none}.document-sante h3{margin:.5rem 0 .2rem;font-size:1.05rem}.document-sante dt{font-weight:600}.ended{color:#8a4b00;font-weight:600}fieldset{border:1px solid #ccc;border-radius:6px}.fc{background:#000091;border-color:#000091}`;

export interface Viewer {
  displayName: string;
  csrf: string;
}

function layout(title: string, body: string, viewer?: Viewer): string {
  const who = viewer
    ? `<nav aria-label="Compte"><span>${e(viewer.displayName)}</span>
<form method="post" action="/deconnexion" style="display:inline"><input type="hidden" name="_csrf" value="${e(viewer.csrf)}"><button type="submit" class="secondary">Se déconnecter</button></form></nav>`
    : '';
  return `<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)} — Mon Espace Santé</title><style>${STYLE}</style></head>
<body><header><a class="brand" href="${viewer ? '/messagerie' : '/'}">Mon Espace Santé — Messagerie</a>${who}</header>
<main id="contenu">
<p class="muted">Bac à sable local (mss-operator) : patients et messages fictifs.</p>
${body}
</main></body></html>`;
}

const csrfField = (v: Viewer) => `<input type="hidden" name="_csrf" value="${e(v.csrf)}">`;

function frDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' });
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} o`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1).replace('.', ',')} Kio`;
  return `${(bytes / 1048576).toFixed(1).replace('.', ',')} Mio`;
}

export function mib(bytes: number): string {
  return `${Math.round(bytes / 1048576)} Mio`;
}

export function homePage(options: { error?: string; notice?: string }): string {
  return layout(
    'Connexion',
    `<h1>Ma messagerie de santé</h1>
<p>Échangez en toute sécurité avec les professionnels de santé qui vous suivent. Les professionnels vous écrivent en premier ; vous pouvez ensuite leur répondre.</p>
${options.error ? `<p class="alert" role="alert">${e(options.error)}</p>` : ''}
${options.notice ? `<p class="ok" role="status">${e(options.notice)}</p>` : ''}
<p><a class="button fc" href="/connexion">S'identifier avec FranceConnect</a></p>
<p class="muted">FranceConnect est la solution proposée par l'État pour sécuriser et simplifier la connexion aux services en ligne.</p>`,
  );
}

export function problemPage(title: string, message: string, viewer?: Viewer, back?: { href: string; label: string }): string {
  return layout(
    title,
    `<h1>${e(title)}</h1><p class="alert" role="alert">${e(message)}</p>${back ? `<p><a href="${e(back.href)}">${e(back.label)}</a></p>` : ''}`,
    viewer,
  );
}

export const conversationHref = (professional: string) => `/messagerie/conversation?avec=${encodeURIComponent(professional)}`;
const messageHref = (id: number) => `/messagerie/message/${id}`;

function who(c: { professional: string; professionalName: string | null }): string {
  return c.professionalName ? `${e(c.professionalName)} <span class="muted">&lt;${e(c.professional)}&gt;</span>` : e(c.professional);
}

export function conversationsPage(viewer: Viewer, conversations: Conversation[], notice?: string): string {
  const rows = conversations
    .map(
      (c) => `<tr${c.unread ? ' class="unread"' : ''}>
<td><a href="${e(conversationHref(c.professional))}">${who(c)}</a></td>
<td>${c.lastSubject ? e(c.lastSubject) : '<span class="muted">(sans objet)</span>'}</td>
<td>${c.messages}${c.unread ? ` dont ${c.unread} non lu${c.unread > 1 ? 's' : ''}` : ''}</td>
<td>${c.state === 'ended' ? '<span class="ended">Échange terminé par le professionnel</span>' : 'En cours'}</td>
<td>${e(frDate(c.updatedAt))}</td></tr>`,
    )
    .join('\n');
  return layout(
    'Mes conversations',
    `<h1>Mes conversations</h1>
${notice ? `<p class="ok" role="status">${e(notice)}</p>` : ''}
<p><a class="button secondary" href="/messagerie/nouveau">Écrire un nouveau message</a></p>
${
  conversations.length
    ? `<table><caption class="muted">Une ligne par professionnel, la plus récente en premier</caption>
<thead><tr><th scope="col">Professionnel</th><th scope="col">Dernier objet</th><th scope="col">Messages</th><th scope="col">État</th><th scope="col">Mis à jour</th></tr></thead>
<tbody>${rows}</tbody></table>`
    : '<p>Aucun message pour le moment. Un professionnel de santé doit vous écrire en premier.</p>'
}`,
    viewer,
  );
}

function messageRow(m: MessageSummary): string {
  const from = m.direction === 'out' ? 'Vous' : e(m.from.name ?? m.from.address);
  return `<tr${m.direction === 'in' && !m.seen ? ' class="unread"' : ''}><td>${e(frDate(m.date))}</td><td>${from}</td>
<td><a href="${messageHref(m.id)}">${m.subject ? e(m.subject) : '(sans objet)'}</a>${m.ended ? ' <span class="ended">[fin de l’échange]</span>' : ''}</td></tr>`;
}

/** The compose form, or the same form disabled with the reason (R-MES-1, R-MES-2). */
export function composeForm(
  viewer: Viewer,
  options: { to: string; decision: WriteDecision; subject?: string; inReplyTo?: number; maxAttachmentBytes: number; legend: string },
): string {
  const disabled = !options.decision.allowed;
  const reason = options.decision.allowed
    ? ''
    : `<p class="notice" role="status" id="raison">${e(options.decision.text)} <span class="muted">(${e(options.decision.rule)})</span></p>`;
  return `<form method="post" action="/messagerie/envoyer" enctype="multipart/form-data">
${reason}
<fieldset${disabled ? ' disabled aria-describedby="raison"' : ''}><legend>${e(options.legend)}</legend>
${csrfField(viewer)}<input type="hidden" name="a" value="${e(options.to)}">
${options.inReplyTo !== undefined ? `<input type="hidden" name="en_reponse_a" value="${options.inReplyTo}">` : ''}
<label for="objet">Objet</label><input type="text" id="objet" name="objet" maxlength="200" value="${e(options.subject ?? '')}">
<label for="texte">Message</label><textarea id="texte" name="texte" required></textarea>
<label for="pieces">Pièces jointes <span class="muted">(${mib(options.maxAttachmentBytes)} au plus, en tout)</span></label>
<input type="file" id="pieces" name="pieces" multiple>
<p><input type="checkbox" id="accuse" name="accuse" value="1"> <label for="accuse" style="display:inline">Demander un accusé de lecture</label></p>
<p><button type="submit">Envoyer</button></p>
</fieldset></form>`;
}

export function conversationPage(
  viewer: Viewer,
  c: { professional: string; professionalName: string | null; state: string | undefined },
  messages: MessageSummary[],
  decision: WriteDecision,
  maxAttachmentBytes: number,
  notice?: string,
): string {
  const last = messages.filter((m) => m.direction === 'in').at(-1);
  return layout(
    `Conversation avec ${c.professionalName ?? c.professional}`,
    `<p><a href="/messagerie">← Mes conversations</a></p>
<h1>Conversation avec ${who(c)}</h1>
${notice ? `<p class="ok" role="status">${e(notice)}</p>` : ''}
${c.state === 'ended' ? '<p class="ended" role="status">Le professionnel a mis fin à cet échange.</p>' : ''}
${
  messages.length
    ? `<table><thead><tr><th scope="col">Date</th><th scope="col">De</th><th scope="col">Objet</th></tr></thead><tbody>${messages.map(messageRow).join('\n')}</tbody></table>`
    : '<p>Aucun message échangé avec cette adresse.</p>'
}
<h2>Écrire à ce professionnel</h2>
${composeForm(viewer, {
  to: c.professional,
  decision,
  subject: last?.subject ? (last.subject.startsWith('Re:') ? last.subject : `Re: ${last.subject}`) : '',
  ...(last ? { inReplyTo: last.id } : {}),
  maxAttachmentBytes,
  legend: 'Nouveau message',
})}`,
    viewer,
  );
}

function attachmentLine(id: number, a: AttachmentInfo): string {
  const label = a.filename ?? `pièce ${a.part}`;
  const link = `<a href="/messagerie/message/${id}/piece/${encodeURIComponent(a.part)}" download>${e(label)}</a>`;
  const reading = a.healthDocuments;
  if (reading?.kind === 'documents') {
    return `<li class="document-sante">${reading.documents.map(healthDocument).join('\n')}
${reading.inconsistent ? '<p class="notice">Le contenu de l’archive ne correspond pas entièrement à sa description : vérifiez-le auprès de l’expéditeur.</p>' : ''}
<p class="muted">Archive IHE_XDM : ${link} (${size(a.size)})</p></li>`;
  }
  const note =
    reading?.kind === 'unreadable' ? '<p class="notice" role="note">Cette pièce n’a pas pu être lue comme un document de santé.</p>' : '';
  return `<li>${link}
<span class="muted">${e(a.contentType)}, ${size(a.size)}</span>${note}</li>`;
}

/** A CDA header as the patient reads it: title, type (LOINC code and display), date, author. */
function healthDocument(d: HealthDocumentSummary): string {
  const type = d.typeCode ? `${d.typeDisplay ? `${e(d.typeDisplay)} ` : ''}<span class="muted">(LOINC ${e(d.typeCode)})</span>` : '';
  const author = [d.authorName, d.authorOrganization]
    .filter((x): x is string => x !== null)
    .map(e)
    .join(', ');
  return `<article aria-label="Document de santé"><h3>${d.title ? e(d.title) : '(document sans titre)'}</h3>
<dl>${type ? `<dt>Type</dt><dd>${type}</dd>` : ''}${d.effectiveTime ? `<dt>Date</dt><dd>${e(hl7Date(d.effectiveTime))}</dd>` : ''}${
    author ? `<dt>Auteur</dt><dd>${author}</dd>` : ''
  }</dl></article>`;
}

/** An HL7 TS (YYYYMMDD[HHMM[SS]][±ZZZZ]) as a French date, the clock time as written; anything else as written. */
function hl7Date(ts: string): string {
  const m = /^(\d{4})(\d{2})?(\d{2})?(?:(\d{2})(\d{2}))?/.exec(ts);
  if (!m) return ts;
  const [, y, mo, d, h, mi] = m;
  const date = d && mo ? `${d}/${mo}/${y}` : mo ? `${mo}/${y}` : `${y}`;
  return h && mi ? `${date} à ${h} h ${mi}` : date;
}

export function messagePage(
  viewer: Viewer,
  m: MessageDetail,
  professional: string,
  decision: WriteDecision,
  maxAttachmentBytes: number,
  options: { mdnPrompt: boolean; notice?: string },
): string {
  const body =
    m.html !== null
      ? `<div class="body" id="corps">${sanitizeMessageHtml(m.html)}</div>`
      : `<pre class="body" id="corps">${e(m.text ?? '')}</pre>`;
  const mdn = options.mdnPrompt
    ? `<section class="notice" aria-labelledby="accuse"><h2 id="accuse">Accusé de lecture demandé</h2>
<p>${e(m.from.name ?? m.from.address)} demande à savoir que vous avez lu ce message. Acceptez-vous de l'en informer ?</p>
<form method="post" action="/messagerie/message/${m.id}/accuse-de-lecture" style="display:inline">${csrfField(viewer)}<button type="submit">Envoyer l'accusé de lecture</button></form>
<a class="button secondary" href="${e(conversationHref(professional))}">Ne pas l'envoyer</a></section>`
    : '';
  return layout(
    m.subject ?? 'Message',
    `<p><a href="${e(conversationHref(professional))}">← Conversation</a></p>
<h1>${m.subject ? e(m.subject) : '(sans objet)'}</h1>
${options.notice ? `<p class="ok" role="status">${e(options.notice)}</p>` : ''}
<dl><dt>De</dt><dd>${m.direction === 'out' ? `Vous &lt;${e(m.from.address)}&gt;` : `${e(m.from.name ?? '')} &lt;${e(m.from.address)}&gt;`}</dd>
<dt>À</dt><dd>${m.to.map(e).join(', ')}</dd><dt>Date</dt><dd>${e(frDate(m.date))}</dd></dl>
${m.ended ? `<p class="ended" role="status">Avec ce message, le professionnel a mis fin à l'échange (${e(m.ended)}).</p>` : ''}
${mdn}
${body}
${m.attachments.length ? `<h2>Pièces jointes</h2><ul>${m.attachments.map((a) => attachmentLine(m.id, a)).join('\n')}</ul>` : ''}
${
  m.direction === 'in'
    ? `<h2>Répondre</h2>${composeForm(viewer, {
        to: professional,
        decision,
        subject: m.subject ? (m.subject.startsWith('Re:') ? m.subject : `Re: ${m.subject}`) : '',
        inReplyTo: m.id,
        maxAttachmentBytes,
        legend: 'Réponse',
      })}`
    : ''
}`,
    viewer,
  );
}

export function newMessagePage(
  viewer: Viewer,
  conversations: Conversation[],
  maxAttachmentBytes: number,
  options: { to?: string; error?: string },
): string {
  const open = conversations.filter((c) => c.write.allowed);
  const closed = conversations.filter((c) => !c.write.allowed);
  return layout(
    'Nouveau message',
    `<p><a href="/messagerie">← Mes conversations</a></p>
<h1>Écrire un nouveau message</h1>
<p>Vous pouvez écrire à un professionnel qui vous a déjà écrit, tant qu'il n'a pas mis fin à l'échange.</p>
${options.error ? `<p class="alert" role="alert">${e(options.error)}</p>` : ''}
${open.length ? `<p>Professionnels à qui vous pouvez écrire : ${open.map((c) => `<a href="${e(conversationHref(c.professional))}">${who(c)}</a>`).join(', ')}.</p>` : ''}
${closed.length ? `<p class="muted">Échanges terminés : ${closed.map((c) => who(c)).join(', ')}.</p>` : ''}
<form method="post" action="/messagerie/envoyer" enctype="multipart/form-data">
${csrfField(viewer)}
<label for="a">Adresse MSSanté du professionnel</label>
<input type="text" id="a" name="a" required value="${e(options.to ?? open[0]?.professional ?? '')}" autocomplete="off">
<label for="objet">Objet</label><input type="text" id="objet" name="objet" maxlength="200">
<label for="texte">Message</label><textarea id="texte" name="texte" required></textarea>
<label for="pieces">Pièces jointes <span class="muted">(${mib(maxAttachmentBytes)} au plus, en tout)</span></label>
<input type="file" id="pieces" name="pieces" multiple>
<p><button type="submit">Envoyer</button></p></form>`,
    viewer,
  );
}

export function loggedOutPage(): string {
  return homePage({ notice: 'Vous êtes déconnecté de Mon Espace Santé.' });
}
