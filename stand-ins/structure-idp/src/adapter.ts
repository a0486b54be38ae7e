// oidc-provider's storage, in memory: sessions, interactions, codes and grants live minutes, and a
// restart of the sandbox asks the staff to log in again, which is what a restarted IdP does.

type Payload = Record<string, unknown> & { uid?: string; grantId?: string; userCode?: string; consumed?: number };

export class MemoryAdapter {
  static readonly #entries = new Map<string, { payload: Payload; until: number }>();
  readonly #name: string;

  constructor(name: string) {
    this.#name = name;
  }

  #key(id: string): string {
    return `${this.#name}:${id}`;
  }

  async upsert(id: string, payload: Payload, expiresIn: number): Promise<void> {
    MemoryAdapter.#entries.set(this.#key(id), { payload, until: Date.now() + (expiresIn > 0 ? expiresIn * 1000 : 3600_000) });
  }

  async find(id: string): Promise<Payload | undefined> {
    const e = MemoryAdapter.#entries.get(this.#key(id));
    if (!e) return undefined;
    if (e.until <= Date.now()) {
      MemoryAdapter.#entries.delete(this.#key(id));
      return undefined;
    }
    return e.payload;
  }

  async findByUid(uid: string): Promise<Payload | undefined> {
    for (const [key, e] of MemoryAdapter.#entries)
      if (key.startsWith(`${this.#name}:`) && e.payload.uid === uid && e.until > Date.now()) return e.payload;
    return undefined;
  }

  async findByUserCode(userCode: string): Promise<Payload | undefined> {
    for (const [key, e] of MemoryAdapter.#entries)
      if (key.startsWith(`${this.#name}:`) && e.payload.userCode === userCode && e.until > Date.now()) return e.payload;
    return undefined;
  }

  async consume(id: string): Promise<void> {
    const e = MemoryAdapter.#entries.get(this.#key(id));
    if (e) e.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    MemoryAdapter.#entries.delete(this.#key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [key, e] of MemoryAdapter.#entries) if (e.payload.grantId === grantId) MemoryAdapter.#entries.delete(key);
  }
}
