// The Annuaire Santé over LDAP (anonymous, `ou=bal,o=mssante,c=fr`), as mail clients' address
// books use it. Every search states its limits — at most 100 entries and 60 seconds, the
// directory's own (R-ANN-3) — so a broad search ends early instead of being cut by the server;
// user input is escaped into the filter (RFC 4515 §3).

import { Client, escapeFilter } from 'ldapts';
import type { MssEnvironment } from '../environment.ts';
import { MssClientError } from '../errors.ts';

export const LDAP_BASE = 'ou=bal,o=mssante,c=fr';
export const LDAP_SIZE_LIMIT = 100;
export const LDAP_TIME_LIMIT_SECONDS = 60;

export interface LdapMailbox {
  readonly mail: string;
  readonly cn: string | null;
  readonly sn: string | null;
  readonly givenName: string | null;
  readonly typeBAL: string | null;
  readonly idnat: string | null;
  readonly profession: string | null;
  readonly organization: string | null;
  readonly city: string | null;
  readonly postalCode: string | null;
}

export interface LdapResult {
  readonly entries: readonly LdapMailbox[];
  /** The size limit was reached: there may be more; narrow the search. */
  readonly mayHaveMore: boolean;
}

export interface LdapQuery {
  /** Family name, exact (case-insensitive). */
  readonly sn?: string;
  readonly givenName?: string;
  /** Start of the address (address completion as the user types). */
  readonly mailPrefix?: string;
  readonly typeBAL?: 'PER' | 'ORG' | 'APP' | 'CAB';
  readonly postalCode?: string;
  /** Fewer entries than the directory's 100. */
  readonly sizeLimit?: number;
}

const ATTRIBUTES = ['mail', 'cn', 'sn', 'givenName', 'typeBAL', 'identificationNationalePP', 'libelleProfession', 'o', 'l', 'postalCode'];

const one = (v: unknown): string | null => {
  const x = Array.isArray(v) ? v[0] : v;
  return typeof x === 'string' && x !== '' ? x : Buffer.isBuffer(x) ? x.toString('utf8') : null;
};

export function ldapFilter(q: LdapQuery): string {
  const parts: string[] = [];
  if (q.sn) parts.push(escapeFilter`(sn=${q.sn})`);
  if (q.givenName) parts.push(escapeFilter`(givenName=${q.givenName})`);
  if (q.mailPrefix) parts.push(`(mail=${escapeFilter`${q.mailPrefix}`}*)`);
  if (q.typeBAL) parts.push(escapeFilter`(typeBAL=${q.typeBAL})`);
  if (q.postalCode) parts.push(escapeFilter`(postalCode=${q.postalCode})`);
  if (parts.length === 0) throw new MssClientError('DIRECTORY_ERROR', 'an LDAP search needs at least one criterion');
  return parts.length === 1 ? parts[0]! : `(&${parts.join('')})`;
}

export async function searchLdap(env: Pick<MssEnvironment, 'ldap' | 'ldapBase'>, q: LdapQuery): Promise<LdapResult> {
  const sizeLimit = Math.min(q.sizeLimit ?? LDAP_SIZE_LIMIT, LDAP_SIZE_LIMIT);
  const client = new Client({ url: env.ldap, timeout: (LDAP_TIME_LIMIT_SECONDS + 5) * 1000, connectTimeout: 10_000 });
  try {
    const { searchEntries } = await client.search(env.ldapBase ?? LDAP_BASE, {
      scope: 'sub',
      filter: ldapFilter(q),
      attributes: ATTRIBUTES,
      sizeLimit,
      timeLimit: LDAP_TIME_LIMIT_SECONDS,
    });
    const entries = searchEntries.map((e) => ({
      mail: one(e.mail) ?? '',
      cn: one(e.cn),
      sn: one(e.sn),
      givenName: one(e.givenName),
      typeBAL: one(e.typeBAL),
      idnat: one(e.identificationNationalePP),
      profession: one(e.libelleProfession),
      organization: one(e.o),
      city: one(e.l),
      postalCode: one(e.postalCode),
    }));
    return { entries, mayHaveMore: entries.length >= sizeLimit };
  } catch (err) {
    if (err instanceof MssClientError) throw err;
    throw new MssClientError('DIRECTORY_ERROR', `LDAP search failed: ${(err as Error).message}`, { cause: err });
  } finally {
    await client.unbind().catch(() => undefined);
  }
}
