// The mail screens (French): folders and threads, one message with its thread, the compose form.
// Received HTML goes through @mss/web-kit's sanitiser; remote images only when the reader asks.

import { hasRemoteImages, sanitizeMessageHtml } from '@mss/web-kit';
import type { HealthDocumentReading } from '@mss/xdm';
import { boxHref, csrfField, dateTime, esc, type Viewer } from './html.ts';
import type { Attachment, EmailAddress, Folder, FullEmail, ListedEmail } from './mail.ts';

const ROLE_NAMES: Readonly<Record<string, string>> = {
  inbox: 'Boîte de réception',
  drafts: 'Brouillons',
  sent: 'Envoyés',
  trash: 'Corbeille',
  junk: 'Indésirables',
  archive: 'Archives',
};
export const folderName = (f: Folder): string => (f.role ? (ROLE_NAMES[f.role] ?? f.name) : f.name);

export const addressText = (a: EmailAddress): string => (a.name ? `${a.name} <${a.email}>` : a.email);
const people = (list: EmailAddress[]): string => list.map((a) => esc(a.name ?? a.email)).join(', ');

export function size(octets: number): string {
  if (octets < 1024) return `${octets} o`;
  if (octets < 1024 * 1024) return `${Math.round(octets / 1024)} Ko`;
  return `${(octets / 1048576).toFixed(1).replace('.', ',')} Mo`;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/**
 * A search snippet (RFC 8621 §5: HTML where only <mark> is markup) written again by us: its text
 * unescaped and escaped by our own `esc`, its marks kept balanced — whatever the server sent, only
 * <mark> elements and text reach the page.
 */
export function marked(snippet: string): string {
  let out = '';
  let open = false;
  for (const piece of snippet.split(/(<mark>|<\/mark>)/)) {
    if (piece === '<mark>' || piece === '</mark>') {
      if ((piece === '<mark>') !== open) {
        out += piece;
        open = !open;
      }
    } else out += esc(piece.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]!));
  }
  return open ? `${out}</mark>` : out;
}

export function mailContent(
  address: string,
  all: Folder[],
  current: Folder | undefined,
  found: { emails: ListedEmail[]; total: number },
  search: string,
): string {
  const folderLinks = all
    .map((f) => {
      const here = f.id === current?.id && !search ? ' aria-current="page"' : '';
      const unread = f.unread ? ` <span class="non-lus">${f.unread}<span class="visuellement-cache"> non lus</span></span>` : '';
      return `<li><a href="${boxHref(address, `?dossier=${encodeURIComponent(f.id)}`)}"${here}>${esc(folderName(f))}${unread}</a></li>`;
    })
    .join('');
  const outgoing = current?.role === 'sent' || current?.role === 'drafts';
  const rows = found.emails
    .map((e) => {
      const who = outgoing ? `À : ${people(e.to)}` : people(e.from);
      const count = e.threadSize > 1 ? ` <span class="fil" title="messages dans le fil">(${e.threadSize})</span>` : '';
      return `<li class="${e.seen ? 'lu' : 'non-lu'}"><a href="${boxHref(address, `/message/${encodeURIComponent(e.id)}`)}">
<span class="de">${who}</span><span class="objet">${e.snippet?.subject ? marked(e.snippet.subject) : esc(e.subject || '(sans objet)')}${count}</span>
<span class="date">${esc(dateTime(e.receivedAt))}</span>${e.hasAttachment ? '<span class="pj">pièce jointe</span>' : ''}${e.seen ? '' : '<span class="visuellement-cache">non lu</span>'}
<span class="apercu">${e.snippet?.preview ? marked(e.snippet.preview) : esc(e.preview)}</span></a></li>`;
    })
    .join('');
  const heading = search ? `Résultats pour « ${esc(search)} »` : esc(current ? folderName(current) : 'Courrier');
  return `<div class="courrier"><nav aria-label="Dossiers" class="dossiers"><p><a class="bouton" href="${boxHref(address, '/ecrire')}">Nouveau message</a></p><ul>${folderLinks}</ul></nav>
<section class="liste" aria-labelledby="liste-titre"><form method="get" action="${boxHref(address)}" role="search" class="recherche">
<label for="recherche">Rechercher dans cette boîte</label><input id="recherche" name="q" type="search" value="${esc(search)}" aria-describedby="recherche-aide"><button type="submit">Rechercher</button>
<p class="note" id="recherche-aide">Tous les mots sont cherchés ; « de: », « à: », « objet: », « corps: » limitent un mot à ce champ, « pj » aux messages avec pièce jointe, « non-lu » aux non lus.</p></form>
<h2 id="liste-titre">${heading} <span class="compte">(${found.total} fil${found.total > 1 ? 's' : ''})</span></h2>
${rows ? `<ul class="messages">${rows}</ul>` : '<p>Aucun message.</p>'}</section></div>`;
}

export interface XdmView {
  attachment: Attachment;
  reading: HealthDocumentReading;
}

function documentsView(x: XdmView, href: string): string {
  if (x.reading.kind === 'unreadable')
    return `<li>${esc(x.attachment.name ?? 'IHE_XDM.ZIP')} — <a href="${href}">télécharger</a> (${esc(size(x.attachment.size))})
<p class="note">Cette archive n’a pas pu être lue comme un document de santé (${esc(x.reading.limit)}) : elle reste une pièce jointe.</p></li>`;
  const docs = x.reading.documents
    .map(
      (d) => `<li class="document"><strong>${esc(d.title ?? 'Document sans titre')}</strong>
<dl><dt>Type</dt><dd>${esc(d.typeDisplay ?? '')}${d.typeCode ? ` (LOINC ${esc(d.typeCode)})` : ''}</dd>
${d.effectiveTime ? `<dt>Date</dt><dd>${esc(cdaDate(d.effectiveTime))}</dd>` : ''}
${d.authorName || d.authorOrganization ? `<dt>Auteur</dt><dd>${esc([d.authorName, d.authorOrganization].filter(Boolean).join(', '))}</dd>` : ''}</dl></li>`,
    )
    .join('');
  return `<li><section class="carte documents" aria-label="Documents de santé de ${esc(x.attachment.name ?? 'IHE_XDM.ZIP')}"><h3>Document${x.reading.documents.length > 1 ? 's' : ''} de santé (IHE_XDM)</h3>
${x.reading.inconsistent ? '<p class="note">Les métadonnées de l’archive ne correspondent pas à son contenu.</p>' : ''}<ul>${docs}</ul>
<p><a href="${href}">Télécharger l’archive ${esc(x.attachment.name ?? 'IHE_XDM.ZIP')}</a> (${esc(size(x.attachment.size))})</p></section></li>`;
}

/** HL7 TS (YYYYMMDD[HHMM…]) → JJ/MM/AAAA. */
function cdaDate(ts: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})/.exec(ts);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : ts;
}

export function messageContent(
  v: Viewer,
  address: string,
  e: FullEmail,
  thread: ListedEmail[],
  options: { images: boolean; xdm: XdmView[]; canAnswerMdn: boolean },
): string {
  const pieceHref = (a: Attachment) =>
    boxHref(
      address,
      `/piece/${encodeURIComponent(a.blobId)}?nom=${encodeURIComponent(a.name ?? 'piece-jointe')}&type=${encodeURIComponent(a.type)}`,
    );
  const xdmIds = new Set(options.xdm.map((x) => x.attachment.blobId));
  const plain = e.attachments
    .filter((a) => !xdmIds.has(a.blobId))
    .map((a) => `<li><a href="${pieceHref(a)}">${esc(a.name ?? 'pièce jointe')}</a> (${esc(a.type)}, ${esc(size(a.size))})</li>`)
    .join('');
  const docs = options.xdm.map((x) => documentsView(x, pieceHref(x.attachment))).join('');
  let body: string;
  let imagesNote = '';
  if (e.html !== null) {
    body = `<div class="corps-html">${sanitizeMessageHtml(e.html, { remoteImages: options.images })}</div>`;
    if (!options.images && hasRemoteImages(e.html))
      imagesNote = `<p class="note" id="images-bloquees">Les images distantes de ce message ont été bloquées (elles indiqueraient à l’expéditeur quand vous le lisez).
<a href="${boxHref(address, `/message/${encodeURIComponent(e.id)}?images=1`)}">Afficher les images</a></p>`;
  } else body = `<div class="corps-texte">${esc(e.text ?? '')}</div>`;
  const mdn =
    e.mdnTo && !e.mdnSent
      ? options.canAnswerMdn
        ? `<form method="post" action="${boxHref(address, `/message/${encodeURIComponent(e.id)}/accuse`)}" class="carte">${csrfField(v)}
<p>L’expéditeur demande un accusé de lecture (à ${esc(e.mdnTo)}).</p><button type="submit">Envoyer l’accusé de lecture</button></form>`
        : ''
      : e.mdnTo && e.mdnSent
        ? '<p class="note">Accusé de lecture envoyé.</p>'
        : '';
  const threadList =
    thread.length > 1
      ? `<nav aria-label="Fil de discussion" class="carte"><h2>Fil de discussion (${thread.length} messages)</h2><ol>${thread
          .map(
            (t) =>
              `<li><a href="${boxHref(address, `/message/${encodeURIComponent(t.id)}`)}"${t.id === e.id ? ' aria-current="page"' : ''}>${people(t.from)} — ${esc(t.subject || '(sans objet)')}, ${esc(dateTime(t.receivedAt))}</a></li>`,
          )
          .join('')}</ol></nav>`
      : '';
  const actions = e.draft
    ? `<p class="actions"><a class="bouton" href="${boxHref(address, `/ecrire?brouillon=${encodeURIComponent(e.id)}`)}">Reprendre le brouillon</a></p>`
    : `<p class="actions"><a class="bouton" href="${boxHref(address, `/ecrire?repondre=${encodeURIComponent(e.id)}`)}">Répondre</a>
<a class="bouton" href="${boxHref(address, `/ecrire?repondre=${encodeURIComponent(e.id)}&tous=1`)}">Répondre à tous</a>
<a class="bouton" href="${boxHref(address, `/ecrire?transferer=${encodeURIComponent(e.id)}`)}">Transférer</a></p>`;
  return `<article class="message carte" aria-labelledby="objet"><h2 id="objet">${esc(e.subject || '(sans objet)')}</h2>
<dl class="entetes"><dt>De</dt><dd>${e.from.map((a) => esc(addressText(a))).join(', ')}</dd>
<dt>À</dt><dd>${e.to.map((a) => esc(addressText(a))).join(', ')}</dd>
${e.cc.length ? `<dt>Cc</dt><dd>${e.cc.map((a) => esc(addressText(a))).join(', ')}</dd>` : ''}
<dt>Date</dt><dd>${esc(dateTime(e.sentAt ?? e.receivedAt))}</dd></dl>${actions}${mdn}${imagesNote}${body}
${docs || plain ? `<section aria-label="Pièces jointes" class="pieces"><h3>Pièces jointes</h3><ul>${docs}${plain}</ul></section>` : ''}</article>${threadList}`;
}

export interface ComposeValues {
  to: string;
  cc: string;
  subject: string;
  text: string;
  readReceipt: boolean;
  inReplyTo: string;
  references: string;
  draftId: string;
  /** Attachments carried over (forward, draft): blobs of this account. */
  kept: Attachment[];
}

export const EMPTY_COMPOSE: ComposeValues = {
  to: '',
  cc: '',
  subject: '',
  text: '',
  readReceipt: false,
  inReplyTo: '',
  references: '',
  draftId: '',
  kept: [],
};

export function composeContent(v: Viewer, address: string, c: ComposeValues, maxBytes: number): string {
  const kept = c.kept
    .map(
      (
        a,
        i,
      ) => `<li><label><input type="checkbox" name="piece_gardee" value="${esc(`${a.blobId}|${a.type}|${a.name ?? ''}|${a.size}`)}" checked>
${esc(a.name ?? 'pièce jointe')} (${esc(size(a.size))})</label><span class="visuellement-cache" id="gardee-${i}"></span></li>`,
    )
    .join('');
  return `<section class="carte" aria-labelledby="ecrire-titre"><h2 id="ecrire-titre">${c.inReplyTo ? 'Répondre' : 'Nouveau message'}</h2>
<form method="post" action="${boxHref(address, '/envoyer')}" enctype="multipart/form-data" class="ecrire">${csrfField(v)}
<input type="hidden" name="en_reponse_a" value="${esc(c.inReplyTo)}"><input type="hidden" name="references" value="${esc(c.references)}">
<input type="hidden" name="brouillon" value="${esc(c.draftId)}">
<p>De : <strong>${esc(address)}</strong></p>
<label for="a">À</label><input id="a" name="a" value="${esc(c.to)}" list="annuaire-suggestions" autocomplete="off" aria-describedby="a-aide" data-annuaire="1">
<p id="a-aide" class="aide">Adresses séparées par des virgules ; tapez un nom pour chercher dans l’Annuaire Santé.</p>
<datalist id="annuaire-suggestions"></datalist>
<label for="cc">Cc</label><input id="cc" name="cc" value="${esc(c.cc)}" autocomplete="off">
<label for="objet-champ">Objet</label><input id="objet-champ" name="objet" value="${esc(c.subject)}" maxlength="900">
<label for="texte">Message</label><textarea id="texte" name="texte" rows="12">${esc(c.text)}</textarea>
${kept ? `<fieldset><legend>Pièces jointes conservées</legend><ul>${kept}</ul></fieldset>` : ''}
<label for="pieces">Pièces jointes (${esc(size(maxBytes))} au plus en tout)</label>
<input id="pieces" name="pieces" type="file" multiple data-max-octets="${maxBytes}" aria-describedby="pieces-trop-gros">
<p id="pieces-trop-gros" class="erreur" role="alert" hidden></p>
<p><label><input type="checkbox" name="accuse" value="1"${c.readReceipt ? ' checked' : ''}> Demander un accusé de lecture</label></p>
<p><button type="submit" name="action" value="envoyer">Envoyer</button> <button type="submit" name="action" value="brouillon" class="secondaire">Enregistrer le brouillon</button></p>
</form></section>`;
}
