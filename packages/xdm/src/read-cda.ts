import { type CdaHeader, readCdaHeader } from './cda.ts';
import { type XdmLimits, xdmLimits } from './limits.ts';
import { decodeXml, parseXml } from './xml.ts';

/** The header of a CDA document given as bytes; throws UnsafeArchiveError when it cannot be read safely. */
export function readCda(bytes: Uint8Array, limits: Partial<XdmLimits> = {}, name = 'CDA'): CdaHeader {
  return readCdaHeader(parseXml(decodeXml(bytes, name), xdmLimits(limits), name), name);
}
