// Whether a mailbox takes in a message: R-BAL-2 (only an active mailbox) and the quota policy
// (docs/choices.md, "Mailbox quotas"), the one rule SMTP, the relay and IMAP apply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MAILBOX_QUOTAS, MAILBOX_STATUSES, exceedsQuota, quotaOf, receivesMail, receptionRefusal } from '../src/index.ts';

test('defaults: PER and APP 2 GiB, ORG and CAB 10 GiB, 1,000,000 messages; an unknown type gets the person’s', () => {
  assert.equal(DEFAULT_MAILBOX_QUOTAS.PER.storage, 2 * 1024 ** 3);
  assert.equal(DEFAULT_MAILBOX_QUOTAS.APP.storage, 2 * 1024 ** 3);
  assert.equal(DEFAULT_MAILBOX_QUOTAS.ORG.storage, 10 * 1024 ** 3);
  assert.equal(DEFAULT_MAILBOX_QUOTAS.CAB.messages, 1_000_000);
  assert.equal(quotaOf(DEFAULT_MAILBOX_QUOTAS, 'XYZ'), DEFAULT_MAILBOX_QUOTAS.PER);
});

test('exceedsQuota: up to the limit is allowed, one octet or message more is not', () => {
  const quota = { storage: 100, messages: 2 };
  assert.equal(exceedsQuota(quota, { storage: 60, messages: 1 }, 40, 1), false);
  assert.equal(exceedsQuota(quota, { storage: 60, messages: 1 }, 41, 1), true);
  assert.equal(exceedsQuota(quota, { storage: 0, messages: 2 }, 1, 1), true);
});

test('R-BAL-2: only an active mailbox receives mail', () => {
  assert.deepEqual(MAILBOX_STATUSES.filter(receivesMail), ['active']);
});

test('receptionRefusal: not active first (without reading the usage), then the quota of the mailbox’s type', async () => {
  const quotas = { ...DEFAULT_MAILBOX_QUOTAS, ORG: { storage: 1000, messages: 10 } };
  let reads = 0;
  const usage = (u: { storage: number; messages: number }) => async () => (reads++, u);
  assert.deepEqual(
    await receptionRefusal({ type: 'ORG', status: 'suspended' }, usage({ storage: 0, messages: 0 }), { bytes: 1, messages: 1 }, quotas),
    {
      kind: 'not-active',
      status: 'suspended',
    },
  );
  assert.equal(reads, 0, 'a refused mailbox costs no usage query');
  assert.equal(
    await receptionRefusal({ type: 'ORG', status: 'active' }, usage({ storage: 900, messages: 3 }), { bytes: 100, messages: 1 }, quotas),
    null,
  );
  assert.deepEqual(
    await receptionRefusal({ type: 'ORG', status: 'active' }, usage({ storage: 900, messages: 3 }), { bytes: 101, messages: 1 }, quotas),
    { kind: 'over-quota' },
  );
  // The same usage fits a PER, whose quota is the default.
  assert.equal(
    await receptionRefusal({ type: 'PER', status: 'active' }, usage({ storage: 900, messages: 3 }), { bytes: 101, messages: 1 }, quotas),
    null,
  );
});
