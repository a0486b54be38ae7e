// RFC 8621 §7: EmailSubmission goes through the operator's SMTP submission listener, so JMAP
// sending meets the same rules as an LPS's: sender binding, recipients, local delivery.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CAB, CLAIRE, GP, PER, calls, startJmapWorld, type JmapWorld } from './support/world.ts';

let world: JmapWorld;
let token: string;
let accountId: string;
let boxes: Record<string, string>;

before(async () => {
  world = await startJmapWorld();
  token = await world.token(GP);
  const s = (await (await fetch(`${world.base}/.well-known/jmap`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
    primaryAccounts: Record<string, string>;
  };
  accountId = s.primaryAccounts['urn:ietf:params:jmap:mail']!;
  const list = (await calls(world, token, [['Mailbox/get', { accountId }, 'm']])).get('m')![1].list as { id: string; role: string }[];
  boxes = Object.fromEntries(list.map((b) => [b.role, b.id]));
});
after(async () => world.close());

function draft(to: string, subject: string) {
  return {
    mailboxIds: { [boxes.drafts!]: true },
    keywords: { $draft: true, $seen: true },
    from: [{ name: 'Dr Paul Martin', email: PER }],
    to: [{ name: null, email: to }],
    subject,
    textBody: [{ partId: 't', type: 'text/plain' }],
    bodyValues: { t: { value: 'Bonjour,\nvoici la lettre de liaison.\n' } },
  };
}

test('a draft is created, sent, moved to Sent without $draft, and delivered to the CAB (RFC 8621 §4.6, §7.5)', async () => {
  const r = await calls(world, token, [
    ['Email/set', { accountId, create: { d1: draft(CAB, 'Lettre de liaison é') } }, 'a'],
    [
      'EmailSubmission/set',
      {
        accountId,
        create: { s1: { identityId: `I${accountId.slice(1)}`, emailId: '#d1' } },
        onSuccessUpdateEmail: {
          '#s1': { [`mailboxIds/${boxes.drafts}`]: null, [`mailboxIds/${boxes.sent}`]: true, 'keywords/$draft': null },
        },
      },
      'b',
    ],
    // RFC 8620 §5.3: `#d1` stands for the id the Email got in this request.
    ['Email/get', { accountId, ids: ['#d1'], properties: ['mailboxIds', 'keywords', 'subject'] }, 'c'],
  ]);
  const created = r.get('b')![1].created as Record<string, { id: string }>;
  assert.ok(created?.s1, JSON.stringify(r.get('b')));
  assert.deepEqual(Object.keys(r.get('b/Email/set')![1].updated as object), [(r.get('a')![1].created as { d1: { id: string } }).d1.id]);
  const email = (r.get('c')![1].list as { mailboxIds: object; keywords: object; subject: string }[])[0]!;
  assert.deepEqual(email.mailboxIds, { [boxes.sent!]: true });
  assert.deepEqual(email.keywords, { $seen: true });
  assert.equal(email.subject, 'Lettre de liaison é');
  const sub = (await calls(world, token, [['EmailSubmission/get', { accountId, ids: [created.s1.id] }, 'g']])).get('g')![1].list as {
    deliveryStatus: Record<string, { delivered: string }>;
  }[];
  assert.equal(sub[0]!.deliveryStatus[CAB]?.delivered, 'queued');
  // Claire, the CAB's owner, finds it in the CAB's INBOX over JMAP.
  const claire = await world.token(CLAIRE);
  const session = (await (await fetch(`${world.base}/.well-known/jmap`, { headers: { authorization: `Bearer ${claire}` } })).json()) as {
    accounts: Record<string, { name: string }>;
  };
  const cabAccount = Object.entries(session.accounts).find(([, a]) => a.name === CAB)![0];
  const found = await calls(world, claire, [
    ['Email/query', { accountId: cabAccount, filter: { subject: 'Lettre de liaison' } }, 'q'],
    [
      'Email/get',
      { accountId: cabAccount, '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' }, properties: ['from', 'subject'] },
      'g',
    ],
  ]);
  assert.deepEqual((found.get('g')![1].list as { from: unknown }[])[0]!.from, [{ name: 'Dr Paul Martin', email: PER }]);
});

test('sender binding: an envelope from another address is forbiddenFrom, as SMTP refuses it (RFC 8621 §7.5)', async () => {
  const r = await calls(world, token, [
    ['Email/set', { accountId, create: { d2: draft(CAB, 'Usurpation') } }, 'a'],
    [
      'EmailSubmission/set',
      {
        accountId,
        create: {
          s2: { identityId: `I${accountId.slice(1)}`, emailId: '#d2', envelope: { mailFrom: { email: CAB }, rcptTo: [{ email: CAB }] } },
        },
      },
      'b',
    ],
  ]);
  const notCreated = r.get('b')![1].notCreated as Record<string, { type: string; description: string }>;
  assert.equal(notCreated.s2?.type, 'forbiddenFrom');
  assert.match(notCreated.s2!.description, /^5\d\d /);
});

test('a recipient the operator does not know is invalidRecipients, nothing sent (RFC 8621 §7.5)', async () => {
  const r = await calls(world, token, [
    ['Email/set', { accountId, create: { d3: draft(`personne.inconnue@${PER.split('@')[1]}`, 'Inconnu') } }, 'a'],
    ['EmailSubmission/set', { accountId, create: { s3: { identityId: `I${accountId.slice(1)}`, emailId: '#d3' } } }, 'b'],
  ]);
  const notCreated = r.get('b')![1].notCreated as Record<string, { type: string; invalidRecipients: string[] }>;
  assert.equal(notCreated.s3?.type, 'invalidRecipients');
  assert.deepEqual(notCreated.s3!.invalidRecipients, [`personne.inconnue@${PER.split('@')[1]}`]);
});
