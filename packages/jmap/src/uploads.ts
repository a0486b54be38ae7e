import type { BlobStore } from '@mss/store';

/** How long an uploaded blob stays usable unreferenced (RFC 8620 §6.1 says at least one hour). */
const KEPT_MS = 2 * 3600 * 1000;

/**
 * Blobs uploaded to an account (RFC 8620 §6.1): written durably to the content-addressed blob
 * store at once, and known to the account that uploaded them for two hours, in this process's
 * memory. Another account cannot use or download them even if the bytes are the same.
 */
export class Uploads {
  private readonly byAccount = new Map<string, Map<string, { type: string; size: number; until: number }>>();
  private readonly blobs: Pick<BlobStore, 'put'>;

  constructor(blobs: Pick<BlobStore, 'put'>) {
    this.blobs = blobs;
  }

  async add(accountId: string, bytes: Buffer, type: string): Promise<{ blobId: string; hash: string; size: number; type: string }> {
    const ref = await this.blobs.put(bytes);
    let m = this.byAccount.get(accountId);
    if (!m) {
      m = new Map();
      this.byAccount.set(accountId, m);
    }
    m.set(ref.hash, { type, size: ref.size, until: Date.now() + KEPT_MS });
    this.sweep(m);
    return { blobId: uploadBlobId(ref.hash), hash: ref.hash, size: ref.size, type };
  }

  /** The hash of an upload of this account, if it is still known. */
  find(accountId: string, blobId: string): { hash: string; type: string; size: number } | undefined {
    const m = /^U([0-9a-f]{64})$/.exec(blobId);
    if (!m) return undefined;
    const entry = this.byAccount.get(accountId)?.get(m[1]!);
    if (!entry || entry.until < Date.now()) return undefined;
    return { hash: m[1]!, type: entry.type, size: entry.size };
  }

  private sweep(m: Map<string, { until: number }>): void {
    const now = Date.now();
    for (const [k, v] of m) if (v.until < now) m.delete(k);
  }
}

export function uploadBlobId(hash: string): string {
  return `U${hash}`;
}
