// oidc-provider's storage, in memory: sessions, interactions, codes and grants live minutes, and a
// restart of the sandbox asks the staff to log in again, which is what a restarted IdP does.

type Payload = Record<string, unknown> & { uid?: string; grantId?: string; userCode?: string; consumed?: number };

/** One provider's storage: every model's adapter of that provider shares it, another provider has its own. */
export type MemoryStorage = Map<string, { payload: Payload; until: number }>;

export class MemoryAdapter {
  readonly #entries: MemoryStorage;
  readonly #name: string;

  constructor(name: string, storage: MemoryStorage) {
    this.#name = name;
    this.#entries = storage;
  }

  #key(id: string): string {
    return `${this.#name}:${id}`;
  }

  async upsert(id: string, payload: Payload, expiresIn: number): Promise<void> {
    this.#entries.set(this.#key(id), { payload, until: Date.now() + (expiresIn > 0 ? expiresIn * 1000 : 3600_000) });
  }

  async find(id: string): Promise<Payload | undefined> {
    const e = this.#entries.get(this.#key(id));
    if (!e) return undefined;
    if (e.until <= Date.now()) {
      this.#entries.delete(this.#key(id));
      return undefined;
    }
    return e.payload;
  }

  async findByUid(uid: string): Promise<Payload | undefined> {
    for (const [key, e] of this.#entries)
      if (key.startsWith(`${this.#name}:`) && e.payload.uid === uid && e.until > Date.now()) return e.payload;
    return undefined;
  }

  async findByUserCode(userCode: string): Promise<Payload | undefined> {
    for (const [key, e] of this.#entries)
      if (key.startsWith(`${this.#name}:`) && e.payload.userCode === userCode && e.until > Date.now()) return e.payload;
    return undefined;
  }

  async consume(id: string): Promise<void> {
    const e = this.#entries.get(this.#key(id));
    if (e) e.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.#entries.delete(this.#key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [key, e] of this.#entries) if (e.payload.grantId === grantId) this.#entries.delete(key);
  }
}
