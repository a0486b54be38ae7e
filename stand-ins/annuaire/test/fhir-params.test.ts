// The search parameter readers on their own: FHIR escapes, tokens, dates and their precision.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dateBounds, dateRange, rawParams, splitValues, stringValues, tokenValues } from '../src/fhir/params.ts';
import { FhirError } from '../src/fhir/outcome.ts';
import { decodeCursor, encodeCursor, searchScope } from '../src/fhir/cursor.ts';

const one = (query: string) => rawParams(new URLSearchParams(query))[0]!;

test('values: a comma ORs, a backslash escapes', () => {
  assert.deepEqual(splitValues('a,b'), ['a', 'b']);
  assert.deepEqual(splitValues('Dupont\\,Durand,Martin'), ['Dupont,Durand', 'Martin']);
  assert.deepEqual(splitValues('a\\\\,b'), ['a\\', 'b']);
  assert.deepEqual(one('family:exact=Martin').modifier, 'exact');
});

test('strings: prefix by default, :exact, :contains; other modifiers and empty values refused', () => {
  assert.deepEqual(stringValues(one('family=mar')), [{ value: 'mar', mode: 'prefix' }]);
  assert.deepEqual(stringValues(one('family:exact=Martin')), [{ value: 'Martin', mode: 'exact' }]);
  assert.deepEqual(stringValues(one('family:contains=art')), [{ value: 'art', mode: 'contains' }]);
  assert.throws(() => stringValues(one('family:text=x')), FhirError);
  assert.throws(() => stringValues(one('family=a,')), /empty value/);
});

test('tokens: code, system|code, |code, system|', () => {
  assert.deepEqual(tokenValues(one('identifier=123')), [{ system: null, code: '123' }]);
  assert.deepEqual(tokenValues(one('identifier=http://rpps.fr|123')), [{ system: 'http://rpps.fr', code: '123' }]);
  assert.deepEqual(tokenValues(one('identifier=|123')), [{ system: '', code: '123' }]);
  assert.deepEqual(tokenValues(one('identifier=https://finess.esante.gouv.fr|')), [
    { system: 'https://finess.esante.gouv.fr', code: null },
  ]);
  assert.throws(() => tokenValues(one('identifier=|')), /empty token/);
});

test('dates: the range a precision covers, zones, impossible dates', () => {
  assert.deepEqual(dateRange('2026'), { start: '2026-01-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' });
  assert.deepEqual(dateRange('2026-02'), { start: '2026-02-01T00:00:00.000Z', end: '2026-03-01T00:00:00.000Z' });
  assert.deepEqual(dateRange('2024-02-29'), { start: '2024-02-29T00:00:00.000Z', end: '2024-03-01T00:00:00.000Z' });
  assert.deepEqual(dateRange('2026-03-02T10:15'), { start: '2026-03-02T10:15:00.000Z', end: '2026-03-02T10:16:00.000Z' });
  assert.deepEqual(dateRange('2026-03-02T10:15:30'), { start: '2026-03-02T10:15:30.000Z', end: '2026-03-02T10:15:31.000Z' });
  assert.deepEqual(dateRange('2026-03-02T10:15:30.5Z'), { start: '2026-03-02T10:15:30.500Z', end: '2026-03-02T10:15:30.501Z' });
  assert.deepEqual(dateRange('2026-03-02T11:00:00+01:00'), { start: '2026-03-02T10:00:00.000Z', end: '2026-03-02T10:00:01.000Z' });
  assert.deepEqual(dateRange('2026-03-02T08:00:00-02:30'), { start: '2026-03-02T10:30:00.000Z', end: '2026-03-02T10:30:01.000Z' });
  for (const bad of ['2026-02-30', '2025-02-29', '2026-13', '2026-03-02T24:00', '26-03-02', '2026-03-02 10:00', 'yesterday'])
    assert.equal(dateRange(bad), undefined, bad);
});

test('date prefixes become bounds on the instant', () => {
  const bounds = (q: string) => dateBounds(one(`_lastUpdated=${encodeURIComponent(q)}`));
  assert.deepEqual(bounds('2026-03-02'), [
    { op: '>=', at: '2026-03-02T00:00:00.000Z' },
    { op: '<', at: '2026-03-03T00:00:00.000Z' },
  ]);
  assert.deepEqual(bounds('gt2026-03-02'), [{ op: '>=', at: '2026-03-03T00:00:00.000Z' }]);
  assert.deepEqual(bounds('ge2026-03-02'), [{ op: '>=', at: '2026-03-02T00:00:00.000Z' }]);
  assert.deepEqual(bounds('lt2026-03-02'), [{ op: '<', at: '2026-03-02T00:00:00.000Z' }]);
  assert.deepEqual(bounds('le2026-03-02'), [{ op: '<', at: '2026-03-03T00:00:00.000Z' }]);
  for (const p of ['ne', 'sa', 'eb', 'ap']) assert.throws(() => bounds(`${p}2026-03-02`), /not supported/);
  assert.throws(() => dateBounds(one('_lastUpdated=gt2026,lt2027')), /one value/);
});

test('cursors: opaque, bound to their search whatever the parameter order', () => {
  const scope = searchScope('Practitioner', new URLSearchParams('family=m&_count=5'));
  assert.equal(searchScope('Practitioner', new URLSearchParams('_count=5&family=m&_cursor=x')), scope);
  assert.notEqual(searchScope('Organization', new URLSearchParams('family=m&_count=5')), scope);
  const cursor = encodeCursor(scope, '810000001056');
  assert.match(cursor, /^[A-Za-z0-9_-]+$/);
  assert.equal(decodeCursor(cursor, scope), '810000001056');
  assert.throws(() => decodeCursor(cursor, 'other'), /another search/);
  assert.throws(() => decodeCursor('%%%', scope), /not a cursor/);
  assert.throws(() => decodeCursor(Buffer.from('[2,"a","b"]').toString('base64url'), scope), /not a cursor/);
});
