// The operator follows the Annuaire's change feed over real HTTP (issue #15): the feed's paging
// contract and cursor, a full resynchronisation that finds the copies identical, a change applied
// once however often it is read, R-ID-2 against the synchronised copy, a situation ended in RPPS+
// ending the delegation it supported (R-DEL-5: history, revocation bus), an inactive person
// refused (R-ENR-1), an unknown cursor, and an Annuaire that is down (backoff, lag, last copy kept).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeRpps } from '@mss/domain';
import { GovernanceError } from '@mss/governance';
import { AnnuaireRepos, SANDBOX_API_KEY } from '@mss/annuaire';
import { DirectorySync, SITUATION_ENDED_REASON } from '../src/index.ts';
import {
  annuaireSide,
  capturedLogger,
  GP,
  GP_PER,
  operatorSide,
  secretary,
  type AnnuaireSide,
  type OperatorSide,
} from './support/world.ts';

let annuaire: AnnuaireSide;
let operator: OperatorSide;
let sync: DirectorySync;
let log: ReturnType<typeof capturedLogger>;
const gp = { kind: 'person' as const, idnat: GP };
const LEA = `8${makeRpps('1300000001')}`;

before(async () => {
  annuaire = await annuaireSide();
  operator = await operatorSide();
  log = capturedLogger();
  sync = new DirectorySync({
    store: operator.store,
    url: annuaire.http.url,
    apiKey: SANDBOX_API_KEY,
    logger: log.logger,
    consequences: operator.gov,
    pageSize: 50,
    backoff: { initialMs: 20, maxMs: 200 },
    intervalMs: 50,
  });
});
after(async () => {
  await sync.stop();
  await annuaire.cleanup();
  await operator.cleanup();
});

const feed = async (query: string) => {
  const res = await fetch(`${annuaire.http.fhirBase}?${query}`, { headers: { 'ESANTE-API-KEY': SANDBOX_API_KEY } });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};
const nextCursor = (body: Record<string, any>) =>
  new URL(body.link.find((l: { relation: string }) => l.relation === 'next').url).searchParams.get('_cursor') as string;

test('the feed: pages in change order, a next link on every page (an empty one when caught up), _count=0 gives the head', async () => {
  const state = await new AnnuaireRepos(annuaire.store).feed.state();
  const head = await feed('_count=0');
  assert.equal(head.status, 200);
  assert.equal(head.body.entry, undefined);
  const atHead = await feed(`_cursor=${nextCursor(head.body)}`);
  assert.equal(atHead.status, 200);
  assert.equal(atHead.body.entry, undefined, 'nothing after the head');
  // Paging from the beginning (the baseline) meets every resource once, persons before their situations.
  let cursor: string | null = null;
  const seen: string[] = [];
  for (let pages = 0; pages < 1000; pages++) {
    const page = await feed(`_count=100${cursor ? `&_cursor=${cursor}` : ''}`);
    assert.equal(page.status, 200);
    const entries = (page.body.entry ?? []) as { resource: { resourceType: string; id: string } }[];
    for (const e of entries) seen.push(`${e.resource.resourceType}/${e.resource.id}`);
    cursor = nextCursor(page.body);
    if (entries.length < 100) break;
  }
  assert.equal(new Set(seen).size, seen.length);
  assert.equal(seen.length, state.head - state.prunedThrough, 'every person (patients are not in the feed), structure and situation');
  assert.ok(seen.indexOf('Practitioner/810000001478') < seen.indexOf('PractitionerRole/sit-810000001478-1'));
  assert.equal(cursor, nextCursor(head.body), 'the last page’s next link is the head');
});

test('the feed refuses what it cannot honour, precisely', async () => {
  const bad = await feed('_cursor=not-a-cursor');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.resourceType, 'OperationOutcome');
  const foreign = Buffer.from(JSON.stringify(['feed', 'another-epoch', 3])).toString('base64url');
  const gone = await feed(`_cursor=${foreign}`);
  assert.equal(gone.status, 410);
  assert.match(gone.body.issue[0].diagnostics, /^cursor-unknown: the cursor belongs to another feed .* resynchronise in full/);
  assert.equal((await feed('_lastUpdated=ge2020-01-01')).status, 410, 'before the feed began: unknown');
  assert.equal((await feed('_lastUpdated=lt2030-01-01')).status, 400);
  assert.equal((await feed('family=Martin')).status, 400);
  assert.equal((await feed('_type=Patient')).status, 400);
  const ahead = Buffer.from(JSON.stringify(['feed', (await new AnnuaireRepos(annuaire.store).feed.state()).epoch, 10_000_000])).toString(
    'base64url',
  );
  assert.equal((await feed(`_cursor=${ahead}`)).status, 410);
});

const tools = existsSync('/usr/bin/curl') && existsSync('/usr/bin/unzip') ? false : 'curl and unzip (Debian) are needed';
const exec = (file: string, args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(file, args, { encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
    ),
  );

test('the delta extraction (curl, unzip): the 31 columns, every line of the owners that changed since the cursor, and the next cursor', {
  skip: tools,
}, async () => {
  const head = nextCursor((await feed('_count=0')).body);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-delta-'));
  const get = async (cursor: string) => {
    const file = path.join(dir, `d-${Math.random().toString(16).slice(2)}.zip`);
    const r = await exec('/usr/bin/curl', ['-s', '-D', '-', '-o', file, `${annuaire.http.url}/extractions/delta?_cursor=${cursor}`]);
    assert.equal(r.code, 0, r.stderr);
    const text = await exec('/usr/bin/unzip', ['-p', file]);
    assert.equal(text.code, 0, text.stderr);
    return { headers: r.stdout, lines: text.stdout.split('\n').filter(Boolean) };
  };
  const empty = await get(head);
  assert.match(empty.headers, /^HTTP\/1\.1 200/);
  assert.match(empty.headers, /content-disposition: attachment; filename=Extraction_Correspondance_MSSante_Delta_\d{12}\.zip/i);
  assert.equal(empty.lines.length, 1, 'the header line only: nothing changed');
  assert.equal(empty.lines[0]?.split('|').length, 31);
  // Dr Martin's PER changes (a description is not shown on a PER line; the change is what counts).
  const box = await annuaire.store.mailboxes.byAddress(GP_PER);
  assert.ok(box);
  await annuaire.store.mailboxes.update(box.id, { digitization: 0 });
  const next = /x-next-cursor: (\S+)/i.exec(empty.headers)?.[1] as string;
  assert.equal(next, head, 'nothing changed: the next delta starts where this one did');
  const one = await get(next);
  const rows = one.lines.slice(1).map((l) => l.split('|'));
  assert.ok(rows.length >= 1);
  assert.ok(rows.every((r) => r.length === 31));
  assert.ok(
    one.lines.some((l) => l.includes(GP_PER)),
    'the changed owner’s mailbox line',
  );
  assert.ok(
    rows.every((r) => r.includes(GP)),
    'only the owner that changed',
  );
  const after = /x-next-cursor: (\S+)/i.exec(one.headers)?.[1] as string;
  assert.equal((await get(after)).lines.length, 1, 'from its next cursor, nothing more');
  const bad = await exec('/usr/bin/curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `${annuaire.http.url}/extractions/delta`]);
  assert.equal(bad.stdout, '400');
  const foreign = Buffer.from(JSON.stringify(['feed', 'another-epoch', 3])).toString('base64url');
  const gone = await exec('/usr/bin/curl', ['-s', '-w', '\n%{http_code}', `${annuaire.http.url}/extractions/delta?_cursor=${foreign}`]);
  assert.match(gone.stdout, /cursor-unknown/);
  assert.match(gone.stdout, /\n410$/);
  await annuaire.store.mailboxes.update(box.id, { digitization: 1 });
  fs.rmSync(dir, { recursive: true, force: true });
});

test('first run: no cursor, so a full resynchronisation, logged; the two copies were the same, so nothing is written', async () => {
  const r = await sync.catchUp();
  assert.equal(r.fullResync, 'no cursor yet');
  assert.equal(r.caughtUp, true);
  assert.ok(r.entries > 100);
  assert.equal(r.rowsChanged, 0, 'the mapping back from FHIR loses nothing: every row read equals the operator’s');
  const status = await sync.status();
  assert.equal(status.fullResyncs, 1);
  assert.equal(status.entriesApplied, r.entries);
  assert.ok(status.cursor);
  assert.ok(status.lagMs !== null && status.lagMs >= 0);
  assert.ok(
    log.lines.some(
      (l) => l.msg === 'directory sync: full resynchronisation from the beginning of the Annuaire’s feed' && l.reason === 'no cursor yet',
    ),
  );
});

test('R-ID-2 against the synchronised copy: a secretary registered in RPPS+ can be delegated to once the operator has followed the feed', async () => {
  const { person, situation } = secretary(LEA, 'Petit');
  await annuaire.registry.upsertPerson(person);
  await annuaire.registry.upsertSituation(situation);
  await assert.rejects(
    operator.gov.grantDelegation(gp, GP_PER, { delegateIdnat: LEA }),
    (e: unknown) => e instanceof GovernanceError && e.kind === 'not-in-directory',
  );
  const r = await sync.catchUp();
  assert.equal(r.fullResync, null);
  assert.equal(r.rowsChanged, 2);
  assert.equal((await operator.store.directory.situation(situation.id))?.employer_idnat, GP);
  const view = await operator.gov.grantDelegation(gp, GP_PER, { delegateIdnat: LEA });
  assert.ok(view.delegations?.some((d) => d.delegateIdnat === LEA));
});

test('a change read twice is applied once (the cursor moved back: same rows, nothing written)', async () => {
  const before = await sync.status();
  await annuaire.registry.upsertPerson({ ...secretary(LEA, 'Petit-Durand').person });
  const r = await sync.catchUp();
  assert.equal(r.rowsChanged, 1);
  assert.equal((await operator.store.directory.person(LEA))?.last_name, 'Petit-Durand');
  // Read the same changes again from the earlier cursor.
  await operator.store.directorySync.update('annuaire', { cursor: before.cursor });
  const again = await sync.catchUp();
  assert.ok(again.entries >= 1);
  assert.equal(again.rowsChanged, 0);
  assert.equal(again.delegationsEnded, 0);
});

test('R-DEL-5: the situation ended in RPPS+ ends the delegation it supported — history, revocation bus — and she cannot get another', async () => {
  const situationId = secretary(LEA, 'Petit').situation.id;
  operator.events.length = 0;
  await annuaire.registry.endSituationNow(situationId);
  const r = await sync.catchUp();
  assert.equal(r.delegationsEnded, 1);
  const box = await operator.store.mailboxes.byAddress(GP_PER);
  assert.ok(box);
  const history = await operator.store.history.list({ mailboxId: box.id });
  const entry = history.find((h) => h.event === 'delegation.revoked' && h.subjectIdnat === LEA);
  assert.equal(entry?.reason, SITUATION_ENDED_REASON);
  assert.equal(entry?.actor, 'system');
  assert.deepEqual(
    operator.events.filter((e) => e.kind === 'delegation-ended').map((e) => ({ ...e })),
    [{ kind: 'delegation-ended', mailboxId: box.id, idnat: LEA, reason: SITUATION_ENDED_REASON }],
  );
  await assert.rejects(
    operator.gov.grantDelegation(gp, GP_PER, { delegateIdnat: LEA }),
    (e: unknown) => e instanceof GovernanceError && e.kind === 'person-inactive' && /R-DEL-1/.test(e.message),
  );
  // Read again: nothing more to end.
  assert.equal((await sync.catchUp()).delegationsEnded, 0);
});

test('a cursor the Annuaire no longer knows: the operator resynchronises in full and says so', async () => {
  // A change the operator has not read yet, then the Annuaire forgets it (compaction).
  await annuaire.registry.upsertPerson({ ...secretary(LEA, 'Petit-Durand').person, first_name: 'Léa-Marie' });
  await new AnnuaireRepos(annuaire.store).feed.compact();
  const r = await sync.catchUp();
  assert.match(r.fullResync ?? '', /^cursor-unknown: changes up to \d+ are no longer kept/);
  assert.equal(r.rowsChanged, 1, 'the change it missed, found by the full resynchronisation');
  assert.equal((await operator.store.directory.person(LEA))?.first_name, 'Léa-Marie');
  const status = await sync.status();
  assert.equal(status.fullResyncs, 2);
  assert.match(status.lastFullResyncReason ?? '', /^cursor-unknown/);
  assert.ok(log.lines.some((l) => l.level === 40 && String(l.reason).startsWith('cursor-unknown')));
});

test('the Annuaire down: retried with backoff, the lag grows, the last copy is kept; back up, it catches up', async () => {
  await annuaire.http.stop();
  const caughtUpAt = (await sync.status()).caughtUpAt;
  sync.start();
  // Failures are recorded one attempt after the other (backoff 20 ms doubling to 200 ms).
  for (const end = Date.now() + 20_000; (await sync.status()).failures < 3 && Date.now() < end; )
    await new Promise((r) => setTimeout(r, 25));
  const down = await sync.status();
  assert.ok(down.failures >= 3, `failures: ${down.failures}`);
  assert.match(down.lastError ?? '', /the Annuaire is unreachable/);
  assert.equal(down.caughtUpAt, caughtUpAt, 'not caught up since');
  assert.ok((down.lagMs ?? 0) > 0);
  assert.equal((await operator.store.directory.person(LEA))?.last_name, 'Petit-Durand', 'the copy is still served');
  await annuaire.registry.upsertPerson({ ...secretary(LEA, 'Durand').person });
  await annuaire.restart();
  for (const end = Date.now() + 20_000; (await operator.store.directory.person(LEA))?.last_name !== 'Durand' && Date.now() < end; )
    await new Promise((r) => setTimeout(r, 25));
  assert.equal((await operator.store.directory.person(LEA))?.last_name, 'Durand');
  await sync.stop();
  const up = await sync.status();
  assert.equal(up.failures, 0);
  assert.equal(up.lastError, null);
  assert.ok((up.caughtUpAt ?? '') > (caughtUpAt ?? ''));
});
