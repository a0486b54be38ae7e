// ENVELOPE, BODY and BODYSTRUCTURE on the way out: encoded from the neutral structure the store
// computed when the message came in (`structure`, JSON of @mss/mime's StoredMessage), never by
// parsing the message again and never by writing anything back (reads never write).
// Encoding costs more than copying bytes, so the encoded forms are kept in memory per blob: a
// blob is content-addressed, so its structure, and what IMAP writes of it, never change.

import { bodyStructureOfStored, envelopeOfStored, type StoredMessage } from '@mss/mime';
import { parseStructure } from '@mss/store';
import { bodyStructureValue, encodeValue, encoded, envelopeValue, type ImapValue } from '../protocol/index.ts';

export type StructureItem = 'ENVELOPE' | 'BODY' | 'BODYSTRUCTURE';

export function isStructureItem(item: string): item is StructureItem {
  return item === 'ENVELOPE' || item === 'BODY' || item === 'BODYSTRUCTURE';
}

/** What IMAP writes for `item` of a message whose stored structure is `s`. */
export function structureValue(item: StructureItem, s: StoredMessage): ImapValue {
  if (item === 'ENVELOPE') return envelopeValue(envelopeOfStored(s.envelope));
  return bodyStructureValue(bodyStructureOfStored(s.body, item === 'BODYSTRUCTURE'), item === 'BODYSTRUCTURE');
}

/** Encoded forms kept per process, about this many bytes of them (then the oldest go first). */
const DEFAULT_BUDGET = 16 * 1024 * 1024;

export class WireForms {
  readonly budget: number;
  private readonly kept = new Map<StructureItem, Map<string, Buffer>>([
    ['ENVELOPE', new Map()],
    ['BODY', new Map()],
    ['BODYSTRUCTURE', new Map()],
  ]);
  private bytes = 0;
  /** Encodings done and answers served from memory (tests, profiling). */
  readonly stats = { encoded: 0, kept: 0 };

  constructor(budget = DEFAULT_BUDGET) {
    this.budget = budget;
  }

  /** Whether `item` of the blob is in memory (then its row's structure need not be read). */
  has(item: StructureItem, blobHash: string): boolean {
    return this.kept.get(item)!.has(blobHash);
  }

  /**
   * `item` of the message stored as `blobHash`, from memory or encoded from its stored structure
   * (`structure`, the row's column). Undefined when neither is there (a row whose blob could not
   * be read when it was backfilled): the caller parses the body, and writes nothing either.
   */
  get(item: StructureItem, blobHash: string, structure: string | null | undefined): ImapValue | undefined {
    const map = this.kept.get(item)!;
    const hit = map.get(blobHash);
    if (hit) {
      this.stats.kept++;
      return encoded(hit);
    }
    if (!structure) return undefined;
    const bytes = encodeValue(structureValue(item, parseStructure(structure)));
    this.stats.encoded++;
    map.set(blobHash, bytes);
    this.bytes += bytes.length + blobHash.length;
    if (this.bytes > this.budget) this.evict();
    return encoded(bytes);
  }

  /** Drops the oldest half of what is kept (in insertion order): cheap, and rare. */
  private evict(): void {
    for (const map of this.kept.values()) {
      let drop = Math.ceil(map.size / 2);
      for (const [hash, bytes] of map) {
        if (drop-- <= 0) break;
        map.delete(hash);
        this.bytes -= bytes.length + hash.length;
      }
    }
  }
}
