// A provider's signing keys, persisted so that tokens issued before a restart still verify
// after it (clients cache the JWKS; a new key at every start would look like a rotation each
// time). The file is a private JWKS whose first key signs; the others are
// published only until their retirement date, so that tokens they signed stay verifiable for
// as long as they can live.

import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { MssError } from '@mss/runtime';

/** The asymmetric algorithms the stand-ins sign with: PSC uses RS256, FranceConnect v2 prefers ES256. */
export type SigningAlg = 'RS256' | 'ES256';

/** Which stand-in owns a key file: its folder under the data dir and how errors name it. */
export interface KeyOwner {
  /** Folder under the data directory, e.g. `psc`. */
  dir: string;
  /** How messages name the provider, e.g. `PSC`. */
  label: string;
  /** Prefix of the error codes, e.g. `PSC` → `PSC_KEYS_INVALID`. */
  code: string;
}

export interface PrivateJwk extends JWK {
  kid: string;
  alg: string;
  use: 'sig';
}

export interface KeyFile {
  keys: PrivateJwk[];
  /** kid → ISO date after which the key leaves the JWKS; the current key (keys[0]) has none. */
  retireAt: Record<string, string>;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;

export function publicJwk(jwk: PrivateJwk): JWK {
  const pub: JWK = { ...jwk };
  for (const m of PRIVATE_MEMBERS) delete (pub as Record<string, unknown>)[m];
  return pub;
}

export async function newSigningKey(alg: SigningAlg = 'RS256'): Promise<PrivateJwk> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return { ...jwk, kid, alg, use: 'sig' };
}

function isKeyFile(v: unknown): v is KeyFile {
  if (typeof v !== 'object' || v === null) return false;
  const f = v as { keys?: unknown; retireAt?: unknown };
  return (
    Array.isArray(f.keys) &&
    f.keys.length > 0 &&
    f.keys.every((k) => typeof k === 'object' && k !== null && typeof (k as JWK).kid === 'string' && typeof (k as JWK).d === 'string') &&
    (f.retireAt === undefined || (typeof f.retireAt === 'object' && f.retireAt !== null))
  );
}

/** Keeps the current key and the retiring keys whose date has not passed. */
export function pruneRetired(file: KeyFile, now: Date): KeyFile {
  const [current, ...older] = file.keys;
  if (!current) return file;
  const retireAt: Record<string, string> = {};
  const kept: PrivateJwk[] = [current];
  for (const k of older) {
    const at = file.retireAt[k.kid];
    if (at !== undefined && Date.parse(at) > now.getTime()) {
      kept.push(k);
      retireAt[k.kid] = at;
    }
  }
  return { keys: kept, retireAt };
}

/** The earliest retirement still to come, for the timer that drops keys while running. */
export function nextRetirement(file: KeyFile): number | undefined {
  const dates = Object.values(file.retireAt)
    .map((d) => Date.parse(d))
    .filter((t) => Number.isFinite(t));
  return dates.length ? Math.min(...dates) : undefined;
}

export class KeyFileStore {
  readonly file: string;
  readonly #owner: KeyOwner;
  readonly #alg: SigningAlg;

  constructor(dataDir: string, owner: KeyOwner, alg: SigningAlg = 'RS256') {
    this.file = path.join(dataDir, owner.dir, 'keys.json');
    this.#owner = owner;
    this.#alg = alg;
  }

  /** Reads the keys, creating them on first start. A file we cannot read is the user's to fix. */
  async loadOrCreate(now: Date): Promise<KeyFile> {
    let raw: string | undefined;
    try {
      raw = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new MssError(
          `${this.#owner.code}_KEYS_UNREADABLE`,
          `cannot read the ${this.#owner.label} signing keys ${this.file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
          { cause: err },
        );
      }
    }
    if (raw === undefined) {
      const created: KeyFile = { keys: [await newSigningKey(this.#alg)], retireAt: {} };
      this.save(created);
      return created;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (err) {
      throw new MssError(
        `${this.#owner.code}_KEYS_INVALID`,
        `the ${this.#owner.label} signing keys ${this.file} are not valid JSON; delete the file to generate new keys`,
        {
          cause: err,
        },
      );
    }
    if (!isKeyFile(parsed)) {
      throw new MssError(
        `${this.#owner.code}_KEYS_INVALID`,
        `the ${this.#owner.label} signing keys ${this.file} are not a private JWKS; delete the file to generate new keys`,
      );
    }
    const file = pruneRetired({ keys: parsed.keys, retireAt: parsed.retireAt ?? {} }, now);
    if (file.keys.length !== parsed.keys.length) this.save(file);
    return file;
  }

  /** Written whole to a temporary file then renamed, so a crash never leaves half a key file. */
  save(file: KeyFile): void {
    const dir = path.dirname(this.file);
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const tmp = path.join(dir, `.keys.${process.pid}.${randomUUID()}.tmp`);
      fs.writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
      fs.renameSync(tmp, this.file);
      fs.chmodSync(this.file, 0o600);
    } catch (err) {
      throw new MssError(
        `${this.#owner.code}_KEYS_UNWRITABLE`,
        `cannot write the ${this.#owner.label} signing keys ${this.file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
        { cause: err },
      );
    }
  }
}
