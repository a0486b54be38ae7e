// What the webmail keeps of a session in the database, sealed with a key only the browser's cookie
// gives: the row's id is a hash of the cookie's secret, its data AES-256-GCM under a key derived
// from that secret (HKDF-SHA256). A copy of the database holds no usable PSC token and no session.

import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const INFO = 'mss-webmail session v1';

/** The database key of a cookie's secret. */
export function rowId(secret: string): string {
  return createHash('sha256').update(`${INFO}\0${secret}`).digest('base64url');
}

function keyOf(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'mss-webmail', INFO, 32));
}

export function seal(secret: string, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(secret), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

/** The value sealed with this secret; undefined when the data was not (a forged or damaged row). */
export function unseal<T>(secret: string, data: string): T | undefined {
  try {
    const raw = Buffer.from(data, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', keyOf(secret), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
