// The whitelist as an operator reads it (liste blanche MSSanté, formats-notes §8): the published
// XML document, strict about its namespace and tolerant of everything else, and the routing data
// the sandbox publishes beside it (no DNS there). The stand-in (stand-ins/trust) writes both.

import { MssError } from '@mss/runtime';
import { isHostname } from './names.ts';
import { XmlError, descendants, ownText, parseXml } from './xml.ts';

/** The namespace of the real list (formats-notes §8). */
export const WHITELIST_NAMESPACE = 'https://listeblanche.mssante.fr/schema';
/** Path of the list on the trust service, as on espacedeconfiance.mssante.fr. */
export const WHITELIST_PATH = '/listeblanchemssante.xml';
/** The sandbox's routing data (no DNS): domain → operator and MX endpoint. */
export const ROUTES_PATH = '/routes.json';

export interface MxEndpoint {
  host: string;
  port: number;
}

export interface RouteEntry {
  operator: string;
  mx: MxEndpoint | null;
}

/** GET /routes.json */
export interface RoutesDocument {
  version: 1;
  routes: Record<string, RouteEntry>;
}

/** Lower case, no trailing dot; undefined when it is not a DNS name. */
export function normaliseDomain(domain: string): string | undefined {
  const d = domain.trim().toLowerCase().replace(/\.$/, '');
  return isHostname(d) ? d : undefined;
}

function invalid(message: string): MssError {
  return new MssError('TRUST_WHITELIST_INVALID', message);
}

export function checkMx(value: unknown, where: string): MxEndpoint | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object') throw invalid(`${where}: mx must be { host, port } or null`);
  const { host, port } = value as { host?: unknown; port?: unknown };
  if (typeof host !== 'string' || host.trim() === '') throw invalid(`${where}: mx.host must be a host name or an IP address`);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    throw invalid(`${where}: mx.port must be a TCP port (1-65535)`);
  return { host: host.trim(), port };
}

/**
 * The domains of a whitelist document, as the public clients read it: `//n:Domaine/n:Nom/text()`
 * with n = WHITELIST_NAMESPACE. Strict about the namespace — elements of that name in another
 * namespace or none do not count, and a document with no element at all in it is not a
 * whitelist — and tolerant of everything else (unknown elements and attributes, any root).
 * Names that are not DNS names are skipped. Domains come back lower case, sorted, unique.
 */
export function parseWhitelistXml(xml: string): string[] {
  let root;
  try {
    root = parseXml(xml);
  } catch (err) {
    if (err instanceof XmlError) throw invalid(`the whitelist is not well-formed XML: ${err.message}`);
    throw err;
  }
  const domains = new Set<string>();
  let inNamespace = false;
  for (const el of descendants(root)) {
    if (el.ns !== WHITELIST_NAMESPACE) continue;
    inNamespace = true;
    if (el.local !== 'Domaine') continue;
    for (const child of el.children) {
      if (typeof child === 'string' || child.ns !== WHITELIST_NAMESPACE || child.local !== 'Nom') continue;
      const d = normaliseDomain(ownText(child));
      if (d) domains.add(d);
    }
  }
  if (!inNamespace) {
    throw invalid(
      `not a whitelist: no element in namespace ${WHITELIST_NAMESPACE} (root is ${root.ns ? `{${root.ns}}` : ''}${root.local})`,
    );
  }
  return [...domains].sort();
}

/** Validates a routes.json document fetched from the network; throws on anything unexpected. */
export function parseRoutes(value: unknown): RoutesDocument {
  if (typeof value !== 'object' || value === null) throw invalid('routes.json: not an object');
  const { version, routes } = value as { version?: unknown; routes?: unknown };
  if (version !== 1) throw invalid(`routes.json: unknown version ${JSON.stringify(version)}`);
  if (typeof routes !== 'object' || routes === null || Array.isArray(routes)) throw invalid('routes.json: routes must be an object');
  const out: Record<string, RouteEntry> = {};
  for (const [domain, entry] of Object.entries(routes)) {
    const d = normaliseDomain(domain);
    if (!d) throw invalid(`routes.json: ${JSON.stringify(domain)} is not a domain name`);
    if (typeof entry !== 'object' || entry === null) throw invalid(`routes.json: ${d}: not an object`);
    const { operator, mx } = entry as { operator?: unknown; mx?: unknown };
    if (typeof operator !== 'string' || operator === '') throw invalid(`routes.json: ${d}: operator must be a name`);
    out[d] = { operator, mx: checkMx(mx, `routes.json: ${d}`) };
  }
  return { version: 1, routes: out };
}
