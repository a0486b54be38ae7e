// Mailbox quotas from the configuration (MSS_QUOTA_STORAGE_<TYPE>, MSS_QUOTA_MESSAGES_<TYPE>).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MAILBOX_QUOTAS, quotaOf } from '@mss/domain';
import { MssError, loadConfig, loadQuotas } from '../src/index.ts';

test('defaults: PER and APP 2 GiB, ORG and CAB 10 GiB, 1,000,000 messages', () => {
  const q = loadConfig({}, {}).quotas;
  assert.deepEqual(q, DEFAULT_MAILBOX_QUOTAS);
  assert.equal(q.PER.storage, 2 * 1024 ** 3);
  assert.equal(q.CAB.storage, 10 * 1024 ** 3);
  assert.equal(quotaOf(q, 'XYZ'), q.PER, 'an unknown type gets the person’s');
});

test('sizes with units, message counts; a bad value is a configuration error', () => {
  const q = loadQuotas({
    MSS_QUOTA_STORAGE_PER: '512M',
    MSS_QUOTA_STORAGE_ORG: '20GiB',
    MSS_QUOTA_STORAGE_APP: '1048576',
    MSS_QUOTA_MESSAGES_CAB: '5000',
  });
  assert.equal(q.PER.storage, 512 * 1024 ** 2);
  assert.equal(q.ORG.storage, 20 * 1024 ** 3);
  assert.equal(q.APP.storage, 1048576);
  assert.equal(q.CAB.messages, 5000);
  assert.equal(q.CAB.storage, DEFAULT_MAILBOX_QUOTAS.CAB.storage);
  assert.throws(() => loadQuotas({ MSS_QUOTA_STORAGE_PER: 'lots' }), MssError);
  assert.throws(() => loadQuotas({ MSS_QUOTA_MESSAGES_PER: '-1' }), MssError);
});
