// The root DSE (RFC 4512 §5.1): what a client reads at DN "" to learn what this server offers.
// Its attributes are operational, so like slapd we return them only when asked by name or by `+`;
// `ldapsearch -x -b '' -s base +` shows them all.

import type { LdapEntry } from './source.ts';
import { OID } from './messages.ts';

export interface RootDseOptions {
  namingContexts: readonly string[];
  vendorVersion: string;
  /** More attributes, e.g. subschemaSubentry once a schema is published. */
  extra?: Record<string, string[]>;
}

export const SUPPORTED_EXTENSIONS: readonly string[] = [OID.whoAmI];
export const SUPPORTED_CONTROLS: readonly string[] = [OID.manageDsaIt];
const SUPPORTED_FEATURES = [
  '1.3.6.1.4.1.4203.1.5.1', // all operational attributes with `+` (RFC 3673)
  '1.3.6.1.4.1.4203.1.5.3', // absolute true and false filters `(&)` `(|)` (RFC 4526)
];

export function buildRootDse(options: RootDseOptions): { entry: LdapEntry; operational: ReadonlySet<string> } {
  const attributes: Record<string, string[]> = {
    objectClass: ['top'],
    namingContexts: [...options.namingContexts],
    supportedLDAPVersion: ['3'],
    supportedExtension: [...SUPPORTED_EXTENSIONS],
    supportedControl: [...SUPPORTED_CONTROLS],
    supportedFeatures: SUPPORTED_FEATURES,
    vendorName: ['mss-operator (Annuaire Sante stand-in)'],
    vendorVersion: [options.vendorVersion],
    ...options.extra,
  };
  const operational = new Set(
    Object.keys(attributes)
      .filter((name) => name !== 'objectClass')
      .map((name) => name.toLowerCase()),
  );
  return { entry: { dn: '', attributes }, operational };
}
