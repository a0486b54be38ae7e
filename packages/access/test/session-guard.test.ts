import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore } from '@mss/store/testing';
import { AccessControl, SessionGuard, type SessionEndReason } from '../src/decision/index.ts';

const GP = '810000001056';
const JULIE = '810000001478';
const BOX = 'paul.martin@operateur-a.mssante.fr';

async function setup() {
  const t = await openTestStore();
  const base = {
    kind: 'PS' as const,
    id_type: 'RPPS' as const,
    civility: 'M',
    first_name: 'X',
    profession_code: '10',
    profession_label: 'Médecin',
    category_code: 'C',
    speciality_code: null,
    speciality_label: null,
  };
  await t.store.directory.upsertPersons([
    { ...base, idnat: GP, rpps: GP.slice(1), last_name: 'Martin' },
    { ...base, idnat: JULIE, rpps: JULIE.slice(1), last_name: 'Bernard', kind: 'SECRETARY' },
  ]);
  const box = await t.store.mailboxes.create({ address: BOX, type: 'PER', ownerIdnat: GP });
  await t.store.mailboxes.addHolder(box.id, GP, 'holder', null);
  const delegation = await t.store.mailboxes.grantDelegation({
    mailboxId: box.id,
    delegateIdnat: JULIE,
    grantedBy: GP,
    startAt: '2026-01-01T00:00:00.000Z',
  });
  return { ...t, box, delegation, access: new AccessControl({ store: t.store }) };
}

function endPromise(): { promise: Promise<SessionEndReason>; onEnd: (r: SessionEndReason) => void } {
  let onEnd!: (r: SessionEndReason) => void;
  const promise = new Promise<SessionEndReason>((resolve) => (onEnd = resolve));
  return { promise, onEnd };
}

test('R-AUTH-4 / R-DEL-5: revoking a delegation ends the delegate’s open session at once', async () => {
  const { store, cleanup, box, delegation, access } = await setup();
  try {
    const ended = endPromise();
    const guard = new SessionGuard(
      access,
      { idnat: JULIE, mailbox: BOX, mailboxId: box.id, channel: 'imap', tokenExpiresAt: new Date(Date.now() + 600_000), action: 'read' },
      ended.onEnd,
    );
    const gpEnded = endPromise();
    const gpGuard = new SessionGuard(
      access,
      { idnat: GP, mailbox: BOX, mailboxId: box.id, channel: 'imap', tokenExpiresAt: new Date(Date.now() + 600_000), action: 'read' },
      gpEnded.onEnd,
    );
    assert.equal(access.bus.listenerCount, 2);
    await store.mailboxes.revokeDelegation(delegation.id, GP, 'end of contract');
    access.bus.publish({ kind: 'delegation-ended', mailboxId: box.id, idnat: JULIE, reason: 'end of contract' });
    // Only the event can end it now (no periodic re-check; the token has ten minutes left): a
    // bound of seconds, not a timing threshold a loaded machine could miss.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('not ended by the event')), 10_000)));
    assert.equal(await Promise.race([ended.promise, late]).finally(() => clearTimeout(timer)), 'no-right');
    assert.equal(guard.active, false);
    assert.equal(gpGuard.active, true, 'the holder’s session is untouched');
    gpGuard.close();
    assert.equal(access.bus.listenerCount, 0, 'guards unsubscribe');
  } finally {
    await cleanup();
  }
});

test('an event that does not take the right away leaves the session open', async () => {
  const { cleanup, box, access } = await setup();
  try {
    const ended = endPromise();
    const guard = new SessionGuard(
      access,
      { idnat: JULIE, mailbox: BOX, mailboxId: box.id, channel: 'smtp', tokenExpiresAt: new Date(Date.now() + 600_000), action: 'send' },
      ended.onEnd,
    );
    // A spurious event (delegation not actually revoked in the store): re-check allows.
    access.bus.publish({ kind: 'delegation-ended', mailboxId: box.id, idnat: JULIE, reason: 'test' });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(guard.active, true);
    guard.close();
  } finally {
    await cleanup();
  }
});

test('a new CGU version ends sessions of people who have not accepted it', async () => {
  const { store, cleanup, box, access } = await setup();
  try {
    const ended = endPromise();
    new SessionGuard(
      access,
      { idnat: GP, mailbox: BOX, mailboxId: box.id, channel: 'imap', tokenExpiresAt: new Date(Date.now() + 600_000), action: 'read' },
      ended.onEnd,
    );
    await store.cgu.publish({ version: 'v9', url: '/cgu/v9', title: 'v9' });
    access.bus.publish({ kind: 'cgu-published', version: 'v9' });
    assert.equal(await ended.promise, 'cgu-not-accepted');
  } finally {
    await cleanup();
  }
});

test('R-AUTH-4: the session ends when its token expires', async () => {
  const { cleanup, box, access } = await setup();
  try {
    const ended = endPromise();
    new SessionGuard(
      access,
      { idnat: GP, mailbox: BOX, mailboxId: box.id, channel: 'imap', tokenExpiresAt: new Date(Date.now() + 150), action: 'read' },
      ended.onEnd,
    );
    assert.equal(await ended.promise, 'token-expired');
    const already = endPromise();
    new SessionGuard(
      access,
      { idnat: GP, mailbox: BOX, mailboxId: box.id, channel: 'imap', tokenExpiresAt: new Date(Date.now() - 1), action: 'read' },
      already.onEnd,
    );
    assert.equal(await already.promise, 'token-expired');
  } finally {
    await cleanup();
  }
});
