// Which attributes of an entry go back to the client (RFC 4511 §4.5.1.8): the requested list,
// `*` for all user attributes, `+` for all operational ones, `1.1` for none; minus the attributes
// this server never discloses, whatever was asked.

import type { LdapEntry } from './source.ts';
import type { MatchingSchema } from './filter-match.ts';
import { baseAttributeType } from './filter.ts';
import type { PartialAttribute } from './messages.ts';

export interface AttributeSelection {
  readonly allUser: boolean;
  readonly allOperational: boolean;
  /** Requested descriptions by lower-case base type, with the options they require. */
  readonly named: ReadonlyMap<string, readonly string[][]>;
}

/** With a schema, a type requested under one name (`surname`, an OID) selects it under all (`sn`). */
export function parseAttributeSelection(requested: readonly string[], schema?: MatchingSchema): AttributeSelection {
  let allUser = requested.length === 0;
  let allOperational = false;
  const named = new Map<string, string[][]>();
  for (const description of requested) {
    if (description === '*') allUser = true;
    else if (description === '+') allOperational = true;
    // `1.1` means "no attributes" only when alone; beside other names it is simply ignored.
    else if (description === '1.1') continue;
    else {
      const [base = '', ...options] = description.toLowerCase().split(';');
      for (const name of schema?.lookup(base)?.names ?? [base]) {
        const list = named.get(name) ?? [];
        list.push(options);
        named.set(name, list);
      }
    }
  }
  return { allUser, allOperational, named };
}

/**
 * Picks the attributes to send for one entry. `operational` names the entry's operational
 * attributes (the root DSE's, say); `hidden` holds lower-case types never returned. Decisions
 * are memoised per attribute key, since the entries of one search mostly share their keys.
 */
export function createAttributePicker(
  selection: AttributeSelection,
  options: { hidden: ReadonlySet<string>; operational?: ReadonlySet<string>; typesOnly: boolean },
): (entry: LdapEntry) => PartialAttribute[] {
  const decisions = new Map<string, boolean>();
  const decide = (key: string): boolean => {
    const parts = key.toLowerCase().split(';');
    const base = parts[0]!;
    if (options.hidden.has(base)) return false;
    const operational = options.operational?.has(base) ?? false;
    if (operational ? selection.allOperational : selection.allUser) return true;
    const wanted = selection.named.get(base);
    return wanted !== undefined && wanted.some((required) => required.every((option) => parts.includes(option, 1)));
  };
  return (entry) => {
    const out: PartialAttribute[] = [];
    for (const key in entry.attributes) {
      const values = entry.attributes[key];
      if (values === undefined || values.length === 0) continue;
      let keep = decisions.get(key);
      if (keep === undefined) {
        keep = decide(key);
        // A search meets a bounded set of keys; the cap guards against a source with unbounded ones.
        if (decisions.size < 1024) decisions.set(key, keep);
      }
      if (keep) out.push([key, options.typesOnly ? [] : values]);
    }
    return out;
  };
}

/**
 * Lower-case base types, as `createAttributePicker` and `hideAttributes` expect them; with a
 * schema, every other name of each type too, so that no alias or OID reaches a hidden attribute.
 */
export function attributeTypeSet(names: Iterable<string>, schema?: MatchingSchema): Set<string> {
  const set = new Set<string>();
  for (const name of names) {
    const base = baseAttributeType(name);
    set.add(base);
    for (const alias of schema?.lookup(base)?.names ?? []) set.add(alias);
  }
  return set;
}
