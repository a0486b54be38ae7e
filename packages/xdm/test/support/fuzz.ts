// Generated and mutated archives and XML documents for property-based fuzzing of R-DOC-1 (used by
// test/fuzz.test.ts with a few hundred runs and by bench/xdm-fuzz.ts with ≥10,000): whatever the
// input, the readers answer with a result or an UnsafeArchiveError, never another exception.

import fc from 'fast-check';
import { buildXdm, readCda, readXdm, UnsafeArchiveError } from '../../src/index.ts';
import { type CraftEntry, craftZip } from './craft-zip.ts';
import { DISCHARGE_LETTER, LAB_PDF, LAB_REPORT, SPECIALIST_LETTER } from './samples.ts';

export const SEEDS = {
  archives: async (): Promise<Buffer[]> => [
    await buildXdm({ cda: DISCHARGE_LETTER, now: new Date(0) }),
    await buildXdm({ cda: LAB_REPORT, pdf: LAB_PDF, now: new Date(0) }),
    await buildXdm({ cda: SPECIALIST_LETTER, now: new Date(0) }),
  ],
  documents: [DISCHARGE_LETTER, LAB_REPORT, SPECIALIST_LETTER],
};

type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; length: number }
  | { op: 'duplicate'; at: number; length: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(0, 0xff, 0x7f, 0x80, 0x3c, 0x26, 0x2f, 0x2e) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 256 }) }),
);

export function mutate(input: Buffer, mutations: readonly Mutation[]): Buffer {
  let b = Buffer.from(input);
  for (const m of mutations) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    switch (m.op) {
      case 'flip':
        b[at]! ^= 1 << m.bit;
        break;
      case 'set':
        b[at] = m.value;
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.length)]);
        break;
      case 'duplicate':
        b = Buffer.concat([b.subarray(0, at + m.length), b.subarray(at, at + m.length), b.subarray(at + m.length)]);
        break;
    }
  }
  return b;
}

export const mutations = fc.array(mutation, { minLength: 1, maxLength: 6 });

const nameSegment = fc.constantFrom(
  'IHE_XDM',
  'SUBSET01',
  'METADATA.XML',
  'DOC0001.XML',
  '..',
  '.',
  '',
  'a\\b',
  'C:',
  'x.zip',
  'README.TXT',
  'é',
);
const craftedEntry: fc.Arbitrary<CraftEntry> = fc.record(
  {
    name: fc.array(nameSegment, { minLength: 1, maxLength: 5 }).map((s) => s.join('/')),
    data: fc.uint8Array({ maxLength: 512 }),
    method: fc.constantFrom(0, 8, 8, 8, 12, 99),
    flags: fc.constantFrom(0, 0, 0, 1, 8, 0x40),
    unixMode: fc.constantFrom(0o100644, 0o120777, 0o040755),
    declaredSize: fc.oneof(fc.nat({ max: 4096 }), fc.constant(0xffffffff)),
  },
  { requiredKeys: ['name', 'data'] },
);

/** A crafted archive of random entries: names, methods, flags, kinds and declared sizes an attacker chooses. */
export const craftedArchive = fc
  .record({
    entries: fc.array(craftedEntry, { minLength: 0, maxLength: 8 }),
    entryCount: fc.option(fc.nat({ max: 65535 }), { nil: undefined }),
  })
  .map(({ entries, entryCount }) => craftZip(entries, entryCount === undefined ? {} : { entryCount }));

const xmlPiece = fc.constantFrom(
  '<',
  '>',
  '&',
  '&lol;',
  '&#0;',
  '&#x110000;',
  ']]>',
  '<!DOCTYPE x [<!ENTITY a "b">]>',
  '<!ENTITY x SYSTEM "file:///etc/passwd">',
  '<?xml version="1.0"?>',
  '<a:b xmlns:a="">',
  '"',
  "'",
  '</ClinicalDocument>',
  '<![CDATA[',
  '\u0000',
  '\uFFFE',
  '\uD800',
);

/** A sample CDA with pieces of hostile or broken XML inserted. */
export function mutateXml(doc: Buffer, edits: readonly { at: number; piece: string }[]): Buffer {
  let text = doc.toString('utf8');
  for (const e of edits) {
    const at = e.at % (text.length + 1);
    text = text.slice(0, at) + e.piece + text.slice(at);
  }
  return Buffer.from(text, 'utf8');
}

export const xmlEdits = fc.array(fc.record({ at: fc.nat(), piece: xmlPiece }), { minLength: 1, maxLength: 5 });

/** Random element trees, possibly deep, as text. */
export const generatedXml = fc
  .letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.string({ maxLength: 20 }),
      fc.record({
        name: fc.constantFrom('a', 'ClinicalDocument', 'rim:Slot', 'x:y', '1bad'),
        kids: fc.array(tie('node'), { maxLength: 4 }),
      }),
    ),
  }))
  .node.map(function render(n: unknown): string {
    if (typeof n === 'string') return n.replace(/[<&]/g, '');
    const { name, kids } = n as { name: string; kids: unknown[] };
    return `<${name}>${kids.map(render).join('')}</${name}>`;
  });

/** What every input must give: a result, or an UnsafeArchiveError; anything else is a defect. */
export async function expectSafe(run: () => unknown): Promise<'read' | 'refused'> {
  try {
    await run();
    return 'read';
  } catch (err) {
    if (err instanceof UnsafeArchiveError) return 'refused';
    throw err;
  }
}

export const readArchive = (b: Buffer): Promise<'read' | 'refused'> => expectSafe(() => readXdm(b));
export const readDocument = (b: Buffer): Promise<'read' | 'refused'> => expectSafe(() => readCda(b));
