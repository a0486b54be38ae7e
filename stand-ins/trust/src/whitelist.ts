// The whitelist of the trust space (liste blanche MSSanté): which mail domains belong to the
// trust space, and — what the sandbox needs because it has no DNS — where each domain's mail
// goes. The ANS publishes only the domains, as XML; the operators and MX endpoints are the
// stand-in's own data, published beside it as JSON (routes.json).

import path from 'node:path';
import { MssError, readIfExists, writeFileAtomic } from '@mss/runtime';
import { escapeXml } from '@mss/xml';
import { WHITELIST_NAMESPACE, checkMx, normaliseDomain, type MxEndpoint, type RouteEntry, type RoutesDocument } from '@mss/trust-client';

export { WHITELIST_NAMESPACE, WHITELIST_PATH, ROUTES_PATH, normaliseDomain, parseWhitelistXml, parseRoutes } from '@mss/trust-client';
export type { MxEndpoint, RouteEntry, RoutesDocument } from '@mss/trust-client';

/**
 * Root element of the documents we write. The real file's root is not documented publicly;
 * operators read it by `//n:Domaine/n:Nom`, which does not depend on it.
 */
export const WHITELIST_ROOT = 'ListeBlanche';
/** Mon Espace Santé's patient mailboxes: always in the trust space (served by the MES stand-in). */
export const PATIENT_DOMAIN = 'patient.mssante.fr';
export const MES_OPERATOR_NAME = 'Mon Espace Santé';
export const WHITELIST_FILE = 'whitelist.json';

export interface WhitelistOperator {
  name: string;
  /** Lower case, without a trailing dot, unique across the list. */
  domains: string[];
  /** Where mail for these domains goes; null while nothing serves them (mail is then queued). */
  mx: MxEndpoint | null;
}

export interface Whitelist {
  operators: WhitelistOperator[];
  /** ISO date of the last change (the HTTP Last-Modified). */
  updatedAt?: string;
}

function invalid(message: string): MssError {
  return new MssError('TRUST_WHITELIST_INVALID', message);
}

/**
 * Validates an operator entry as given by a caller (POST /operators, startTrust's `operators`).
 * Registered domains must be under mssante.fr, the only suffix of the trust space.
 */
export function checkOperator(value: unknown): WhitelistOperator {
  if (typeof value !== 'object' || value === null) throw invalid('an operator is { name, domains, mx }');
  const { name, domains, mx } = value as { name?: unknown; domains?: unknown; mx?: unknown };
  if (typeof name !== 'string' || name.trim() === '' || name.length > 200)
    throw invalid('operator name must be a non-empty string (200 characters at most)');
  const where = `operator "${name.trim()}"`;
  if (!Array.isArray(domains) || domains.length === 0) throw invalid(`${where}: domains must be a non-empty list`);
  const clean = new Set<string>();
  for (const d of domains) {
    const n = typeof d === 'string' ? normaliseDomain(d) : undefined;
    if (!n) throw invalid(`${where}: ${JSON.stringify(d)} is not a domain name`);
    if (!n.endsWith('.mssante.fr')) throw invalid(`${where}: ${n} is not under mssante.fr, the trust space's only domain suffix`);
    clean.add(n);
  }
  return { name: name.trim(), domains: [...clean], mx: checkMx(mx, where) };
}

/**
 * The list made consistent: valid entries, each domain owned by one operator, and the patient
 * domain present (given to an operator named MES_OPERATOR_NAME, created without an MX if need be).
 */
export function normaliseWhitelist(value: unknown): Whitelist {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as Whitelist).operators))
    throw invalid('a whitelist is { operators: [...] }');
  const raw = value as { operators: unknown[]; updatedAt?: unknown };
  const operators: WhitelistOperator[] = [];
  const owner = new Map<string, string>();
  const names = new Set<string>();
  for (const entry of raw.operators) {
    const op = checkOperator(entry);
    if (names.has(op.name)) throw invalid(`operator "${op.name}" is listed twice`);
    names.add(op.name);
    for (const d of op.domains) {
      const other = owner.get(d);
      if (other !== undefined) throw invalid(`domain ${d} is listed for both "${other}" and "${op.name}"`);
      owner.set(d, op.name);
    }
    operators.push(op);
  }
  if (!owner.has(PATIENT_DOMAIN)) {
    const mes = operators.find((o) => o.name === MES_OPERATOR_NAME);
    if (mes) mes.domains.push(PATIENT_DOMAIN);
    else operators.push({ name: MES_OPERATOR_NAME, domains: [PATIENT_DOMAIN], mx: null });
  }
  const list: Whitelist = { operators };
  if (typeof raw.updatedAt === 'string' && Number.isFinite(Date.parse(raw.updatedAt))) list.updatedAt = raw.updatedAt;
  return list;
}

/** An empty list: only the patient domain, not yet served. */
export function emptyWhitelist(): Whitelist {
  return normaliseWhitelist({ operators: [] });
}

/**
 * Adds the operator, or replaces the entry of the same name (its domains and MX). A domain that
 * belongs to another operator is refused: moving a domain is two explicit steps.
 */
export function upsertOperator(list: Whitelist, entry: unknown): { list: Whitelist; created: boolean; operator: WhitelistOperator } {
  const op = checkOperator(entry);
  for (const other of list.operators) {
    if (other.name === op.name) continue;
    const taken = op.domains.find((d) => other.domains.includes(d));
    if (taken) throw new MssError('TRUST_DOMAIN_TAKEN', `domain ${taken} already belongs to operator "${other.name}"`);
  }
  const created = !list.operators.some((o) => o.name === op.name);
  const operators = created ? [...list.operators, op] : list.operators.map((o) => (o.name === op.name ? op : o));
  const next = normaliseWhitelist({ operators });
  next.updatedAt = new Date().toISOString();
  const stored = next.operators.find((o) => o.name === op.name) as WhitelistOperator;
  return { list: next, created, operator: stored };
}

/** Every domain of the list, sorted. */
export function whitelistDomains(list: Whitelist): string[] {
  return list.operators.flatMap((o) => o.domains).sort();
}

export async function loadWhitelist(file: string): Promise<Whitelist | undefined> {
  const text = await readIfExists(file);
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MssError(
      'TRUST_WHITELIST_INVALID',
      `${file} is not valid JSON (${err instanceof Error ? err.message : String(err)}); fix or delete it`,
    );
  }
  try {
    return normaliseWhitelist(json);
  } catch (err) {
    if (err instanceof MssError) throw new MssError(err.code, `${file}: ${err.message}; fix or delete it`, { cause: err });
    throw err;
  }
}

export async function saveWhitelist(file: string, list: Whitelist): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(list, null, 2) + '\n');
}

export function whitelistFile(dataDir: string): string {
  return path.join(dataDir, 'trust', WHITELIST_FILE);
}

/**
 * The list in the published XML shape: one `Domaine` per domain with its `Nom`. The real file
 * has other elements, which are not documented publicly; we do not invent them.
 */
export function toXml(list: Whitelist): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!-- Liste blanche MSSante of the mss-operator sandbox (a stand-in, not the ANS list). -->',
    `<${WHITELIST_ROOT} xmlns="${WHITELIST_NAMESPACE}">`,
    ...whitelistDomains(list).map((d) => `  <Domaine><Nom>${escapeXml(d)}</Nom></Domaine>`),
    `</${WHITELIST_ROOT}>`,
    '',
  ];
  return lines.join('\n');
}

export function toRoutes(list: Whitelist): RoutesDocument {
  const routes: Record<string, RouteEntry> = {};
  for (const op of list.operators) {
    for (const d of [...op.domains].sort()) routes[d] = { operator: op.name, mx: op.mx ? { ...op.mx } : null };
  }
  return { version: 1, routes };
}
