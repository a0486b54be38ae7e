// In-memory storage for the provider's artefacts (sessions, interactions, grants, codes,
// refresh tokens, CIBA requests). It belongs to one running PSC, not to the provider
// instance, so that rebuilding the provider on key rotation keeps every session and pending
// request. A restart of the sandbox drops them all: PSC sessions are short-lived and the
// sandbox is for testing.
//
// oidc-provider's bundled adapter is not used because its storage is one module-wide LRU of
// 1,000 entries shared by every provider in the process (tests start several), and because it
// forgets an artefact the moment it expires, which turns a CIBA poll after expiry into
// `invalid_grant` instead of the `expired_token` the CIBA spec asks for.

type Payload = Record<string, unknown> & { grantId?: string; uid?: string; userCode?: string; consumed?: number };

interface Entry {
  payload: Payload;
  /** ms epoch after which the entry is dropped, some time after the artefact's own expiry. */
  dropAt: number;
}

/**
 * How long an expired artefact is kept. CIBA requests stay long enough for a late poll to get
 * `expired_token` rather than "unknown"; everything else only outlives the provider's clock
 * tolerance (15 s), so that memory follows the token lifetimes under a benchmark's load.
 */
const KEEP_AFTER_EXPIRY_MS: Readonly<Record<string, number>> = {
  BackchannelAuthenticationRequest: 10 * 60 * 1000,
  DeviceCode: 10 * 60 * 1000,
};
const DEFAULT_KEEP_AFTER_EXPIRY_MS = 60 * 1000;

export class MemoryStorage {
  readonly entries = new Map<string, Entry>();
  readonly byGrant = new Map<string, Set<string>>();
  readonly bySessionUid = new Map<string, string>();
  readonly byUserCode = new Map<string, string>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  get(key: string): Payload | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.dropAt <= this.#now()) {
      this.delete(key);
      return undefined;
    }
    return e.payload;
  }

  set(key: string, payload: Payload, expiresInSeconds: number | undefined, keepAfterExpiryMs: number): void {
    this.delete(key);
    const dropAt = expiresInSeconds === undefined ? Number.POSITIVE_INFINITY : this.#now() + expiresInSeconds * 1000 + keepAfterExpiryMs;
    this.entries.set(key, { payload, dropAt });
    if (payload.grantId) {
      let members = this.byGrant.get(payload.grantId);
      if (!members) this.byGrant.set(payload.grantId, (members = new Set()));
      members.add(key);
    }
  }

  delete(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    const { grantId } = e.payload;
    if (grantId) {
      const members = this.byGrant.get(grantId);
      members?.delete(key);
      if (members?.size === 0) this.byGrant.delete(grantId);
    }
  }

  /** Drops everything past its keep date; called on a timer so memory stays bounded under load. */
  sweep(): void {
    const now = this.#now();
    for (const [key, e] of this.entries) if (e.dropAt <= now) this.delete(key);
    for (const [uid, key] of this.bySessionUid) if (!this.entries.has(key)) this.bySessionUid.delete(uid);
    for (const [code, key] of this.byUserCode) if (!this.entries.has(key)) this.byUserCode.delete(code);
  }
}

/** The adapter interface oidc-provider expects, one instance per model name. */
export class MemoryAdapter {
  readonly #model: string;
  readonly #storage: MemoryStorage;

  constructor(model: string, storage: MemoryStorage) {
    this.#model = model;
    this.#storage = storage;
  }

  #key(id: string): string {
    return `${this.#model}:${id}`;
  }

  async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
    const key = this.#key(id);
    this.#storage.set(key, payload, expiresIn, KEEP_AFTER_EXPIRY_MS[this.#model] ?? DEFAULT_KEEP_AFTER_EXPIRY_MS);
    if (this.#model === 'Session' && typeof payload.uid === 'string') this.#storage.bySessionUid.set(payload.uid, key);
    if (typeof payload.userCode === 'string') this.#storage.byUserCode.set(payload.userCode, key);
  }

  async find(id: string): Promise<Payload | undefined> {
    return this.#storage.get(this.#key(id));
  }

  async findByUid(uid: string): Promise<Payload | undefined> {
    const key = this.#storage.bySessionUid.get(uid);
    return key === undefined ? undefined : this.#storage.get(key);
  }

  async findByUserCode(userCode: string): Promise<Payload | undefined> {
    const key = this.#storage.byUserCode.get(userCode);
    return key === undefined ? undefined : this.#storage.get(key);
  }

  async consume(id: string): Promise<void> {
    const payload = this.#storage.get(this.#key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.#storage.delete(this.#key(id));
  }

  /** Every artefact of the grant, whatever its model: what revoking a refresh token means. */
  async revokeByGrantId(grantId: string): Promise<void> {
    const members = this.#storage.byGrant.get(grantId);
    if (!members) return;
    for (const key of [...members]) this.#storage.delete(key);
  }
}
