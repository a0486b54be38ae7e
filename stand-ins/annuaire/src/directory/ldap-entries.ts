import type { PublishedMailbox } from '../store/index.ts';
import type { LdapEntry } from '../ldap/source.ts';

export const BAL_BASE = 'ou=bal,o=mssante,c=fr';

/**
 * One LDAP entry per published mailbox, under `ou=bal,o=mssante,c=fr`. The national schema is
 * not public (domain reference §10): standard inetOrgPerson attributes so that ordinary address
 * books work, and our own attributes for the MSSanté data, named after the extraction file's
 * columns (documented in stand-ins/annuaire/README.md). No phone number, ever (R-ANN-3).
 */
export function mailboxEntry(m: PublishedMailbox): LdapEntry {
  const person = m.type === 'PER' || m.type === 'CAB';
  const a: Record<string, string[]> = {
    objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson', 'mssanteBal'],
    mail: [m.address],
    typeBAL: [m.type],
    dematerialisation: [m.digitization ? 'TRUE' : 'FALSE'],
  };
  const put = (name: string, v: string | null | undefined) => {
    if (v !== null && v !== undefined && v !== '') a[name] = [v];
  };
  const orgName = m.practice_name ?? m.structure_name;
  if (person && m.last_name) {
    const display =
      m.type === 'CAB'
        ? (m.description ?? orgName ?? `${m.first_name ?? ''} ${m.last_name}`.trim())
        : `${m.first_name ?? ''} ${m.last_name}`.trim();
    a.cn = [display];
    a.sn = [m.type === 'CAB' ? display : m.last_name];
    put('givenName', m.type === 'CAB' ? null : m.first_name);
    a.displayName = [display];
    put('identificationNationalePP', m.owner_idnat);
    put('identifiantPP', m.rpps);
    put('codeProfession', m.profession_code);
    put('libelleProfession', m.profession_label);
    put('categorieProfession', m.category_code);
    put('codeSavoirFaire', m.speciality_code);
    put('libelleSavoirFaire', m.speciality_label);
    put('civiliteExercice', m.civility);
    if (m.type === 'CAB') put('description', m.description);
  } else {
    const name = [m.structure_name, m.service].filter(Boolean).join(' — ') || m.address;
    a.cn = [name];
    a.sn = [m.structure_name ?? name];
    a.displayName = [name];
    put('description', m.description);
  }
  put('identificationStructure', m.structure_idnat);
  put('o', orgName);
  put('ou', m.service);
  put('street', m.situation_street ?? m.structure_street);
  put('postalCode', m.situation_postal_code ?? m.structure_postal_code);
  put('l', m.situation_city ?? m.structure_city);
  put('departement', m.situation_departement ?? m.structure_departement);
  return { dn: `mail=${escapeRdnValue(m.address)},${BAL_BASE}`, attributes: a };
}

function escapeRdnValue(v: string): string {
  return v
    .replace(/([,+"\\<>;=])/g, '\\$1')
    .replace(/^([ #])/, '\\$1')
    .replace(/ $/, '\\ ');
}

/** The organisational entries above the mailboxes, so that base and one-level searches work. */
export function containerEntries(): LdapEntry[] {
  return [
    { dn: 'o=mssante,c=fr', attributes: { objectClass: ['top', 'organization'], o: ['mssante'] } },
    { dn: BAL_BASE, attributes: { objectClass: ['top', 'organizationalUnit'], ou: ['bal'] } },
  ];
}
