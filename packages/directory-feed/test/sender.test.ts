// The outbox sender and the full declaration against the real Annuaire stand-in over HTTP,
// each side with its own store (SQLite, or PostgreSQL schemas when MSS_DATABASE_URL is set).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore } from '@mss/store/testing';
import type { DirectoryPublication, Store } from '@mss/store';
import { silentLogger } from '@mss/runtime';
import { loadBatch, seedDemo, seedSecondOperator, secondOperatorPersonas } from '@mss/seed';
import { startAnnuaireHttp, StoreDirectoryData, type RunningAnnuaireHttp } from '@mss/annuaire';
import { AccessControl } from '@mss/access';
import { Governance } from '@mss/governance';
import { backoffDelay, DirectoryFeedSender, patchBody } from '../src/index.ts';

const A = 'operateur-a.mssante.fr';
const B = 'operateur-b.mssante.fr';
const GP = '810000001056';
const ANNE = '810000001635';
const READ_KEY = 'read';

let annuaire: Store;
let operatorA: Store;
let operatorB: Store;
const cleanups: (() => Promise<void>)[] = [];
let http: RunningAnnuaireHttp | undefined;
let port = 0;

async function startDirectory(): Promise<void> {
  http = await startAnnuaireHttp({
    host: '127.0.0.1',
    port,
    logger: silentLogger(),
    data: new StoreDirectoryData(annuaire),
    apiKeys: [READ_KEY],
    feed: {
      store: annuaire,
      operators: [
        { name: 'operateur-a', key: 'ka', domains: [A] },
        { name: 'operateur-b', key: 'kb', domains: [B] },
      ],
    },
  });
  port = http.port;
}

before(async () => {
  for (const assign of [(s: Store) => (annuaire = s), (s: Store) => (operatorA = s), (s: Store) => (operatorB = s)]) {
    const opened = await openTestStore();
    assign(opened.store);
    cleanups.push(opened.cleanup);
  }
  // The directory knows the national facts and A's seeded mailboxes; B's mailbox is B's to declare.
  await seedDemo(annuaire, A);
  await annuaire.transaction((tx) => loadBatch(tx, { ...secondOperatorPersonas(B).batch, mailboxes: [], holders: [], delegations: [] }));
  await seedDemo(operatorA, A);
  await seedSecondOperator(operatorB, B);
  await startDirectory();
});
after(async () => {
  await http?.stop();
  for (const c of cleanups) await c();
});

const sender = (store: Store, key: string) =>
  new DirectoryFeedSender({ store, url: `http://127.0.0.1:${port}`, key, logger: silentLogger(), backoff: { initialMs: 10, maxMs: 100 } });

function publication(address: string, changes: Partial<DirectoryPublication> = {}): DirectoryPublication {
  return {
    address,
    type: 'PER',
    ownerIdnat: GP,
    situationId: null,
    listeRouge: false,
    description: null,
    service: null,
    digitization: true,
    ...changes,
  };
}

async function enqueue(store: Store, operation: 'publish' | 'withdraw', p: DirectoryPublication): Promise<void> {
  await store.transaction(async (tx) => {
    const existing = await tx.mailboxes.byAddress(p.address);
    const id =
      existing?.id ??
      (await tx.mailboxes.create({ address: p.address, type: p.type, ownerIdnat: p.ownerIdnat, situationId: p.situationId })).id;
    await tx.outbox.enqueue(id, operation, p);
  });
}

/** What the directory's store holds for an address: null when absent or withdrawn. */
async function inDirectory(address: string) {
  const m = await annuaire.mailboxes.byAddress(address);
  return m ? { owner: m.owner_idnat, listeRouge: m.liste_rouge === 1 } : null;
}

async function fhirMailboxes(path: string): Promise<string[]> {
  const res = await fetch(`${http!.fhirBase}${path}`, { headers: { 'ESANTE-API-KEY': READ_KEY } });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { telecom?: { value: string }[] };
  return (body.telecom ?? []).map((t) => t.value);
}

test('backoff doubles from the initial delay and stops at the maximum', () => {
  const p = { initialMs: 1000, maxMs: 60_000 };
  assert.deepEqual(
    [0, 1, 2, 3, 6, 7, 50].map((n) => backoffDelay(n, p)),
    [0, 1000, 2000, 4000, 32_000, 60_000, 60_000],
  );
});

test('a publish becomes a conditional PATCH by RPPS; the mailbox shows on the Practitioner', async () => {
  const address = `gp.feed@${A}`;
  await enqueue(operatorA, 'publish', publication(address));
  const r = await sender(operatorA, 'ka').drain();
  assert.deepEqual(r, { sent: 1, refused: 0 });
  assert.ok((await fhirMailboxes(`/Practitioner/${GP}`)).includes(address));
  assert.equal((await operatorA.outbox.pending()).length, 0);
  // What is sent carries no holder, cotitulaire or delegate: only the publication.
  assert.doesNotMatch(JSON.stringify(patchBody(publication(address), 'publish')), /cotitulaire|delegat|holder/i);
});

test('while the directory is down rows are kept and retried; when it is back they go, in order', async () => {
  const x = `ordre.x@${A}`;
  const y = `ordre.y@${A}`;
  await http!.stop();
  await enqueue(operatorA, 'publish', publication(x));
  await enqueue(operatorA, 'publish', publication(x, { listeRouge: true }));
  await enqueue(operatorA, 'publish', publication(y));
  await enqueue(operatorA, 'withdraw', publication(y));
  const s = sender(operatorA, 'ka');
  for (let i = 1; i <= 2; i++) {
    const r = await s.drain();
    assert.equal(r.sent, 0);
    assert.match(r.error ?? '', /directory unreachable/);
  }
  const pending = await operatorA.outbox.pending();
  assert.equal(pending.length, 4);
  assert.equal(pending[0]!.attempts, 2);
  assert.match(pending[0]!.last_error ?? '', /unreachable/);

  await startDirectory();
  // The timer loop, as the sandbox runs it: it picks the rows up once the backoff has passed.
  s.start(5);
  while ((await operatorA.outbox.pending()).length > 0) await new Promise((r) => setTimeout(r, 20));
  await s.stop();
  // In order: x ends on liste rouge (the second change), y ends withdrawn.
  assert.deepEqual(await inDirectory(x), { owner: GP, listeRouge: true });
  assert.equal(await inDirectory(y), null);
  assert.ok(!(await fhirMailboxes(`/Practitioner/${GP}`)).includes(x));
});

test('a change the directory refuses for good is closed with its reason and does not block the next one', async () => {
  await enqueue(operatorA, 'publish', publication(`inconnu@${A}`, { ownerIdnat: '899000000000' }));
  await enqueue(operatorA, 'publish', publication(`apres.refus@${A}`));
  const r = await sender(operatorA, 'ka').drain();
  assert.deepEqual(r, { sent: 1, refused: 1 });
  const rows = await operatorA.outbox.forMailbox((await operatorA.mailboxes.byAddress(`inconnu@${A}`))!.id);
  assert.ok(rows[0]!.sent_at);
  assert.match(rows[0]!.last_error ?? '', /refused: HTTP 404: no Practitioner has the identifier/);
  assert.ok(await inDirectory(`apres.refus@${A}`));
});

test("a full declaration from operator B publishes Anne Lambert's PER on her role, and withdraws it once closed", async () => {
  const anne = `anne.lambert@${B}`;
  const b = sender(operatorB, 'kb');
  const first = await b.declareAll();
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.deepEqual(first.body, {
    operator: 'operateur-b',
    received: 1,
    created: 1,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    withdrawn: 0,
    errors: [],
  });
  assert.ok((await fhirMailboxes(`/Practitioner/${ANNE}`)).includes(anne));
  // A's mailboxes are not B's to withdraw.
  assert.ok(await inDirectory(`paul.martin@${A}`));

  const row = (await operatorB.mailboxes.byAddress(anne))!;
  await operatorB.mailboxes.update(row.id, { status: 'closed' });
  const second = await b.declareAll();
  assert.equal((second.body as { withdrawn: number }).withdrawn, 1);
  assert.equal(await inDirectory(anne), null);
  await operatorB.mailboxes.update(row.id, { status: 'active' });
  await b.declareAll();
  assert.ok(await inDirectory(anne));
});

test('periodic declarations repair a directory that lost a mailbox; two calls at once make one declaration', async () => {
  const anne = `anne.lambert@${B}`;
  const b = sender(operatorB, 'kb');
  await b.declareAll();
  assert.ok(await inDirectory(anne));
  // The directory loses the mailbox behind the operator's back (restored from an older copy).
  const lose = async () => {
    const row = (await annuaire.mailboxes.byAddress(anne))!;
    await annuaire.mailboxes.update(row.id, { status: 'closed' });
    await annuaire.mailboxes.release(row.id);
    assert.equal(await inDirectory(anne), null);
  };
  await lose();

  const [one, two] = [b.declareAll(), b.declareAll()];
  assert.equal(one, two, 'a declaration under way is shared, not started twice');
  assert.equal((await one).status, 200);
  assert.ok(await inDirectory(anne), 'the declaration put it back');

  await lose();
  b.declarePeriodically(60_000, 0);
  try {
    for (const end = Date.now() + 20_000; !(await inDirectory(anne)) && Date.now() < end; ) await new Promise((r) => setTimeout(r, 25));
    assert.ok(await inDirectory(anne), 'the first periodic declaration put it back');
  } finally {
    await b.stop();
  }
});

test('R-ANN-1: the owner moves the CAB off its situation and back (governance → outbox → feed); the directory follows', async () => {
  const gov = new Governance({ store: operatorA, access: new AccessControl({ store: operatorA }), operatorDomains: [A] });
  const claire = { kind: 'person' as const, idnat: '810000001130' };
  const cab = `cabinet.infirmiers-des-lilas@${A}`;
  const a = sender(operatorA, 'ka');
  await a.drain(); // what earlier tests left
  assert.equal((await annuaire.mailboxes.byAddress(cab))?.situation_id, `sit-${claire.idnat}-1`);
  await gov.changeAttachment(claire, cab, null, 'shown on all her situations');
  assert.deepEqual(await a.drain(), { sent: 1, refused: 0 });
  const off = (await annuaire.mailboxes.byAddress(cab))!;
  assert.deepEqual([off.owner_idnat, off.situation_id], [claire.idnat, null]);
  await gov.changeAttachment(claire, cab, `sit-${claire.idnat}-1`);
  assert.deepEqual(await a.drain(), { sent: 1, refused: 0 });
  assert.equal((await annuaire.mailboxes.byAddress(cab))?.situation_id, `sit-${claire.idnat}-1`);
});
