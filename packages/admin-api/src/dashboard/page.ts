// The dashboard's HTML (French, the operators' language): the login form and the month's page.
// Plain HTML and CSS, server-rendered; no script.

import { barChartSvg, escapeHtml, figuresTable, type BarChart } from './charts.ts';
import type { DashboardFigures } from './figures.ts';

const STYLE = `
body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f6f6f6}
header{background:#000091;color:#fff;padding:12px 24px;display:flex;justify-content:space-between;align-items:center}
header h1{font-size:1.25rem;margin:0}
header form{margin:0}
main{max-width:1100px;margin:0 auto;padding:16px 24px}
.cards{display:flex;flex-wrap:wrap;gap:12px;padding:0;list-style:none}
.cards li{background:#fff;border:1px solid #ccc;padding:12px 16px;min-width:150px}
.cards strong{display:block;font-size:1.6rem}
section{background:#fff;border:1px solid #ccc;padding:12px 16px;margin:16px 0}
figure{margin:0}
table{border-collapse:collapse;margin-top:8px}
th,td{border:1px solid #bbb;padding:4px 10px;text-align:right}
th[scope=row],thead th:first-child{text-align:left}
svg .legend,svg .category{font-size:13px;fill:#1b1b1b}
svg .value{font-size:12px;fill:#1b1b1b}
label{display:block;margin:8px 0 4px}
input,button{font-size:1rem;padding:6px 8px}
button{background:#000091;color:#fff;border:0;cursor:pointer}
header button{background:#fff;color:#000091}
a{color:#000091}
.error{color:#b60000;font-weight:bold}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
:focus{outline:3px solid #ff9940;outline-offset:2px}
`;

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

export function loginPage(options: { error?: string; next?: string } = {}): string {
  const error = options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : '';
  return layout(
    'Connexion — indicateurs Ségur',
    `<header><h1>Indicateurs Ségur de l’opérateur</h1></header><main>
<h2>Connexion de l’administrateur de l’opérateur</h2>${error}
<form method="post" action="/indicateurs/connexion">
<label for="user">Identifiant</label><input id="user" name="user" autocomplete="username" value="admin" required>
<label for="password">Mot de passe</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<p><button type="submit">Se connecter</button></p></form>
<p>Le mot de passe est celui de l’API d’administration (en bac à sable : <code>&lt;data-dir&gt;/admin-password</code>).</p></main>`,
  );
}

/** Names of the document types the sandbox's senders use; any other shows as its code alone. */
const DOCUMENT_TYPES: Readonly<Record<string, string>> = {
  '11490-0': 'Lettre de liaison de sortie',
  '11502-2': 'Compte rendu de biologie',
};

const SENT = { name: 'Envoyés', color: '#000091' };
const RECEIVED = { name: 'Reçus', color: '#8a4b00' };

const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];

export function monthName(period: string): string {
  const [y, m] = period.split('-');
  return `${MONTHS[Number(m) - 1]} ${y}`;
}

function chartSection(id: string, heading: string, chart: BarChart, firstColumn: string, empty: string): string {
  const content =
    chart.categories.length === 0
      ? `<p>${escapeHtml(empty)}</p>`
      : `<figure>${barChartSvg(chart)}${figuresTable(chart, firstColumn)}</figure>`;
  return `<section aria-labelledby="${id}"><h2 id="${id}">${escapeHtml(heading)}</h2>${content}</section>`;
}

export function dashboardPage(p: { period: string; operator: string; figures: DashboardFigures }): string {
  const f = p.figures;
  const month = monthName(p.period);
  const cards = [
    ['Messages envoyés', f.sent],
    ['Messages reçus', f.received],
    ['Envoyés avec document CDA', f.sentWithCda],
    ['Reçus avec document CDA', f.receivedWithCda],
    ['Avec INS qualifié', f.withQualifiedIns],
    ['Échanges avec Mon Espace Santé', f.mes.sentTo + f.mes.receivedFrom],
    ['Personnes ayant envoyé', f.senders],
    ['Envois avec en-têtes incohérents', f.withMismatch],
  ] as const;
  const byType: BarChart = {
    id: 'chart-types',
    title: `Messages par type de BAL, ${month}`,
    series: [SENT, RECEIVED],
    categories: f.byMailboxType.map((t) => ({ label: t.type, values: [t.sent, t.received] })),
  };
  const byDocument: BarChart = {
    id: 'chart-documents',
    title: `Messages avec document CDA, par type de document, ${month}`,
    series: [SENT, RECEIVED],
    categories: f.byDocumentType.map((d) => ({
      label: DOCUMENT_TYPES[d.code] ? `${d.code} ${DOCUMENT_TYPES[d.code]}`.slice(0, 40) : d.code.slice(0, 20),
      values: [d.sent, d.received],
    })),
  };
  const mes: BarChart = {
    id: 'chart-mes',
    title: `Échanges avec Mon Espace Santé, ${month}`,
    series: [{ name: 'Messages', color: '#18753c' }],
    categories: [
      { label: 'Vers les patients', values: [f.mes.sentTo] },
      { label: 'Des patients', values: [f.mes.receivedFrom] },
    ],
  };
  return layout(
    `Indicateurs Ségur, ${month} — ${p.operator}`,
    `<header><h1>Indicateurs Ségur — ${escapeHtml(p.operator)}</h1>
<form method="post" action="/indicateurs/deconnexion"><button type="submit">Se déconnecter</button></form></header>
<main>
<form method="get" action="/indicateurs"><label for="mois">Mois</label>
<input id="mois" name="mois" type="month" value="${escapeHtml(p.period)}" required> <button type="submit">Afficher</button>
<a href="/indicateurs/export.csv?mois=${encodeURIComponent(p.period)}" download>Télécharger l’export CSV</a></form>
<h2>Chiffres de ${escapeHtml(month)}</h2>
<ul class="cards">${cards.map(([label, n]) => `<li><strong>${n}</strong>${escapeHtml(label)}</li>`).join('')}</ul>
${chartSection('h-types', 'Par type de boîte aux lettres', byType, 'Type de BAL', '')}
${chartSection('h-documents', 'Par type de document CDA', byDocument, 'Type de document (LOINC)', 'Aucun message avec un document CDA ce mois-ci.')}
${chartSection('h-mes', 'Échanges avec Mon Espace Santé', mes, 'Sens', '')}
<p>Les envois sont comptés pour la personne qui a agi (cotitulaire, délégué), jamais pour le titulaire d’une BAL de cabinet (R-CAB-8) ;
les réceptions pour le titulaire de la BAL. Mois en heure de Paris. Format de l’export : docs/indicators.md.</p>
</main>`,
  );
}
