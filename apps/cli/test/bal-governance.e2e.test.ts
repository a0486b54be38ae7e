// The `mss bal` commands of issue 20 — attach, responsible add|remove, release, group
// create|list|add|remove|close, search's filters — and the older ones no other CLI test runs
// (close, delete, liste-rouge off, cotitulaire remove and its limit), each against a running
// sandbox: what they print (JSON and table), the history they leave, the problem type and exit
// status of each refusal. The rules themselves are tested in packages/governance and over HTTP
// in packages/admin-api; here, that the CLI says them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type TestSandbox } from './run-mss.ts';

const D = 'operateur-a.mssante.fr';
const PER = `paul.martin@${D}`;
const CAB = `cabinet.infirmiers-des-lilas@${D}`;
const ORG = `cardiologie.ch-lilas@${D}`;

let sandbox: TestSandbox;
/** The UTC day before the sandbox seeded anything: a search from it holds what was created or closed since, even across midnight. */
let startDay: string;

before(async () => {
  startDay = new Date().toISOString().slice(0, 10);
  // No waiting period, so that a closed address can be released at once; two cotitulaires per
  // CAB, which the seeded practice already has.
  sandbox = await startSandbox({
    prefix: 'mss-bal-cli-',
    env: { MSS_ADDRESS_RELEASE_DELAY: '0', MSS_MAX_COTITULAIRES: '2' },
    args: ['--professionals', '0'],
  });
});
after(() => sandbox.stop());

const run = (...args: string[]) => sandbox.run(...args);

interface Mailbox {
  address: string;
  type: string;
  status: string;
  ownerIdnat: string;
  situationId: string | null;
  listeRouge: boolean;
  releasedAt: string | null;
  holders: { role: string; idnat: string }[];
}
interface Group {
  address: string;
  closedAt: string | null;
  members: { address: string; receives: boolean }[];
}

/** Runs a command that must succeed with --json and parses what it printed. */
function json<T>(...args: string[]): T {
  const r = run(...args, '--json');
  assert.equal(r.status, 0, `mss ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Runs a command that must be refused by the API with this problem type (exit 1, `<status> <type>: …`). */
function refused(type: string, ...args: string[]): string {
  const r = run(...args);
  assert.equal(r.status, 1, `mss ${args.join(' ')} should fail: ${r.stdout}`);
  assert.match(r.stderr, new RegExp(`\\b\\d{3} ${type}: `), `mss ${args.join(' ')}`);
  return r.stderr;
}

const history = (address: string, ...who: string[]) =>
  json<{ entries: { event: string; reason: string | null; subjectIdnat: string | null }[] }>('bal', 'history', address, ...who).entries;

test('mss bal attach: the holder moves the PER to none of their situations and back; another’s situation, an ORG, refused', () => {
  const before = json<Mailbox>('bal', 'show', PER, '--as', 'gp');
  assert.ok(before.situationId, 'the seeded PER is on its holder’s situation');
  const detached = json<Mailbox>('bal', 'attach', PER, 'none', '--as', 'gp', '--reason', 'visible sur toutes mes situations');
  assert.equal(detached.situationId, null);
  const back = run('bal', 'attach', PER, before.situationId, '--as', 'gp');
  assert.equal(back.status, 0, back.stderr);
  assert.match(back.stdout, new RegExp(`attached to ${before.ownerIdnat} \\(situation ${before.situationId}\\)`));
  const events = history(PER, '--as', 'gp').filter((e) => e.event === 'attachment.changed');
  assert.deepEqual(
    events.map((e) => e.reason),
    ['visible sur toutes mes situations', null],
  );

  // R-ANN-1: only one of the holder's own situations d'exercice.
  const claire = json<Mailbox>('bal', 'show', CAB, '--as', 'cab-owner').ownerIdnat;
  assert.match(refused('invalid-input', 'bal', 'attach', PER, `sit-${claire}-1`, '--as', 'gp'), /is not one of/);
  refused('attached-to-structure', 'bal', 'attach', ORG, 'none', '--as', 'hospital-admin');
  // Not the holder: nothing is revealed about the mailbox (docs/choices.md, "Order of checks").
  refused('mailbox-not-found', 'bal', 'attach', PER, 'none', '--as', 'cab-owner');
  assert.equal(run('bal', 'attach', PER, '--as', 'gp').status, 2, 'a missing <situation-id|none> is a usage error');
});

test('mss bal responsible add|remove: a co-responsible named and removed; never the last one', () => {
  const org = json<Mailbox>('bal', 'show', ORG, '--as', 'hospital-admin');
  const first = org.holders.filter((h) => h.role === 'responsible').map((h) => h.idnat);
  assert.equal(first.length, 1);
  const paul = json<Mailbox>('bal', 'show', PER, '--as', 'gp').ownerIdnat;

  const added = json<Mailbox>('bal', 'responsible', 'add', ORG, paul, '--as', 'hospital-admin');
  assert.deepEqual(
    added.holders
      .filter((h) => h.role === 'responsible')
      .map((h) => h.idnat)
      .sort(),
    [...first, paul].sort(),
  );
  // Now a responsible person himself, the co-responsible removes the first one…
  const removed = json<Mailbox>('bal', 'responsible', 'remove', ORG, first[0]!, '--as', 'gp', '--reason', 'départ en retraite');
  assert.deepEqual(
    removed.holders.filter((h) => h.role === 'responsible').map((h) => h.idnat),
    [paul],
  );
  // …but not himself, the last one; the operator names the first one again.
  assert.match(refused('last-responsible', 'bal', 'responsible', 'remove', ORG, paul, '--as', 'gp'), /name another one first|last/);
  const again = json<Mailbox>('bal', 'responsible', 'add', ORG, first[0]!, '--admin');
  assert.equal(again.holders.filter((h) => h.role === 'responsible').length, 2);
  assert.equal(run('bal', 'responsible', 'remove', ORG, paul, '--admin').status, 0);

  refused('not-a-structure-mailbox', 'bal', 'responsible', 'add', PER, first[0]!, '--as', 'gp');
  refused('responsible-not-found', 'bal', 'responsible', 'remove', ORG, paul, '--as', 'hospital-admin');
  // After the seed's own `responsible.added`, these four.
  assert.deepEqual(
    history(ORG, '--admin')
      .filter((e) => e.event.startsWith('responsible.'))
      .map((e) => [e.event, e.subjectIdnat])
      .slice(-4),
    [
      ['responsible.added', paul],
      ['responsible.removed', first[0]],
      ['responsible.added', first[0]],
      ['responsible.removed', paul],
    ],
  );
});

test('mss bal close, release, search --status/--closed-from: a closed address is released, then taken again', () => {
  const address = `cardiologie-ancienne.ch-lilas@${D}`;
  const hospital = json<Mailbox>('bal', 'show', ORG, '--admin').ownerIdnat;
  const responsible = json<Mailbox>('bal', 'show', ORG, '--admin').holders.find((h) => h.role === 'responsible')!.idnat;
  json<Mailbox>('bal', 'create', address, '--type', 'ORG', '--structure', hospital, '--responsible', responsible, '--admin');
  refused('invalid-transition', 'bal', 'release', address, '--admin', '--reason', 'réorganisation');

  const closed = json<Mailbox>('bal', 'close', address, '--admin', '--reason', 'service fermé');
  assert.equal(closed.status, 'closed');
  assert.equal(run('bal', 'release', address, '--admin').status, 2, 'a release needs --reason');
  // Only the operator releases: its responsible person learns no more than that it is closed.
  refused('mailbox-closed', 'bal', 'release', address, '--as', 'hospital-admin', '--reason', 'réorganisation');
  const released = run('bal', 'release', address, '--admin', '--reason', 'réorganisation');
  assert.equal(released.status, 0, released.stderr);
  assert.match(released.stdout, /closed {2}address released \d{4}-/);
  // The address no longer names the closed mailbox (its history stays, under its id); the release is in the audit trail.
  refused('mailbox-not-found', 'bal', 'history', address, '--admin');
  const trail = run('audit', '--admin', '--action', 'release-address', '--mailbox', address, '--format', 'json');
  assert.equal(trail.status, 0, trail.stderr);
  assert.deepEqual(
    (JSON.parse(trail.stdout) as { principal: string; outcome: string }[]).map((e) => [e.principal, e.outcome]),
    [
      ['operator-admin:admin', 'allowed'],
      [responsible, 'denied'],
      ['operator-admin:admin', 'allowed'],
    ],
  );

  // R-BAL-2: the released address may name a new mailbox; the old one stays in the listing.
  json<Mailbox>('bal', 'create', address, '--type', 'ORG', '--structure', hospital, '--responsible', responsible, '--admin');
  const both = json<{ address: string; status: string; releasedAt: string | null }[]>('bal', 'search', '--admin', '--address', 'ANCIENNE');
  assert.deepEqual(
    both.map((m) => [m.address, m.status, m.releasedAt !== null]),
    [
      [address, 'closed', true],
      [address, 'active', false],
    ],
  );
  const closedSince = json<{ address: string }[]>('bal', 'search', '--admin', '--status', 'closed', '--closed-from', startDay);
  assert.deepEqual(
    closedSince.map((m) => m.address),
    [address],
  );
  assert.deepEqual(json<unknown[]>('bal', 'search', '--admin', '--closed-to', '2000-01-01'), []);
});

test('mss bal search: --address (a part, % and _ literal), --owner, --liste-rouge, --created-from/--created-to', () => {
  const paul = json<Mailbox>('bal', 'show', PER, '--as', 'gp').ownerIdnat;
  assert.deepEqual(
    json<{ address: string }[]>('bal', 'search', '--admin', '--address', 'MARTIN@').map((m) => m.address),
    [PER],
  );
  assert.deepEqual(json<unknown[]>('bal', 'search', '--admin', '--address', '%'), []);
  assert.deepEqual(json<unknown[]>('bal', 'search', '--admin', '--address', 'paul_martin'), []);
  assert.deepEqual(
    json<{ address: string }[]>('bal', 'search', '--admin', '--owner', paul).map((m) => m.address),
    [PER],
  );

  json<Mailbox>('bal', 'liste-rouge', PER, 'on', '--as', 'gp');
  const red = run('bal', 'search', '--admin', '--liste-rouge', 'yes');
  assert.equal(red.status, 0, red.stderr);
  assert.match(red.stdout, new RegExp(`${PER.replace(/\./g, '\\.')}\\s+PER\\s+active\\s+${paul}\\s+yes\\s`));
  assert.equal(red.stdout.trim().split('\n').length, 2, 'the header and the one mailbox on liste rouge');
  assert.equal(json<Mailbox>('bal', 'liste-rouge', PER, 'off', '--as', 'gp').listeRouge, false);
  assert.deepEqual(json<unknown[]>('bal', 'search', '--admin', '--liste-rouge', 'yes'), []);
  assert.ok(json<{ address: string }[]>('bal', 'search', '--admin', '--liste-rouge', 'no').some((m) => m.address === PER));

  assert.ok(json<unknown[]>('bal', 'search', '--admin', '--created-from', startDay).length >= 4, 'the seeded mailboxes were created since');
  assert.deepEqual(json<unknown[]>('bal', 'search', '--admin', '--created-to', '2000-01-01'), []);
  assert.equal(run('bal', 'search', '--admin', 'extra-argument').status, 2);
});

test('mss bal cotitulaire add|remove: the operator’s limit (MSS_MAX_COTITULAIRES=2) is met, a removal makes room', () => {
  const cab = json<Mailbox>('bal', 'show', CAB, '--as', 'cab-owner');
  const cotitulaires = cab.holders.filter((h) => h.role === 'cotitulaire').map((h) => h.idnat);
  assert.equal(cotitulaires.length, 2);
  const paul = json<Mailbox>('bal', 'show', PER, '--as', 'gp').ownerIdnat;
  assert.match(refused('cotitulaire-limit', 'bal', 'cotitulaire', 'add', CAB, paul, '--as', 'cab-owner'), /2/);
  const removed = json<Mailbox>('bal', 'cotitulaire', 'remove', CAB, cotitulaires[0]!, '--as', 'cab-owner', '--reason', 'départ');
  assert.deepEqual(
    removed.holders.filter((h) => h.role === 'cotitulaire').map((h) => h.idnat),
    [cotitulaires[1]],
  );
  refused('cotitulaire-not-found', 'bal', 'cotitulaire', 'remove', CAB, cotitulaires[0]!, '--as', 'cab-owner');
  const added = json<Mailbox>('bal', 'cotitulaire', 'add', CAB, cotitulaires[0]!, '--as', 'cab-owner');
  assert.equal(added.holders.filter((h) => h.role === 'cotitulaire').length, 2);
});

test('mss bal group create|list|add|remove|close: a list address of the practice, its members, its end', () => {
  const group = `secretariat.lilas@${D}`;
  const sophie = `sophie.moreau@${D}`;
  json<Mailbox>('bal', 'create', sophie, '--type', 'PER', '--as', 'cab-cotitulaire-2');

  const created = json<Group>('bal', 'group', 'create', CAB, group, '--members', CAB, '--description', 'Secrétariat', '--as', 'cab-owner');
  assert.deepEqual(
    created.members.map((m) => [m.address, m.receives]),
    [[CAB, true]],
  );
  // Members are the practice's own mailboxes only: Paul's PER is not.
  refused('not-of-the-practice', 'bal', 'group', 'add', CAB, group, PER, '--as', 'cab-owner');
  refused('address-taken', 'bal', 'group', 'create', CAB, PER, '--members', CAB, '--as', 'cab-owner');
  const added = json<Group>('bal', 'group', 'add', CAB, group, sophie, '--as', 'cab-owner');
  assert.deepEqual(added.members.map((m) => m.address).sort(), [CAB, sophie].sort());

  const table = run('bal', 'group', 'list', CAB, '--as', 'cab-owner');
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, new RegExp(`^${group.replace(/\./g, '\\.')} {2}— Secrétariat\\nMEMBER\\s+TYPE\\s+RECEIVES`));
  assert.match(table.stdout, new RegExp(`${sophie.replace(/\./g, '\\.')}\\s+PER\\s+yes`));

  const removed = json<Group>('bal', 'group', 'remove', CAB, group, CAB, '--as', 'cab-owner');
  assert.deepEqual(
    removed.members.map((m) => m.address),
    [sophie],
  );
  assert.match(refused('invalid-input', 'bal', 'group', 'remove', CAB, group, sophie, '--as', 'cab-owner'), /close the group instead/);
  const closed = json<Group>('bal', 'group', 'close', CAB, group, '--as', 'cab-owner', '--reason', 'plus utilisé');
  assert.ok(closed.closedAt);
  refused('group-not-found', 'bal', 'group', 'add', CAB, group, CAB, '--as', 'cab-owner');
  assert.deepEqual(
    json<{ groups: Group[] }>('bal', 'group', 'list', CAB, '--as', 'cab-owner').groups.filter((g) => g.closedAt === null),
    [],
  );
  assert.deepEqual(
    history(CAB, '--as', 'cab-owner')
      .filter((e) => e.event.startsWith('group.'))
      .map((e) => e.event),
    ['group.created', 'group.member-added', 'group.member-removed', 'group.closed'],
  );
});

test('mss bal delete: the CAB owner closes the practice’s mailbox; closing is final', () => {
  const cab = `cabinet.bagnolet@${D}`;
  json<Mailbox>('bal', 'create', cab, '--type', 'CAB', '--as', 'cab-owner');
  refused('mailbox-not-found', 'bal', 'delete', cab, '--as', 'gp');
  const deleted = json<Mailbox>('bal', 'delete', cab, '--as', 'cab-owner', '--reason', 'cessation d’activité');
  assert.equal(deleted.status, 'closed');
  assert.ok(history(cab, '--as', 'cab-owner').some((e) => e.reason === 'cessation d’activité'));
  refused('mailbox-closed', 'bal', 'delete', cab, '--as', 'cab-owner');
});
