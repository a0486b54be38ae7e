// The report: JSON for the vendor's CI (every requirement with its reference, status, detail and
// evidence), and HTML, one page per scenario plus an index, readable without a server.

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ScenarioReport } from './kit.ts';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const badge = (status: string): string => `<span class="s ${esc(status)}">${esc(status)}</span>`;

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1b1b}
table{border-collapse:collapse;width:100%;margin:1rem 0}td,th{border-bottom:1px solid #ddd;padding:.4rem .5rem;text-align:left;vertical-align:top}
.s{display:inline-block;padding:0 .5rem;border-radius:.6rem;font-weight:600;font-size:.85rem}.pass{background:#d7f5dc;color:#145a1f}
.fail{background:#fde0df;color:#8a1410}.not-observed{background:#eee;color:#555}pre{background:#f6f6f6;padding:.5rem;white-space:pre-wrap;font-size:.8rem;margin:.3rem 0}
h1 small{font-weight:normal;color:#555}.ref{color:#555;font-size:.85rem}`;

export function scenarioHtml(r: ScenarioReport): string {
  const reqRows = r.requirements
    .map(
      (
        q,
      ) => `<tr id="${esc(q.id)}"><td>${badge(q.status)}</td><td><b>${esc(q.id)}</b> ${esc(q.title)}<div class="ref">${esc(q.reference)} · ${esc(q.level)}</div></td>
<td>${esc(q.detail)}${q.evidence.length ? `<pre>${esc(q.evidence.join('\n'))}</pre>` : ''}</td></tr>`,
    )
    .join('\n');
  const expRows = r.expectations
    .map((e) => `<tr><td>${badge(e.status)}</td><td>${esc(e.title)}</td><td>${esc(e.detail)}</td></tr>`)
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(r.scenario.id)} — conformance</title><style>${STYLE}</style></head><body>
<h1>${esc(r.scenario.title)} <small>${badge(r.passed ? 'pass' : 'fail')}</small></h1>
<p>${esc(r.scenario.description)}</p>
<p>Acting for <b>${esc(r.scenario.persona.name)}</b> (IdNat ${esc(r.scenario.persona.idnat)}), mailbox <b>${esc(r.scenario.persona.mailbox)}</b>. ${esc(r.startedAt)} → ${esc(r.finishedAt)}${r.run ? ` · command <code>${esc(r.run.command)}</code> exited ${esc(String(r.run.exitCode))}` : ''}.</p>
<h2>Steps</h2><ol>${r.scenario.steps.map((s) => `<li>${esc(s)}</li>`).join('')}</ol>
<h2>Expected</h2><table><tr><th></th><th>what</th><th>observed</th></tr>${expRows}</table>
<h2>Requirements</h2><table><tr><th></th><th>requirement</th><th>what the exchanges show</th></tr>${reqRows}</table>
<p class="ref">Tokens, client secrets and passwords are withheld from the evidence. JSON: report.json.</p></body></html>`;
}

export function indexHtml(reports: readonly ScenarioReport[]): string {
  const rows = reports
    .map(
      (r) =>
        `<tr><td>${badge(r.passed ? 'pass' : 'fail')}</td><td><a href="${esc(r.scenario.id)}.html">${esc(r.scenario.title)}</a></td><td>${esc(r.failed.join(', ') || '—')}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>MSSanté conformance report</title><style>${STYLE}</style></head><body>
<h1>MSSanté API LPS conformance</h1><table><tr><th></th><th>scenario</th><th>failed</th></tr>${rows}</table></body></html>`;
}

/** Writes report.json, index.html and one page per scenario; returns the index's path. */
export async function writeReport(dir: string, reports: readonly ScenarioReport[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, 'report.json'),
    `${JSON.stringify({ passed: reports.every((r) => r.passed), scenarios: reports }, null, 2)}\n`,
  );
  for (const r of reports) await writeFile(path.join(dir, `${r.scenario.id}.html`), scenarioHtml(r));
  const index = path.join(dir, 'index.html');
  await writeFile(index, indexHtml(reports));
  return index;
}
