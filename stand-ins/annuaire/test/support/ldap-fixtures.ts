// Shared by the LDAP tests: a deterministic population of mailbox entries under
// ou=bal,o=mssante,c=fr, and a server on a random loopback port over an in-memory source.

import { silentLogger } from '@mss/runtime';
import { type LdapEntry, type LdapServerOptions, MemoryEntrySource, type RunningLdapServer, startLdapServer } from '../../src/index.ts';

export const BAL_BASE = 'ou=bal,o=mssante,c=fr';

const SURNAMES = [
  'Martin',
  'Bernard',
  'Dubois',
  'Thomas',
  'Robert',
  'Richard',
  'Petit',
  'Durand',
  'Leroy',
  'Moreau',
  'Lefèvre',
  'Girard',
  'Bonnet',
  'Lambert',
  'Fontaine',
];
const GIVEN_NAMES = ['Jean', 'Marie', 'Hélène', 'Pierre', 'Camille', 'Louis', 'Léa', 'François', 'Chloé', 'Nicolas', 'Inès', 'Étienne'];
const PROFESSIONS = [
  ['10', 'Médecin'],
  ['21', 'Pharmacien'],
  ['40', 'Chirurgien-dentiste'],
  ['50', 'Sage-femme'],
  ['60', 'Infirmier'],
] as const;
const PLACES = [
  ['75', '75013', 'Paris', 'Hôpital de la Pitié'],
  ['69', '69003', 'Lyon', 'Centre hospitalier Saint-Joseph'],
  ['13', '13005', 'Marseille', 'Clinique du Parc'],
  ['33', '33000', 'Bordeaux', 'Cabinet médical des Chartrons'],
  ['59', '59000', 'Lille', 'Maison de santé Vauban'],
] as const;

function ascii(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z]+/g, '-');
}

/**
 * `count` mailbox entries. One in five is named Martin, so `(sn=Martin)` over 1,000 entries
 * matches 200: more than the 100 a search may return. Every entry carries phone numbers, which
 * the server must never return.
 */
export function generateEntries(count: number): LdapEntry[] {
  const entries: LdapEntry[] = [];
  for (let i = 0; i < count; i++) {
    const sn = i % 5 === 0 ? 'Martin' : SURNAMES[(i * 7) % SURNAMES.length]!;
    const givenName = GIVEN_NAMES[(i * 5) % GIVEN_NAMES.length]!;
    // Different strides so that name, profession and place vary independently: one Martin in
    // five lives in each city.
    const [professionCode, profession] = PROFESSIONS[Math.floor(i / 7) % PROFESSIONS.length]!;
    const [departement, postalCode, city, organisation] = PLACES[(Math.floor(i / 5) + i) % PLACES.length]!;
    const mail = `${ascii(givenName)}.${ascii(sn)}.${i}@${ascii(city)}.mssante.fr`;
    entries.push({
      dn: `mail=${mail},${BAL_BASE}`,
      attributes: {
        objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'],
        cn: [`${givenName} ${sn}`],
        sn: [sn],
        givenName: [givenName],
        displayName: [`${givenName} ${sn.toUpperCase()}`],
        mail: [mail],
        o: [organisation],
        l: [city],
        postalCode: [postalCode],
        departement: [departement],
        profession: [profession],
        professionCode: [professionCode],
        rank: [String(i)],
        telephoneNumber: [`+33 1 ${String(10000000 + i).replace(/(\d\d)(?=\d)/g, '$1 ')}`],
        mobile: [`06${String(10000000 + i)}`],
      },
    });
  }
  return entries;
}

export const CONTAINERS: LdapEntry[] = [
  { dn: 'o=mssante,c=fr', attributes: { objectClass: ['top', 'organization'], o: ['mssante'] } },
  { dn: BAL_BASE, attributes: { objectClass: ['top', 'organizationalUnit'], ou: ['bal'] } },
];

export interface TestLdap {
  server: RunningLdapServer;
  url: string;
  port: number;
  entries: LdapEntry[];
  stop(): Promise<void>;
}

export async function startTestLdap(options: Partial<LdapServerOptions> & { entries?: LdapEntry[] } = {}): Promise<TestLdap> {
  const { entries = generateEntries(1000), ...rest } = options;
  const server = await startLdapServer({
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger(),
    source: new MemoryEntrySource([...CONTAINERS, ...entries], rest.schema ? { schema: rest.schema } : {}),
    ...rest,
  });
  return { server, url: server.url, port: server.port, entries, stop: () => server.stop() };
}
