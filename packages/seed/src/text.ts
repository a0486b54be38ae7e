// Turning French names into the ASCII dot-atom pieces of mailbox addresses. Called once per
// distinct name at module load (the tables are small), never once per generated record.

const LIGATURES: Readonly<Record<string, string>> = { œ: 'oe', Œ: 'oe', æ: 'ae', Æ: 'ae', ß: 'ss' };

/**
 * "Marie-Claire" → "marie-claire", "D'Almeida" → "d-almeida", "Le Goff" → "le-goff",
 * "Saint-Étienne" → "saint-etienne": lower case, accents dropped, every other run of
 * non-alphanumerics folded to a single hyphen (RFC 5321 atext, and readable).
 */
export function slugify(text: string): string {
  const folded = text
    .replace(/[œŒæÆß]/g, (c) => LIGATURES[c] ?? c)
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  return folded.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

/** "de Lyon", "d’Angers", "du Havre", "des Lilas", "de La Rochelle": French "of <city>". */
export function ofCity(name: string): string {
  // Le and Les contract with "de"; La does not, and keeps its capital as part of the name.
  if (name.startsWith('Le ')) return `du ${name.slice(3)}`;
  if (name.startsWith('Les ')) return `des ${name.slice(4)}`;
  if (/^[AEIOUYÉÈÊÂÎÔH]/.test(name)) return `d’${name}`;
  return `de ${name}`;
}

/** Cuts a slug to `max` characters without leaving a trailing hyphen. */
export function clip(slug: string, max: number): string {
  if (slug.length <= max) return slug;
  return slug.slice(0, max).replace(/-+$/, '');
}
