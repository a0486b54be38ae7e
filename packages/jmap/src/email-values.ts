// The Email properties that depend on the message's bytes alone — its envelope (RFC 8621 §4.1.2:
// messageId, from, to, subject, sentAt…), preview and hasAttachment (§4.1.4) — are what a message
// list shows. They are kept in memory per blob once computed, as IMAP keeps its encoded ENVELOPEs
// (`WireForms`): a blob is content-addressed, so what it says never changes. The envelope comes
// from the structure the ingestion step stored with each row; preview and hasAttachment from the
// bytes, read once.

import type { StoredEnvelope } from '@mss/mime';
import { ENVELOPE_PROPERTIES, envelopeProperty } from './email-view.ts';

/** The properties kept per blob: every one is a function of the message's bytes. */
export const KEPT_PROPERTIES: ReadonlySet<string> = new Set([...ENVELOPE_PROPERTIES, 'preview', 'hasAttachment']);

/** Some kept properties of one blob (frozen values: responses share them). */
export type EmailValues = Readonly<Record<string, unknown>>;

/** About this many bytes of values kept per process (then the oldest half goes). */
const DEFAULT_BUDGET = 16 * 1024 * 1024;

export class EmailValuesCache {
  readonly budget: number;
  private readonly kept = new Map<string, { values: Record<string, unknown>; bytes: number }>();
  private bytes = 0;
  /** Values computed (envelopes decoded, or properties read from the bytes) and blobs served from memory (tests, profiling). */
  readonly stats = { computed: 0, kept: 0 };

  constructor(budget = DEFAULT_BUDGET) {
    this.budget = budget;
  }

  /** What is kept of the blob (some of KEPT_PROPERTIES), if anything. */
  get(blobHash: string): EmailValues | undefined {
    const hit = this.kept.get(blobHash)?.values;
    if (hit) this.stats.kept++;
    return hit;
  }

  /** Decodes a stored envelope into the JMAP values of the blob, and keeps them. */
  addEnvelope(blobHash: string, envelope: StoredEnvelope): EmailValues {
    const values: Record<string, unknown> = {};
    for (const p of ENVELOPE_PROPERTIES) values[p] = envelopeProperty(envelope, p);
    return this.add(blobHash, values);
  }

  /** Keeps values of the blob computed elsewhere (only KEPT_PROPERTIES are taken); what the blob now has. */
  add(blobHash: string, values: Record<string, unknown>): EmailValues {
    this.stats.computed++;
    let entry = this.kept.get(blobHash);
    if (!entry) {
      entry = { values: {}, bytes: 2 * blobHash.length };
      this.bytes += entry.bytes;
    }
    for (const [p, v] of Object.entries(values)) {
      if (!KEPT_PROPERTIES.has(p) || Object.hasOwn(entry.values, p)) continue;
      entry.values[p] = deepFreeze(v);
      // UTF-16 characters of its JSON form, twice for the objects around them: an estimate.
      const bytes = 4 * ((JSON.stringify(v) ?? '').length + p.length);
      entry.bytes += bytes;
      this.bytes += bytes;
    }
    this.kept.delete(blobHash);
    this.kept.set(blobHash, entry);
    if (this.bytes > this.budget) this.evict();
    return entry.values;
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
