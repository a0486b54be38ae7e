/** The sandbox's second operator's database: its own file on SQLite, its own schema on PostgreSQL. */
export function secondOperatorDatabaseUrl(url: string): string {
  const u = new URL(url);
  const schema = u.searchParams.get('schema');
  u.searchParams.set('schema', schema ? `${schema}_operateur_b` : 'operateur_b');
  return u.toString();
}
