// Accent folding for name search, the same in SQL and in JavaScript. SQLite's lower() only knows
// ASCII and neither engine has unaccent() by default, so the letters of French names are replaced
// one by one; an expression index on exactly this text makes prefix searches use an index.
const FOLDS: ReadonlyArray<readonly [string, string]> = [
  ...[...'àáâãäåÀÁÂÃÄÅ'].map((c) => [c, 'a'] as const),
  ...[...'çÇ'].map((c) => [c, 'c'] as const),
  ...[...'èéêëÈÉÊË'].map((c) => [c, 'e'] as const),
  ...[...'ìíîïÌÍÎÏ'].map((c) => [c, 'i'] as const),
  ...[...'ñÑ'].map((c) => [c, 'n'] as const),
  ...[...'òóôõöÒÓÔÕÖ'].map((c) => [c, 'o'] as const),
  ...[...'ùúûüÙÚÛÜ'].map((c) => [c, 'u'] as const),
  ...[...'ýÿÝŸ'].map((c) => [c, 'y'] as const),
  ['æ', 'ae'],
  ['Æ', 'ae'],
  ['œ', 'oe'],
  ['Œ', 'oe'],
  ['’', "'"],
];
const FOLD_MAP = new Map(FOLDS);

/** The folded form of a name: accents of French letters removed, ASCII lower-cased. */
export function foldName(text: string): string {
  let out = '';
  for (const c of text) out += FOLD_MAP.get(c) ?? c;
  return out.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** The SQL twin of foldName over a column (unqualified, so that it matches the index expression). */
export function foldNameSql(column: string): string {
  let e = column;
  for (const [from, to] of FOLDS) e = `replace(${e}, '${from}', '${to.replace(/'/g, "''")}')`;
  return `lower(${e})`;
}
