// Server-rendered SVG bar charts: no script, readable without colours (each bar carries its value,
// the legend names each series in words) and described for screen readers (role="img", a title
// and a description that says every figure), with the same figures in a table beside it.

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface Series {
  name: string;
  /** Fill colour, dark enough for white text and a 3:1 contrast against the page (WCAG 1.4.11). */
  color: string;
}

export interface BarChart {
  /** Unique in the page: the SVG's title and description ids derive from it. */
  id: string;
  title: string;
  series: readonly Series[];
  categories: readonly { label: string; values: readonly number[] }[];
}

const WIDTH = 720;
const BAR = 18;
const GAP = 4;
const GROUP_GAP = 14;
const TOP = 34;

/** A horizontal grouped bar chart: one group per category, one bar per series. */
export function barChartSvg(chart: BarChart): string {
  const max = Math.max(1, ...chart.categories.flatMap((c) => c.values));
  // Room for the longest category name (about 7.5 px a character at 13 px).
  const LABEL = Math.min(320, Math.max(60, Math.ceil(Math.max(0, ...chart.categories.map((c) => c.label.length)) * 7.5) + 16));
  const groupHeight = chart.series.length * (BAR + GAP) - GAP;
  const height = TOP + chart.categories.length * (groupHeight + GROUP_GAP) + 6;
  const span = WIDTH - LABEL - 60;
  const parts: string[] = [];
  // Legend: a swatch and the series' name in words.
  let x = LABEL;
  for (const s of chart.series) {
    parts.push(`<rect x="${x}" y="8" width="14" height="14" fill="${s.color}"/>`);
    parts.push(`<text x="${x + 20}" y="20" class="legend">${escapeHtml(s.name)}</text>`);
    x += 30 + s.name.length * 8;
  }
  chart.categories.forEach((c, i) => {
    const y0 = TOP + i * (groupHeight + GROUP_GAP);
    parts.push(`<text x="${LABEL - 8}" y="${y0 + groupHeight / 2 + 5}" text-anchor="end" class="category">${escapeHtml(c.label)}</text>`);
    c.values.forEach((v, j) => {
      const y = y0 + j * (BAR + GAP);
      const w = Math.round((v / max) * span);
      parts.push(`<rect x="${LABEL}" y="${y}" width="${Math.max(w, 1)}" height="${BAR}" fill="${chart.series[j]!.color}"/>`);
      parts.push(`<text x="${LABEL + Math.max(w, 1) + 6}" y="${y + BAR - 4}" class="value">${v}</text>`);
    });
  });
  const description = chart.categories
    .map((c) => `${c.label} : ${c.values.map((v, j) => `${chart.series[j]!.name} ${v}`).join(', ')}`)
    .join(' ; ');
  return (
    `<svg role="img" aria-labelledby="${chart.id}-title ${chart.id}-desc" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg">` +
    `<title id="${chart.id}-title">${escapeHtml(chart.title)}</title>` +
    `<desc id="${chart.id}-desc">${escapeHtml(description || 'Aucune donnée pour ce mois.')}</desc>` +
    `<line x1="${LABEL}" y1="${TOP - 6}" x2="${LABEL}" y2="${height - 4}" stroke="#555"/>` +
    parts.join('') +
    '</svg>'
  );
}

/** The chart's figures as a table (the text alternative everyone can read and copy). */
export function figuresTable(chart: BarChart, firstColumn: string): string {
  const head = `<tr><th scope="col">${escapeHtml(firstColumn)}</th>${chart.series.map((s) => `<th scope="col">${escapeHtml(s.name)}</th>`).join('')}</tr>`;
  const body = chart.categories
    .map((c) => `<tr><th scope="row">${escapeHtml(c.label)}</th>${c.values.map((v) => `<td>${v}</td>`).join('')}</tr>`)
    .join('');
  return `<table><caption class="visually-hidden">${escapeHtml(chart.title)}</caption><thead>${head}</thead><tbody>${body}</tbody></table>`;
}
