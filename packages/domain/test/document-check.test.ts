// The document-check outcome (R-DOC-2) as the indicators read it (R-IND-1).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type DocumentCheckOutcome, hasQualifiedIns, isConsistent, isDocumentMismatchKind } from '../src/index.ts';

describe('DocumentCheckOutcome (R-DOC-2)', () => {
  const none: DocumentCheckOutcome = { documents: [], mismatches: [] };
  const letter: DocumentCheckOutcome = { documents: [{ typeCode: '11490-0', insQualified: true }], mismatches: [] };

  test('consistent means no mismatch', () => {
    assert.equal(isConsistent(letter), true);
    assert.equal(isConsistent({ ...letter, mismatches: [{ kind: 'codecda-mismatch', detail: 'x' }] }), false);
  });

  test('a qualified INS needs documents, every one with an INS', () => {
    assert.equal(hasQualifiedIns(none), false);
    assert.equal(hasQualifiedIns(letter), true);
    assert.equal(
      hasQualifiedIns({ documents: [...letter.documents, { typeCode: '11502-2', insQualified: false }], mismatches: [] }),
      false,
    );
  });

  test('mismatch kinds are a closed list', () => {
    assert.equal(isDocumentMismatchKind('ins-disagrees'), true);
    assert.equal(isDocumentMismatchKind('other'), false);
  });
});
