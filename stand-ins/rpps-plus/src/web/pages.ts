// The portal's pages: French, server-rendered, plain HTML forms, no script. Every value goes
// through escapeHtml.

import { escapeHtml as e } from '@mss/oidc-kit';
import type { Professional } from '../annuaire-link.ts';
import { KIND_LABEL, practiceName, type ApplicantView, type TitularView } from '../portal.ts';
import type { FranceConnectIdentity } from './sessions.ts';

const STYLE = `body{font-family:system-ui,sans-serif;background:#f5f5fe;color:#161616;margin:0;line-height:1.45}
header{background:#fff;border-bottom:3px solid #000091;padding:.6rem 1.5rem;display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}
header .brand{font-weight:700;color:#000091;font-size:1.15rem;text-decoration:none}main{max-width:60rem;margin:1.5rem auto;background:#fff;border-radius:8px;padding:1.25rem 2rem;box-shadow:0 1px 3px #0002}
h1{font-size:1.35rem}h2{font-size:1.1rem;margin-top:1.6rem}a{color:#000091}.muted{color:#555;font-size:.9rem}
.alert{color:#9c0000;background:#ffecec;padding:.6rem .8rem;border-radius:4px}.ok{color:#0b5b2b;background:#e6f6ea;padding:.6rem .8rem;border-radius:4px}
.notice{background:#fff6dd;padding:.6rem .8rem;border-radius:4px}button,.button{font:inherit;padding:.45rem .9rem;border-radius:4px;border:1px solid #000091;background:#000091;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:#fff;color:#000091}button.danger{background:#b00020;border-color:#b00020}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
label{display:block;font-weight:600;margin-top:.6rem}input[type=text],input[type=email],input[type=tel],input[type=date],input[type=search],select{font:inherit;width:100%;box-sizing:border-box;padding:.4rem}
fieldset{border:1px solid #ccc;border-radius:6px;margin:.8rem 0}legend{font-weight:700}fieldset label{display:inline;font-weight:400;margin:0}
.card{border:1px solid #dde;border-radius:6px;padding:.6rem 1rem;margin:.8rem 0}.rpps{font-size:1.3rem;font-weight:700;letter-spacing:.05em}
.inline{display:inline}.row{display:flex;gap:.6rem;flex-wrap:wrap;align-items:end}.row>*{flex:1 1 12rem}ol.steps{padding-left:1.2rem}.fc{background:#000091}.psc{background:#00607a;border-color:#00607a}`;

export interface Viewer {
  displayName: string;
  csrf: string;
  home: string;
}

function layout(title: string, body: string, viewer?: Viewer): string {
  const who = viewer
    ? `<nav aria-label="Compte"><span>${e(viewer.displayName)}</span>
<form method="post" action="/deconnexion" class="inline"><input type="hidden" name="_csrf" value="${e(viewer.csrf)}"> <button type="submit" class="secondary">Se déconnecter</button></form></nav>`
    : '';
  return `<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)} — Portail RPPS+</title><style>${STYLE}</style></head>
<body><header><a class="brand" href="${viewer ? e(viewer.home) : '/'}">Portail RPPS+ — enregistrement des secrétaires et assistants médicaux</a>${who}</header>
<main id="contenu">
<p class="muted">Bac à sable local (mss-operator) : personnes et numéros fictifs.</p>
${body}
</main></body></html>`;
}

const csrf = (v: Viewer) => `<input type="hidden" name="_csrf" value="${e(v.csrf)}">`;

export function frDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'medium' });
}

function frDate(day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : day;
}

const message = (o: { error?: string | undefined; notice?: string | undefined }) =>
  `${o.error ? `<p class="alert" role="alert">${e(o.error)}</p>` : ''}${o.notice ? `<p class="ok" role="status">${e(o.notice)}</p>` : ''}`;

export function homePage(o: { error?: string | undefined; notice?: string | undefined } = {}): string {
  return layout(
    'Accueil',
    `<h1>Enregistrement au RPPS des secrétaires et assistants médicaux</h1>
${message(o)}
<div class="card"><h2>Vous êtes secrétaire médical(e) ou assistant(e) médical(e)</h2>
<p>Demandez votre enregistrement : votre employeur, professionnel de santé titulaire du cabinet, la validera. Vous recevrez alors votre numéro RPPS et pourrez activer votre e-CPS.</p>
<p><a class="button fc" href="/franceconnect/connexion">S'identifier avec FranceConnect</a></p>
<p class="muted">FranceConnect est la solution proposée par l'État pour sécuriser et simplifier la connexion aux services en ligne.</p></div>
<div class="card"><h2>Vous êtes professionnel de santé titulaire d'un cabinet</h2>
<p>Validez les demandes de vos secrétaires et assistants, enregistrez-les directement, fixez la fin de leur situation d'exercice.</p>
<p><a class="button psc" href="/psc/connexion">Se connecter avec Pro Santé Connect</a></p></div>`,
  );
}

export function problemPage(title: string, text: string, viewer?: Viewer, back?: { href: string; label: string }): string {
  return layout(
    title,
    `<h1>${e(title)}</h1><p class="alert" role="alert">${e(text)}</p>${back ? `<p><a href="${e(back.href)}">${e(back.label)}</a></p>` : ''}`,
    viewer,
  );
}

export function loggedOutPage(): string {
  return homePage({ notice: 'Vous êtes déconnecté(e).' });
}

const STATUS_LABEL = { pending: 'En attente de validation', validated: 'Validée', refused: 'Refusée' } as const;

function situationState(endDate: string | null, today: string): string {
  if (endDate === null) return 'en cours';
  return endDate <= today ? `terminée le ${frDate(endDate)}` : `en cours, fin prévue le ${frDate(endDate)}`;
}

// ---------- the secretary's side ----------

export function secretaryPage(
  viewer: Viewer,
  requests: ApplicantView[],
  employers: ReadonlyMap<string, string>,
  o: { now: string; today: string; error?: string | undefined; notice?: string | undefined },
): string {
  const cards = requests
    .map((r) => {
      const employer = employers.get(r.employerIdnat) ?? r.employerIdnat;
      let state = '';
      if (r.status === 'validated') {
        state = r.idnat
          ? `<p>Votre numéro RPPS : <span class="rpps" data-rpps>${e(r.idnat.slice(1))}</span> <span class="muted">(identifiant national ${e(r.idnat)})</span></p>
<p>Situation d'exercice ${e(situationState(r.endDate, o.today))}.</p>
${
  r.ecpsActiveAt
    ? r.ecpsActiveAt <= o.now
      ? `<p class="ok" role="status">Votre e-CPS est active : connectez-vous à Pro Santé Connect avec votre identifiant national ${e(r.idnat)}.</p>`
      : `<p class="notice">Activation de votre e-CPS en cours : elle sera utilisable à partir du ${e(frDateTime(r.ecpsActiveAt))}.</p>`
    : `<form method="post" action="/secretaire/demandes/${r.id}/ecps">${csrf(viewer)}<button type="submit">Activer ma e-CPS</button></form>`
}`
          : `<p class="notice">Votre demande a été validée. Votre numéro RPPS vous sera communiqué à partir du ${e(frDateTime(r.rppsNoticeAt ?? ''))}. Rechargez cette page.</p>`;
      } else if (r.status === 'refused') {
        state = `<p class="alert">Demande refusée${r.refusalReason ? ` : ${e(r.refusalReason)}` : '.'}</p>`;
      } else {
        state = `<p>En attente de la validation de ${e(employer)}.</p>`;
      }
      return `<section class="card" aria-labelledby="demande-${r.id}"><h2 id="demande-${r.id}">Demande n° ${r.id} — ${e(STATUS_LABEL[r.status])}</h2>
<p>${e(KIND_LABEL[r.kind])} — ${e(r.practiceName)}, employeur ${e(employer)}. Déposée le ${e(frDateTime(r.createdAt))}.</p>${state}</section>`;
    })
    .join('\n');
  return layout(
    'Mes demandes',
    `<h1>Mes demandes d'enregistrement</h1>
${message(o)}
${cards || '<p>Vous n’avez encore déposé aucune demande.</p>'}
<p><a class="button" href="/secretaire/nouvelle-demande">Nouvelle demande d'enregistrement</a></p>`,
    viewer,
  );
}

export interface RequestFormValues {
  civility: string;
  lastName: string;
  firstNames: string;
  birthDate: string;
  email: string;
  phone: string;
  kind: string;
  employer: string;
  practice: string;
}

export function formFromIdentity(id: FranceConnectIdentity): RequestFormValues {
  return {
    civility: id.gender === 'female' ? 'MME' : id.gender === 'male' ? 'M' : '',
    lastName: id.familyName,
    firstNames: id.givenName,
    birthDate: id.birthdate,
    email: id.email,
    phone: '',
    kind: 'SECRETARY',
    employer: '',
    practice: '',
  };
}

function practiceChoices(results: Professional[], values: RequestFormValues): string {
  if (results.length === 0) return '';
  return `<fieldset><legend>Votre employeur et votre lieu d'exercice</legend>
${results
  .map((p) => {
    const who = `${p.person.first_name} ${p.person.last_name} — ${p.person.profession_label ?? ''}${p.person.speciality_label ? `, ${p.person.speciality_label}` : ''} (RPPS ${p.person.rpps ?? ''})`;
    if (p.practices.length === 0) return `<p>${e(who)} : aucune situation d'exercice en cours.</p>`;
    return `<p><strong>${e(who)}</strong></p>${p.practices
      .map((s) => {
        const value = `${p.person.idnat}|${s.id}`;
        const checked = values.employer === p.person.idnat && values.practice === s.id ? ' checked' : '';
        const id = `lieu-${s.id.replace(/[^A-Za-z0-9-]/g, '_')}`;
        return `<p><input type="radio" name="lieu" id="${e(id)}" value="${e(value)}"${checked} required> <label for="${e(id)}">${e(practiceName(s))} — ${e(s.street)}, ${e(s.postal_code)} ${e(s.city)}</label></p>`;
      })
      .join('')}`;
  })
  .join('\n')}</fieldset>`;
}

export function newRequestPage(
  viewer: Viewer,
  o: { query: string; results: Professional[] | undefined; values: RequestFormValues; error?: string | undefined },
): string {
  const v = o.values;
  const searched =
    o.results === undefined
      ? ''
      : o.results.length === 0
        ? `<p class="alert" role="alert">Aucun professionnel de santé ne correspond à « ${e(o.query)} ». Vérifiez le nom ou le numéro RPPS.</p>`
        : `<p role="status">${o.results.length} professionnel${o.results.length > 1 ? 's' : ''} trouvé${o.results.length > 1 ? 's' : ''}.</p>`;
  const input = (id: string, label: string, name: keyof RequestFormValues, type: string, extra = '') =>
    `<label for="${id}">${label}</label><input type="${type}" id="${id}" name="${name}" value="${e(v[name])}"${extra}>`;
  return layout(
    'Nouvelle demande',
    `<h1>Nouvelle demande d'enregistrement</h1>
${o.error ? `<p class="alert" role="alert">${e(o.error)}</p>` : ''}
<h2>1. Trouvez le professionnel qui vous emploie</h2>
<form method="get" action="/secretaire/nouvelle-demande" role="search">
<label for="q">Nom de famille ou numéro RPPS du professionnel</label>
<div class="row"><input type="search" id="q" name="q" value="${e(o.query)}" required minlength="2"><button type="submit" class="secondary">Rechercher</button></div>
</form>
${searched}
<h2>2. Votre situation d'exercice et votre état civil</h2>
<form method="post" action="/secretaire/nouvelle-demande">${csrf(viewer)}
${practiceChoices(o.results ?? [], v)}
${o.results && o.results.length > 0 ? '' : '<p class="muted">Recherchez d’abord votre employeur pour choisir votre lieu d’exercice.</p>'}
<fieldset><legend>Profession</legend>
<p><input type="radio" id="p-sec" name="profession" value="SECRETARY"${v.kind !== 'MEDICAL_ASSISTANT' ? ' checked' : ''}> <label for="p-sec">Secrétaire médical(e)</label></p>
<p><input type="radio" id="p-am" name="profession" value="MEDICAL_ASSISTANT"${v.kind === 'MEDICAL_ASSISTANT' ? ' checked' : ''}> <label for="p-am">Assistant(e) médical(e)</label></p>
</fieldset>
<fieldset><legend>État civil <span class="muted">(transmis par FranceConnect, à vérifier)</span></legend>
<label for="civilite">Civilité</label><select id="civilite" name="civilite"><option value="MME"${v.civility === 'MME' ? ' selected' : ''}>Mme</option><option value="M"${v.civility === 'M' ? ' selected' : ''}>M.</option></select>
${input('nom', 'Nom de naissance', 'lastName', 'text', ' required autocomplete="family-name"')}
${input('prenoms', 'Prénoms', 'firstNames', 'text', ' required autocomplete="given-name"')}
${input('naissance', 'Date de naissance', 'birthDate', 'date', ' required')}
</fieldset>
<fieldset><legend>Coordonnées</legend>
${input('courriel', 'Adresse électronique', 'email', 'email', ' autocomplete="email"')}
${input('telephone', 'Téléphone', 'phone', 'tel', ' autocomplete="tel"')}
</fieldset>
<p><button type="submit"${o.results && o.results.length > 0 ? '' : ' disabled'}>Envoyer ma demande</button></p>
</form>`,
    viewer,
  );
}

// ---------- the titular's side ----------

const ACTION_LABEL: Readonly<Record<string, string>> = {
  requested: 'Demande déposée',
  entered: 'Saisie directe par le titulaire',
  validated: 'Demande validée',
  refused: 'Demande refusée',
  'rpps-assigned': 'Numéro RPPS attribué',
  'ecps-requested': 'Activation de l’e-CPS demandée',
  'end-date-set': 'Date de fin fixée',
  ended: 'Situation d’exercice terminée',
};

function actorLabel(actor: string, titular: string): string {
  if (actor === titular) return 'vous';
  if (actor === 'portail') return 'le portail';
  if (actor.startsWith('franceconnect:')) return `${actor.slice('franceconnect:'.length)} (FranceConnect)`;
  return actor;
}

function steps(r: TitularView, titular: string): string {
  return `<details><summary>Historique (${r.events.length} étape${r.events.length > 1 ? 's' : ''})</summary><ol class="steps">${r.events
    .map(
      (ev) =>
        `<li><time datetime="${e(ev.at)}">${e(frDateTime(ev.at))}</time> — ${e(ACTION_LABEL[ev.action] ?? ev.action)} par ${e(actorLabel(ev.actor, titular))}${ev.detail ? ` : ${e(ev.detail)}` : ''}</li>`,
    )
    .join('')}</ol></details>`;
}

function pendingCard(viewer: Viewer, r: TitularView, titular: string): string {
  return `<section class="card" aria-labelledby="demande-${r.id}"><h3 id="demande-${r.id}">Demande n° ${r.id} — ${e(r.first_names)} ${e(r.last_name)}</h3>
<p>${e(KIND_LABEL[r.kind])} — ${e(r.practice_name)}. Née le ${e(frDate(r.birth_date))}${r.email ? `, ${e(r.email)}` : ''}${r.phone ? `, ${e(r.phone)}` : ''}. Déposée le ${e(frDateTime(r.created_at))}.</p>
<form method="post" action="/titulaire/demandes/${r.id}/valider" class="inline">${csrf(viewer)}<button type="submit">Valider la demande n° ${r.id}</button></form>
<form method="post" action="/titulaire/demandes/${r.id}/refuser">${csrf(viewer)}
<div class="row"><div><label for="motif-${r.id}">Motif du refus (facultatif)</label><input type="text" id="motif-${r.id}" name="motif" maxlength="500"></div>
<button type="submit" class="secondary">Refuser la demande n° ${r.id}</button></div></form>
${steps(r, titular)}</section>`;
}

function staffCard(viewer: Viewer, r: TitularView, titular: string, today: string): string {
  const ended = r.end_date !== null && r.end_date <= today;
  const controls = ended
    ? ''
    : `<form method="post" action="/titulaire/demandes/${r.id}/fin">${csrf(viewer)}
<div class="row"><div><label for="fin-${r.id}">Date de fin de la situation d'exercice</label><input type="date" id="fin-${r.id}" name="date" min="${e(today)}" value="${e(r.end_date ?? '')}" required></div>
<button type="submit" class="secondary">Fixer la date de fin (demande n° ${r.id})</button></div></form>
<form method="post" action="/titulaire/demandes/${r.id}/fin" class="inline">${csrf(viewer)}<input type="hidden" name="maintenant" value="1"><button type="submit" class="danger">Mettre fin maintenant (demande n° ${r.id})</button></form>`;
  return `<section class="card" aria-labelledby="demande-${r.id}"><h3 id="demande-${r.id}">${e(r.first_names)} ${e(r.last_name)} — RPPS ${e(r.person_idnat?.slice(1) ?? '')}</h3>
<p>${e(KIND_LABEL[r.kind])} — ${e(r.practice_name)}. Situation d'exercice <strong>${e(situationState(r.end_date, today))}</strong>.</p>
${controls}
${steps(r, titular)}</section>`;
}

export function titularPage(
  viewer: Viewer,
  titular: { idnat: string; practices: { id: string; label: string }[] },
  requests: TitularView[],
  o: { today: string; error?: string | undefined; notice?: string | undefined; direct?: Partial<RequestFormValues> },
): string {
  const pending = requests.filter((r) => r.status === 'pending');
  const staff = requests.filter((r) => r.status === 'validated');
  const refused = requests.filter((r) => r.status === 'refused');
  const d = o.direct ?? {};
  return layout(
    'Espace titulaire',
    `<h1>Mes secrétaires et assistants médicaux</h1>
${message(o)}
<h2>Demandes en attente (${pending.length})</h2>
${pending.map((r) => pendingCard(viewer, r, titular.idnat)).join('\n') || '<p>Aucune demande en attente.</p>'}
<h2>Personnes enregistrées (${staff.length})</h2>
${staff.map((r) => staffCard(viewer, r, titular.idnat, o.today)).join('\n') || '<p>Aucune personne enregistrée.</p>'}
${refused.length ? `<h2>Demandes refusées (${refused.length})</h2>${refused.map((r) => `<section class="card"><h3>Demande n° ${r.id} — ${e(r.first_names)} ${e(r.last_name)}</h3><p>Refusée le ${e(frDateTime(r.decided_at ?? ''))}${r.refusal_reason ? ` : ${e(r.refusal_reason)}` : ''}.</p>${steps(r, titular.idnat)}</section>`).join('\n')}` : ''}
<h2>Enregistrer directement une personne</h2>
<form method="post" action="/titulaire/saisie">${csrf(viewer)}
<div class="row">
<div><label for="d-lieu">Lieu d'exercice</label><select id="d-lieu" name="lieu" required>${titular.practices
      .map((p) => `<option value="${e(p.id)}"${d.practice === p.id ? ' selected' : ''}>${e(p.label)}</option>`)
      .join('')}</select></div>
<div><label for="d-profession">Profession</label><select id="d-profession" name="profession"><option value="SECRETARY">Secrétaire médical(e)</option><option value="MEDICAL_ASSISTANT"${d.kind === 'MEDICAL_ASSISTANT' ? ' selected' : ''}>Assistant(e) médical(e)</option></select></div>
<div><label for="d-civilite">Civilité</label><select id="d-civilite" name="civilite"><option value="MME">Mme</option><option value="M"${d.civility === 'M' ? ' selected' : ''}>M.</option></select></div>
</div>
<div class="row">
<div><label for="d-nom">Nom de naissance</label><input type="text" id="d-nom" name="nom" value="${e(d.lastName ?? '')}" required></div>
<div><label for="d-prenoms">Prénoms</label><input type="text" id="d-prenoms" name="prenoms" value="${e(d.firstNames ?? '')}" required></div>
<div><label for="d-naissance">Date de naissance</label><input type="date" id="d-naissance" name="naissance" value="${e(d.birthDate ?? '')}" required></div>
</div>
<p><button type="submit">Enregistrer cette personne</button></p>
</form>`,
    viewer,
  );
}
