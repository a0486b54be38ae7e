import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeMessage,
  encodeBindResponse,
  encodeExtendedResponse,
  encodeNoticeOfDisconnection,
  encodeSearchResultDone,
  encodeSearchResultEntry,
} from '../src/ldap/messages.ts';
import { ResultCode } from '../src/ldap/result-codes.ts';
import type { FilterNode } from '../src/ldap/filter.ts';
import { abandonRequest, decodeResponse, extendedRequest, searchRequest, unbindRequest } from './support/ldap-wire.ts';
import { arbitraryFilter } from './support/ldap-arbitraries.ts';

const hex = (text: string): string => text.replace(/\s+/g, '');
const ascii = (text: string): string => Buffer.from(text).toString('hex');

test('responses have the encodings RFC 4511 prescribes', () => {
  assert.equal(encodeBindResponse(1, { resultCode: 0 }).toString('hex'), hex('300c 020101 6107 0a0100 0400 0400'));
  assert.equal(
    encodeSearchResultDone(2, { resultCode: ResultCode.sizeLimitExceeded }).toString('hex'),
    hex('300c 020102 6507 0a0104 0400 0400'),
  );
  // SearchResultEntry { "cn=A", { { "cn", { "A" } } } }
  assert.equal(
    encodeSearchResultEntry(2, 'cn=A', [['cn', ['A']]]).toString('hex'),
    hex(`3018 020102 6413 0404${ascii('cn=A')} 300b 3009 0402${ascii('cn')} 3103 0401${ascii('A')}`),
  );
  // typesOnly: an empty SET of values
  assert.equal(
    encodeSearchResultEntry(3, '', [['cn', []]]).toString('hex'),
    hex(`3011 020103 640c 0400 3008 3006 0402${ascii('cn')} 3100`),
  );
  // Notice of Disconnection: messageID 0, ExtendedResponse with responseName 1.3.6.1.4.1.1466.20036
  assert.equal(
    encodeNoticeOfDisconnection(ResultCode.protocolError, 'x').toString('hex'),
    hex(`3025 020100 7820 0a0102 0400 0401${ascii('x')} 8a16${ascii('1.3.6.1.4.1.1466.20036')}`),
  );
  assert.equal(
    encodeExtendedResponse(4, { resultCode: 0, responseValue: '' }).toString('hex'),
    hex('300e 020104 7809 0a0100 0400 0400 8b00'),
  );
});

test('a long entry uses long-form lengths at every level', () => {
  const values = Array.from({ length: 50 }, (_, i) => `value number ${i} ${'é'.repeat(i)}`);
  const bytes = encodeSearchResultEntry(7, 'mail=x@y.mssante.fr,ou=bal,o=mssante,c=fr', [
    ['description', values],
    ['cn', ['x']],
  ]);
  assert.equal(bytes[1], 0x82, 'two length bytes for the message');
  const decoded = decodeResponse(bytes);
  assert.equal(decoded.kind, 'entry');
  if (decoded.kind !== 'entry') return;
  assert.equal(decoded.dn, 'mail=x@y.mssante.fr,ou=bal,o=mssante,c=fr');
  assert.deepEqual(decoded.attributes.get('description'), values);
  assert.deepEqual(decoded.attributes.get('cn'), ['x']);
});

test('unbind, abandon, extended requests and controls decode', () => {
  assert.deepEqual(decodeMessage(unbindRequest(3)), { messageId: 3, request: { type: 'unbind' }, controls: [] });
  assert.deepEqual(decodeMessage(abandonRequest(4, 2)), { messageId: 4, request: { type: 'abandon', messageId: 2 }, controls: [] });
  const whoami = decodeMessage(extendedRequest(5, '1.3.6.1.4.1.4203.1.11.3'));
  assert.deepEqual(whoami.request, { type: 'extended', name: '1.3.6.1.4.1.4203.1.11.3' });
  const withValue = decodeMessage(extendedRequest(6, '1.2.3', 'abc'));
  assert.equal(withValue.request.type === 'extended' && withValue.request.value?.toString(), 'abc');
  const search = decodeMessage(
    searchRequest(7, { baseObject: '', scope: 0, filter: { type: 'present', attribute: 'objectClass' } }, [
      { type: '1.2.840.113556.1.4.319', critical: true, value: '\u0030\u0000' },
      { type: '1.2.3.4' },
    ]),
  );
  assert.deepEqual(
    search.controls.map((c) => [c.type, c.critical, c.value?.toString('hex')]),
    [
      ['1.2.840.113556.1.4.319', true, '3000'],
      ['1.2.3.4', false, undefined],
    ],
  );
});

test('a search request whose filter breaks a limit decodes as invalid, not as an error', () => {
  let deep: FilterNode = { type: 'present', attribute: 'cn' };
  for (let i = 0; i < 40; i++) deep = { type: 'not', filter: deep };
  const message = decodeMessage(searchRequest(8, { baseObject: 'o=x', scope: 2, filter: deep }));
  assert.equal(message.request.type, 'invalid');
  if (message.request.type !== 'invalid') return;
  assert.equal(message.request.resultCode, ResultCode.unwillingToPerform);
  assert.match(message.request.diagnosticMessage, /nested deeper than 32/);
});

test('search requests round-trip through our encoder and decoder (property)', () => {
  fc.assert(
    fc.property(
      fc.record({
        id: fc.integer({ min: 1, max: 2147483647 }),
        baseObject: fc.string({ unit: 'binary', maxLength: 40 }),
        scope: fc.constantFrom(0 as const, 1 as const, 2 as const),
        derefAliases: fc.integer({ min: 0, max: 3 }),
        sizeLimit: fc.integer({ min: 0, max: 2147483647 }),
        timeLimit: fc.integer({ min: 0, max: 2147483647 }),
        typesOnly: fc.boolean(),
        filter: arbitraryFilter(3),
        attributes: fc.array(fc.string({ maxLength: 10 }), { maxLength: 5 }),
      }),
      (r) => {
        const message = decodeMessage(searchRequest(r.id, r));
        assert.equal(message.messageId, r.id);
        assert.deepEqual(message.request, {
          type: 'search',
          baseObject: r.baseObject,
          scope: (['base', 'one', 'sub'] as const)[r.scope],
          derefAliases: r.derefAliases,
          sizeLimit: r.sizeLimit,
          timeLimit: r.timeLimit,
          typesOnly: r.typesOnly,
          filter: r.filter,
          attributes: r.attributes,
        });
      },
    ),
    { numRuns: 500 },
  );
});
