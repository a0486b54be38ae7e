// MSSanté specifics read from a parsed message: the Ref. #2 headers a sending LPS sets
// (ECO.2.4.1/2.4.2, ECO.2.2.8) and the IHE_XDM attachment that carries CDA documents. Only
// detection: opening the zip is someone else's job (R-DOC-1 wants it done carefully).

import { decodeHeaderValue, filename } from './headers.ts';
import { type PartNumber, walkParts } from './parts.ts';
import type { MimeNode } from './types.ts';

export interface MssHeaders {
  /** X-MSS-CODECDA: one code per CDA document (LOINC, e.g. `34112-3`), from every occurrence of
   * the field and every comma-, semicolon- or space-separated value in it ("multi-valued"). */
  readonly codeCda: readonly string[];
  /** X-MSS-INS: `O` (the INS is qualified) or `N`; null when absent or neither. */
  readonly ins: 'O' | 'N' | null;
  /** The X-MSS-INS value as written, to report a malformed one. */
  readonly insRaw: string | null;
  /** X-MSS-NIL: the sending software's identifier (e.g. `DEV935997`). */
  readonly nil: string | null;
  /** X-MSS-MES as written (e.g. `FIN`). */
  readonly mes: string | null;
  /** X-MSS-MES is FIN: the professional ends the exchange with the patient (R-MES-2). */
  readonly mesFin: boolean;
  /** The historical way to say the same: `[FIN]` in the subject (R-MES-2 honours both). */
  readonly subjectFin: boolean;
}

/** Some software writes the names with underscores (`X_MSS_INS`): accept both spellings. */
function values(node: MimeNode, name: string): string[] {
  const out: string[] = [];
  for (const f of node.fields) {
    if (f.key.replaceAll('_', '-') === name) out.push(decodeHeaderValue(f.value));
  }
  return out;
}

function first(node: MimeNode, name: string): string | null {
  const v = values(node, name)[0];
  return v === undefined || v === '' ? null : v;
}

export function mssHeaders(node: MimeNode): MssHeaders {
  const codeCda = values(node, 'x-mss-codecda').flatMap((v) => v.split(/[\s,;]+/).filter((c) => c !== ''));
  const insRaw = first(node, 'x-mss-ins');
  const ins = insRaw?.toUpperCase();
  const mes = first(node, 'x-mss-mes');
  const subject = values(node, 'subject')[0] ?? '';
  return {
    codeCda,
    ins: ins === 'O' || ins === 'N' ? ins : null,
    insRaw,
    nil: first(node, 'x-mss-nil'),
    mes,
    mesFin: mes?.toUpperCase() === 'FIN',
    subjectFin: subject.toUpperCase().includes('[FIN]'),
  };
}

export interface XdmAttachment {
  /** IMAP part number, e.g. [2] for BODY[2]. */
  readonly part: PartNumber;
  readonly node: MimeNode;
  readonly filename: string | null;
  /** `filename`: named IHE_XDM.ZIP (any case); `content-type`: a zip type naming XDM otherwise. */
  readonly matchedBy: 'filename' | 'content-type';
}

const ZIP_TYPES = new Set(['application/zip', 'application/x-zip', 'application/x-zip-compressed']);
const XDM_NAME = 'ihe_xdm.zip';

/** The file name without any directory a sender left in it. */
function baseName(name: string): string {
  return name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
}

function xdmMatch(node: MimeNode): XdmAttachment['matchedBy'] | null {
  if (node.kind !== 'leaf') return null;
  const name = filename(node);
  if (name && baseName(name).trim().toLowerCase() === XDM_NAME) return 'filename';
  const type = `${node.contentType.type}/${node.contentType.subtype}`;
  if (!ZIP_TYPES.has(type)) return null;
  const hints = [name ?? '', node.description ? decodeHeaderValue(node.description) : ''];
  return hints.some((h) => /xdm/i.test(h)) ? 'content-type' : null;
}

/** Every IHE_XDM attachment of the message, nested messages included, in order. */
export function findXdmAttachments(root: MimeNode): XdmAttachment[] {
  const out: XdmAttachment[] = [];
  for (const { part, node } of walkParts(root)) {
    const matchedBy = xdmMatch(node);
    if (matchedBy) out.push({ part, node, filename: filename(node), matchedBy });
  }
  return out;
}
