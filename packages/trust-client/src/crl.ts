// Names the operator and the trust stand-in agree on for the CA's revocation list (RFC 5280 §5).

/** Where the trust service serves the CA's CRL, DER as RFC 2585 serves it. */
export const CRL_PATH = '/pki/ca.crl';

/** A serial as the CRL and `openssl` write it: upper-case hex, no leading zeros; undefined if not hex. */
export function normaliseSerial(value: string): string | undefined {
  const hex = value.trim().replace(/^0x/i, '').replaceAll(':', '');
  if (!/^[0-9a-f]{1,40}$/i.test(hex)) return undefined;
  return hex.replace(/^0+(?=.)/, '').toUpperCase();
}
