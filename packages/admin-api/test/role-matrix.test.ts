// The role matrix of §5 end to end over HTTP: every role × every governance action, asserting
// the status code and the problem type (R-CAB-3, R-CAB-5, R-CAB-6, R-DEL-2, R-DEL-3, R-BAL-2).
// Whoever holds no role on a mailbox (a stranger, a lapsed delegate) gets 404 mailbox-not-found
// for everything, as for an address that does not exist (R-AUTH-3: decide, then reveal).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_ENGINE } from '@mss/store/testing';
import { STRUCT2, mbox, startWorld, type World } from './support/world.ts';
import { CAST, seedCast, seedMailboxes } from './support/cast.ts';

type Type = 'PER' | 'ORG' | 'CAB';
type Action =
  | 'view'
  | 'edit-publication'
  | 'add-cotitulaire'
  | 'grant-delegation'
  | 'revoke-delegation'
  | 'history'
  | 'suspend'
  | 'transfer'
  | 'delete';
const ACTIONS: Action[] = [
  'view',
  'edit-publication',
  'add-cotitulaire',
  'grant-delegation',
  'revoke-delegation',
  'history',
  'suspend',
  'transfer',
  'delete',
];

// Expected HTTP outcome per role, action and mailbox type, written from the domain reference.
const OK = 'ok';
const F = 403; // forbidden
const NC = 422; // not a CAB
const NF = 404; // no role here: answered as for a mailbox that does not exist
const NONE = {
  view: NF,
  'edit-publication': NF,
  'add-cotitulaire': NF,
  'grant-delegation': NF,
  'revoke-delegation': NF,
  history: NF,
  suspend: NF,
  transfer: NF,
  delete: NF,
};
const EXPECTED: Record<string, Partial<Record<Type, Record<Action, string | number>>>> = {
  holder: {
    PER: {
      view: OK,
      'edit-publication': OK,
      'add-cotitulaire': NC,
      'grant-delegation': OK,
      'revoke-delegation': OK,
      history: OK,
      suspend: F,
      transfer: F,
      delete: F,
    },
  },
  responsible: {
    ORG: {
      view: OK,
      'edit-publication': OK,
      'add-cotitulaire': NC,
      'grant-delegation': OK,
      'revoke-delegation': OK,
      history: OK,
      suspend: F,
      transfer: F,
      delete: F,
    },
  },
  owner: {
    CAB: {
      view: OK,
      'edit-publication': OK,
      'add-cotitulaire': OK,
      'grant-delegation': OK,
      'revoke-delegation': OK,
      history: OK,
      suspend: F,
      transfer: OK,
      delete: OK,
    },
  },
  cotitulaire: {
    CAB: {
      view: OK,
      'edit-publication': F,
      'add-cotitulaire': F,
      'grant-delegation': OK,
      'revoke-delegation': OK,
      history: F,
      suspend: F,
      transfer: F,
      delete: F,
    },
  },
  delegate: {
    PER: {
      view: OK,
      'edit-publication': F,
      'add-cotitulaire': NC,
      'grant-delegation': F,
      'revoke-delegation': F,
      history: F,
      suspend: F,
      transfer: F,
      delete: F,
    },
    ORG: {
      view: OK,
      'edit-publication': F,
      'add-cotitulaire': NC,
      'grant-delegation': F,
      'revoke-delegation': F,
      history: F,
      suspend: F,
      transfer: F,
      delete: F,
    },
    CAB: {
      view: OK,
      'edit-publication': F,
      'add-cotitulaire': F,
      'grant-delegation': F,
      'revoke-delegation': F,
      history: F,
      suspend: F,
      transfer: F,
      delete: F,
    },
  },
  lapsed: { PER: NONE, CAB: NONE },
  stranger: { PER: NONE, ORG: NONE, CAB: NONE },
  admin: {
    PER: {
      view: OK,
      'edit-publication': OK,
      'add-cotitulaire': NC,
      'grant-delegation': F,
      'revoke-delegation': F,
      history: OK,
      suspend: OK,
      transfer: F,
      delete: F,
    },
    ORG: {
      view: OK,
      'edit-publication': OK,
      'add-cotitulaire': NC,
      'grant-delegation': F,
      'revoke-delegation': F,
      history: OK,
      suspend: OK,
      transfer: OK,
      delete: OK,
    },
    CAB: {
      view: OK,
      'edit-publication': OK,
      'add-cotitulaire': F,
      'grant-delegation': F,
      'revoke-delegation': F,
      history: OK,
      suspend: OK,
      transfer: F,
      delete: F,
    },
  },
};

let w: World;
before(async () => {
  w = await startWorld();
  await seedCast(w);
});
after(async () => w.close());

let cell = 0;
for (const [role, byType] of Object.entries(EXPECTED)) {
  for (const [type, byAction] of Object.entries(byType) as [Type, Record<Action, string | number>][]) {
    test(`${TEST_ENGINE}: ${role} on ${type}: ${ACTIONS.map((a) => `${a}=${byAction[a]}`).join(' ')}`, async () => {
      for (const action of ACTIONS) {
        // A fresh set of mailboxes per cell, so that one cell's change cannot decide another's.
        const boxes = await seedMailboxes(w, ++cell);
        const address = boxes[type];
        const as = role === 'admin' ? 'admin' : CAST[role as keyof typeof CAST];
        const r = await perform(w, as, action, type, address, boxes.delegationIds[type]!);
        const expected = byAction[action];
        const label = `${role} ${action} ${type}: ${JSON.stringify(r.body).slice(0, 300)}`;
        if (expected === OK) {
          assert.ok(r.status >= 200 && r.status < 300, label);
        } else {
          assert.equal(r.status, expected, label);
          assert.equal(r.headers.get('content-type'), 'application/problem+json; charset=utf-8', label);
          assert.equal(
            r.body.type,
            { [F]: '/problems/forbidden', [NC]: '/problems/not-a-cab', [NF]: '/problems/mailbox-not-found' }[expected],
            label,
          );
        }
      }
    });
  }
}

function perform(w: World, as: string, action: Action, type: Type, address: string, delegationId: number) {
  switch (action) {
    case 'view':
      return w.call('GET', mbox(address), as);
    case 'edit-publication':
      return w.call('PATCH', mbox(address), as, { listeRouge: true });
    case 'add-cotitulaire':
      return w.call('POST', `${mbox(address)}/cotitulaires`, as, { idnat: CAST.newOwner });
    case 'grant-delegation':
      return w.call('POST', `${mbox(address)}/delegations`, as, { delegateIdnat: CAST.newDelegate, endAt: '2099-12-31' });
    case 'revoke-delegation':
      return w.call('DELETE', `${mbox(address)}/delegations/${delegationId}?reason=test`, as);
    case 'history':
      return w.call('GET', `${mbox(address)}/history`, as);
    case 'suspend':
      return w.call('POST', `${mbox(address)}/status`, as, { status: 'suspended', reason: 'test' });
    case 'transfer':
      return w.call('POST', `${mbox(address)}/transfer`, as, { newOwnerIdnat: type === 'CAB' ? CAST.newOwner : STRUCT2 });
    case 'delete':
      return w.call('DELETE', `${mbox(address)}?reason=test`, as);
  }
}
