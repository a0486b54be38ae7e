// The Ségur indicators' ledger (R-IND-1): written in a caller's transaction (gone with its
// rollback), grouped by month, and append-only in the database itself, on both engines.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { NO_DOCUMENTS } from '@mss/domain';
import type { NewIndicatorEvent, Store } from '../src/index.ts';
import { openTestStore } from './harness.ts';

let store: Store;
let cleanup: () => Promise<void>;
before(async () => {
  ({ store, cleanup } = await openTestStore());
});
after(async () => cleanup());

const event = (over: Partial<NewIndicatorEvent> = {}): NewIndicatorEvent => ({
  direction: 'sent',
  period: '2026-11',
  idnat: '810000001395',
  mailboxId: 7,
  mailbox: 'Cabinet.Infirmiers@operateur-a.mssante.fr',
  mailboxType: 'CAB',
  messageRef: 'a1',
  documents: NO_DOCUMENTS,
  mes: false,
  ...over,
});

test('events are grouped by month, person and facts; a rolled-back transaction counts nothing', async () => {
  await store.transaction(async (tx) => {
    await tx.indicators.record([
      event(),
      event({ messageRef: 'a2' }),
      event({ messageRef: 'a3', documents: { typeCodes: ['11490-0', '11502-2'], insQualified: true, mismatches: ['ins-missing'] } }),
      event({ messageRef: 'a4', period: '2026-12' }),
      event({ messageRef: 'a5', direction: 'received', idnat: '810000001130', mes: true }),
    ]);
  });
  await assert.rejects(
    store.transaction(async (tx) => {
      await tx.indicators.record([event({ messageRef: 'lost' })]);
      throw new Error('the message was not stored');
    }),
    /not stored/,
  );
  const groups = await store.indicators.groups('2026-11');
  const sorted = groups.map((g) => [
    g.direction,
    g.idnat,
    g.documents.typeCodes.join(','),
    g.documents.mismatches.join(','),
    g.mes,
    g.events,
  ]);
  sorted.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  assert.deepEqual(sorted, [
    ['received', '810000001130', '', '', true, 1],
    ['sent', '810000001395', '', '', false, 2],
    ['sent', '810000001395', '11490-0,11502-2', 'ins-missing', false, 1],
  ]);
  assert.equal(groups[0]!.mailbox, 'cabinet.infirmiers@operateur-a.mssante.fr');
  assert.deepEqual(
    (await store.indicators.groups('2026-11', { idnat: '810000001130' })).map((g) => g.direction),
    ['received'],
  );
  assert.equal(await store.indicators.count('2026-11', 'sent'), 3);
  assert.ok(!(await store.indicators.messageRefs('sent')).includes('lost'));
});

test('the ledger is append-only, in the database itself', async () => {
  await assert.rejects(sql`update indicator_events set idnat = 'someone-else'`.execute(store.kysely), /append-only/);
  await assert.rejects(sql`delete from indicator_events`.execute(store.kysely), /append-only/);
});
