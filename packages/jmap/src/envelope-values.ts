// A message list's Email properties (RFC 8621 §4.1.2: messageId, from, to, subject, sentAt…)
// come from the envelope the ingestion step stored with each row, never from the message's bytes.
// Decoding that envelope into JMAP values costs more than the rest of an Email/get, so the values
// are kept in memory per blob, as IMAP keeps its encoded ENVELOPEs (`WireForms`): a blob is
// content-addressed, so what its envelope says never changes.

import { ENVELOPE_PROPERTIES, envelopeProperty } from './email-view.ts';
import type { StoredEnvelope } from '@mss/mime';

/** One Email's envelope properties, every one of ENVELOPE_PROPERTIES (frozen: responses share them). */
export type EnvelopeValues = Readonly<Record<string, unknown>>;

/** About this many bytes of values kept per process (then the oldest half goes). */
const DEFAULT_BUDGET = 16 * 1024 * 1024;

export class EnvelopeValuesCache {
  readonly budget: number;
  private readonly kept = new Map<string, { values: EnvelopeValues; bytes: number }>();
  private bytes = 0;
  /** Envelopes decoded and answers served from memory (tests, profiling). */
  readonly stats = { decoded: 0, kept: 0 };

  constructor(budget = DEFAULT_BUDGET) {
    this.budget = budget;
  }

  get(blobHash: string): EnvelopeValues | undefined {
    const hit = this.kept.get(blobHash)?.values;
    if (hit) this.stats.kept++;
    return hit;
  }

  /** Decodes a stored envelope into the JMAP values of the blob, and keeps them. */
  add(blobHash: string, envelope: StoredEnvelope): EnvelopeValues {
    const values: Record<string, unknown> = {};
    for (const p of ENVELOPE_PROPERTIES) values[p] = deepFreeze(envelopeProperty(envelope, p));
    Object.freeze(values);
    this.stats.decoded++;
    // UTF-16 characters of its JSON form and the key, twice for the objects around them: an estimate.
    const bytes = 2 * (JSON.stringify(values).length + blobHash.length) * 2;
    const old = this.kept.get(blobHash);
    if (old) this.bytes -= old.bytes;
    this.kept.set(blobHash, { values, bytes });
    this.bytes += bytes;
    if (this.bytes > this.budget) this.evict();
    return values;
  }

  /** Drops the oldest half of what is kept (in insertion order): cheap, and rare. */
  private evict(): void {
    let drop = Math.ceil(this.kept.size / 2);
    for (const [hash, entry] of this.kept) {
      if (drop-- <= 0) break;
      this.kept.delete(hash);
      this.bytes -= entry.bytes;
    }
  }
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
