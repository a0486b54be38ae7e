// R-AUTH-4, R-DEL-5: a delegation revoked while the delegate's JMAP session is open ends the
// push stream at once, and the delegated account is then accountNotFound (RFC 8620 §3.6.2) —
// decided by the same guard and decision point as an IMAP session's.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { GP, JULIE, PER, calls, openPush, startJmapWorld, type JmapWorld } from './support/world.ts';

let world: JmapWorld;

before(async () => {
  world = await startJmapWorld();
});
after(async () => world.close());

test("the GP revokes the secretary's delegation: her push stream closes and the account is gone at her next request", async () => {
  const token = await world.token(JULIE);
  const session = async () =>
    (await (await fetch(`${world.base}/.well-known/jmap`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      accounts: Record<string, { name: string }>;
    };
  const accountId = Object.entries((await session()).accounts).find(([, a]) => a.name === PER)![0];
  const before = await calls(world, token, [['Mailbox/get', { accountId, ids: [] }, 'm']]);
  assert.equal(before.get('m')![0], 'Mailbox/get');
  const push = await openPush(world, token);
  await push.next();

  const mailbox = (await world.store.mailboxes.byAddress(PER))!;
  const delegation = (await world.store.mailboxes.activeDelegations(mailbox.id)).find((d) => d.delegate_idnat === JULIE)!;
  await world.gov.revokeDelegation({ kind: 'person', idnat: GP }, PER, delegation.id, 'fin du remplacement');

  // The stream ends because the account was lost (no timer in between: the guard's decision ends it).
  await push.ended;
  const after = await calls(world, token, [['Mailbox/get', { accountId, ids: [] }, 'm']]);
  assert.equal(after.get('m')![0], 'error');
  assert.equal(after.get('m')![1].type, 'accountNotFound');
  assert.ok(!Object.values((await session()).accounts).some((a) => a.name === PER));
  // The decision that ended it is in the audit trail, on the JMAP channel.
  const audit = await world.store.audit.list({ idnat: JULIE, mailbox: PER });
  assert.ok(audit.some((r) => r.channel === 'jmap' && r.outcome === 'denied' && r.reason === 'no-right'));
});
