// IHE_XDM archives (IHE ITI TF-1 §16 and TF-3 §3.32): read one safely into what it declares and
// what it holds, with every disagreement between the two named; or build one from a CDA.
//
//   INDEX.HTM, README.TXT                 at the root
//   IHE_XDM/SUBSET01/METADATA.XML         the XDS submission set and document entries
//   IHE_XDM/SUBSET01/DOC0001.XML …        the documents, named by their entries' URI slot
//
// Names are matched without case (archives are made on every kind of file system).

import { createHash, randomUUID } from 'node:crypto';
import { type CdaHeader, insQualified, LOINC_OID, readCdaHeader } from './cda.ts';
import { UnsafeArchiveError } from './errors.ts';
import { type XdmLimits, xdmLimits } from './limits.ts';
import {
  type CxId,
  type DocumentEntryInput,
  type DocumentEntryMetadata,
  readMetadata,
  writeMetadata,
  type XdsMetadata,
} from './metadata.ts';
import { decodeXml, escapeXml, parseXml } from './xml.ts';
import { readZip, writeZip, type ZipEntry } from './zip.ts';

export type XdmFindingKind =
  | 'no-metadata'
  | 'no-document'
  | 'document-missing'
  | 'undeclared-document'
  | 'hash-missing'
  | 'hash-mismatch'
  | 'size-missing'
  | 'size-mismatch'
  | 'type-code-missing'
  | 'type-code-mismatch'
  | 'patient-mismatch'
  | 'ins-invalid'
  | 'not-cda'
  | 'missing-index'
  | 'missing-readme';

/** Something an archive declares that its content contradicts (error), or a departure from the profile that hides nothing (warning). */
export interface XdmFinding {
  readonly kind: XdmFindingKind;
  readonly severity: 'error' | 'warning';
  readonly entry: string | null;
  readonly detail: string;
}

export interface XdmDocument {
  /** The entry's name in the archive. */
  readonly path: string;
  readonly size: number;
  /** SHA-1 of the bytes, lower-case hex (what XDS declares). */
  readonly sha1: string;
  readonly mimeType: string | null;
  /** The document entry of METADATA.XML that describes it, if any. */
  readonly metadata: DocumentEntryMetadata | null;
  /** The CDA header, when the document is a CDA R2 ClinicalDocument. */
  readonly cda: CdaHeader | null;
}

export interface XdmInspection {
  readonly entries: readonly string[];
  readonly subsets: readonly { readonly folder: string; readonly metadata: XdsMetadata }[];
  readonly documents: readonly XdmDocument[];
  readonly findings: readonly XdmFinding[];
}

/** The CDA documents of an inspected archive. */
export function cdaDocuments(x: XdmInspection): (XdmDocument & { cda: CdaHeader })[] {
  return x.documents.filter((d): d is XdmDocument & { cda: CdaHeader } => d.cda !== null);
}

/** No error finding: what METADATA.XML declares is what the archive holds. */
export function isConsistent(x: XdmInspection): boolean {
  return x.findings.every((f) => f.severity === 'warning');
}

const sha1 = (b: Uint8Array): string => createHash('sha1').update(b).digest('hex');
const lower = (s: string): string => s.toLowerCase();

function sameId(cx: CxId, root: string, extension: string | null): boolean {
  return cx.extension === extension && (cx.root === null || cx.root === root);
}

/**
 * Opens an IHE_XDM archive within the limits (R-DOC-1: throws UnsafeArchiveError naming the limit)
 * and cross-checks METADATA.XML against the documents: each entry's file exists, its SHA-1 hash
 * and size are as declared, its type code and patient are the CDA's; every CDA's INS is valid.
 */
export async function readXdm(bytes: Uint8Array, limits: Partial<XdmLimits> = {}): Promise<XdmInspection> {
  const lim = xdmLimits(limits);
  const entries = await readZip(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), lim);
  const byName = new Map<string, ZipEntry>(entries.map((e) => [lower(e.name), e]));
  const findings: XdmFinding[] = [];
  const found = (kind: XdmFindingKind, entry: string | null, detail: string, severity: 'error' | 'warning' = 'error'): void => {
    findings.push({ kind, severity, entry, detail });
  };
  if (!byName.has('index.htm')) found('missing-index', null, 'no INDEX.HTM at the root', 'warning');
  if (!byName.has('readme.txt')) found('missing-readme', null, 'no README.TXT at the root', 'warning');

  const metadataFiles = entries.filter((e) => /^ihe_xdm\/[^/]+\/metadata\.xml$/i.test(e.name));
  if (metadataFiles.length === 0) found('no-metadata', null, 'no IHE_XDM/<subset>/METADATA.XML');
  const subsets: { folder: string; metadata: XdsMetadata }[] = [];
  const documents: XdmDocument[] = [];
  const described = new Set<string>();

  const readCda = (e: ZipEntry): CdaHeader | null => {
    const root = parseXml(decodeXml(e.bytes, e.name), lim, e.name);
    return root.local === 'ClinicalDocument' ? readCdaHeader(root, e.name) : null;
  };

  for (const m of metadataFiles) {
    const folder = m.name.slice(0, m.name.lastIndexOf('/') + 1);
    const metadata = readMetadata(parseXml(decodeXml(m.bytes, m.name), lim, m.name));
    subsets.push({ folder, metadata });
    described.add(lower(m.name));
    if (metadata.documents.length === 0) found('no-document', m.name, 'METADATA.XML describes no document');
    for (const d of metadata.documents) {
      const label = d.uri ?? d.id ?? '(no URI)';
      const file = d.uri ? byName.get(lower(folder + d.uri)) : undefined;
      if (!file) {
        found('document-missing', m.name, `document entry ${JSON.stringify(label)} names no file of the subset`);
        continue;
      }
      described.add(lower(file.name));
      const hash = sha1(file.bytes);
      if (d.hash === null) found('hash-missing', file.name, 'the document entry declares no hash');
      else if (d.hash !== hash) found('hash-mismatch', file.name, `SHA-1 is ${hash}, METADATA.XML declares ${d.hash}`);
      if (d.size === null) found('size-missing', file.name, 'the document entry declares no size');
      else if (d.size !== file.bytes.length)
        found('size-mismatch', file.name, `${file.bytes.length} bytes, METADATA.XML declares ${d.size}`);
      const xml = /xml/i.test(d.mimeType ?? '') || /\.xml$/i.test(file.name);
      const cda = xml ? readCda(file) : null;
      if (xml && !cda) found('not-cda', file.name, 'an XML document that is not a CDA ClinicalDocument', 'warning');
      if (cda) crossCheck(d, cda, file.name, metadata, found);
      documents.push({ path: file.name, size: file.bytes.length, sha1: hash, mimeType: d.mimeType, metadata: d, cda });
    }
  }
  // Files of a subset no entry describes: a CDA among them is still read (the headers must match it), and reported.
  for (const e of entries) {
    if (!/^ihe_xdm\//i.test(e.name) || described.has(lower(e.name))) continue;
    found('undeclared-document', e.name, 'a file of IHE_XDM/ that METADATA.XML does not describe', 'warning');
    const cda = /\.xml$/i.test(e.name) ? readCda(e) : null;
    if (cda) {
      checkCda(cda, e.name, found);
      documents.push({ path: e.name, size: e.bytes.length, sha1: sha1(e.bytes), mimeType: 'text/xml', metadata: null, cda });
    }
  }
  return { entries: entries.map((e) => e.name), subsets, documents, findings };
}

type Found = (kind: XdmFindingKind, entry: string | null, detail: string, severity?: 'error' | 'warning') => void;

function checkCda(cda: CdaHeader, entry: string, found: Found): void {
  if (!cda.typeCode) found('type-code-missing', entry, 'the CDA has no ClinicalDocument/code');
  for (const id of cda.patient.ids) {
    if (id.ins && !id.ins.valid) found('ins-invalid', entry, `INS under ${id.root}: ${id.ins.problem} (R-DOC-3)`);
  }
}

function crossCheck(d: DocumentEntryMetadata, cda: CdaHeader, entry: string, metadata: XdsMetadata, found: Found): void {
  checkCda(cda, entry, found);
  if (cda.typeCode && d.typeCode && d.typeCode.code !== cda.typeCode.code) {
    found('type-code-mismatch', entry, `METADATA.XML declares type ${d.typeCode.code}, the CDA is ${cda.typeCode.code}`);
  }
  if (!d.typeCode) found('type-code-missing', entry, 'the document entry declares no typeCode');
  const patientIds = cda.patient.ids;
  const matches = (cx: CxId): boolean => patientIds.some((i) => sameId(cx, i.root, i.extension));
  if (d.patientId && !matches(d.patientId)) {
    found('patient-mismatch', entry, `METADATA.XML declares patient ${d.patientId.extension}, not an identifier of the CDA's patient`);
  }
  const setPatient = metadata.submissionSet?.patientId;
  if (setPatient && d.patientId && (setPatient.extension !== d.patientId.extension || setPatient.root !== d.patientId.root)) {
    found(
      'patient-mismatch',
      entry,
      `the submission set's patient ${setPatient.extension} is not the document entry's ${d.patientId.extension}`,
    );
  }
}

export interface BuildInput {
  /** The CDA R2 document, as its bytes (stored unchanged). */
  readonly cda: Uint8Array;
  /** A PDF to travel beside it, described by its own document entry (same patient and type). */
  readonly pdf?: Uint8Array;
  /** The submission set's sourceId (an OID of the sending software); default a UUID-derived OID. */
  readonly sourceId?: string;
  readonly now?: Date;
}

export class XdmBuildError extends Error {
  override readonly name = 'XdmBuildError';
}

/** A 2.25 OID from a random UUID (ITU-T X.667): unique without a registered root. */
function uuidOid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replaceAll('-', '')}`).toString(10)}`;
}

const hl7Time = (d: Date): string => d.toISOString().replace(/[-:T]/g, '').slice(0, 14);

/** IHE_XDM.ZIP for one CDA (and an optional PDF): METADATA.XML, INDEX.HTM and README.TXT generated. */
export async function buildXdm(input: BuildInput): Promise<Buffer> {
  const lim = xdmLimits();
  let cda: CdaHeader;
  try {
    cda = readCdaHeader(parseXml(decodeXml(input.cda, 'CDA'), lim, 'CDA'), 'CDA');
  } catch (err) {
    throw new XdmBuildError(`the CDA cannot be read: ${(err as Error).message}`);
  }
  if (!cda.typeCode) throw new XdmBuildError('the CDA has no ClinicalDocument/code (its type code)');
  const pid = cda.patient.ins
    ? cda.patient.ids.find((i) => i.ins?.valid)
    : cda.patient.ids.find((i) => i.extension !== null && i.ins === null);
  if (!pid?.extension) throw new XdmBuildError('the CDA names no patient identifier (recordTarget/patientRole/id)');
  for (const id of cda.patient.ids) {
    if (id.ins && !id.ins.valid) throw new XdmBuildError(`the CDA's INS is invalid: ${id.ins.problem}`);
  }
  const now = input.now ?? new Date();
  const patientId: CxId = { extension: pid.extension, root: pid.root };
  const typeCode = { code: cda.typeCode.code, scheme: cda.typeCode.codeSystem ?? LOINC_OID, display: cda.typeCode.displayName };
  const docUniqueId = cda.id ? (cda.id.extension ? `${cda.id.root}^${cda.id.extension}` : cda.id.root) : uuidOid();
  const entries: DocumentEntryInput[] = [
    {
      id: 'Document01',
      uri: 'DOC0001.XML',
      mimeType: 'text/xml',
      hash: sha1(input.cda),
      size: input.cda.length,
      uniqueId: docUniqueId,
      title: cda.title,
      creationTime: cda.effectiveTime?.slice(0, 14) ?? null,
      typeCode,
      formatCode:
        cda.body.kind === 'pdf'
          ? { code: 'urn:ihe:iti:xds-sd:pdf:2008', scheme: '1.3.6.1.4.1.19376.1.2.3', display: 'PDF' }
          : { code: 'urn:asip:ci-sis:2010', scheme: '1.2.250.1.213.1.1.4.2.282', display: 'CI-SIS' },
      patientId,
    },
  ];
  if (input.pdf) {
    entries.push({
      ...entries[0]!,
      id: 'Document02',
      uri: 'DOC0002.PDF',
      mimeType: 'application/pdf',
      hash: sha1(input.pdf),
      size: input.pdf.length,
      uniqueId: uuidOid(),
      formatCode: { code: 'urn:ihe:iti:xds-sd:pdf:2008', scheme: '1.3.6.1.4.1.19376.1.2.3', display: 'PDF' },
    });
  }
  const metadata = writeMetadata(
    {
      uniqueId: uuidOid(),
      sourceId: input.sourceId ?? uuidOid(),
      submissionTime: hl7Time(now),
      patientId,
      contentType: typeCode,
    },
    entries,
  );
  const title = cda.title ?? typeCode.display ?? typeCode.code;
  return writeZip([
    { name: 'INDEX.HTM', bytes: Buffer.from(indexHtm(title, entries), 'utf8') },
    { name: 'README.TXT', bytes: Buffer.from(readmeTxt(now), 'utf8') },
    { name: 'IHE_XDM/SUBSET01/METADATA.XML', bytes: Buffer.from(metadata, 'utf8') },
    { name: 'IHE_XDM/SUBSET01/DOC0001.XML', bytes: input.cda },
    ...(input.pdf ? [{ name: 'IHE_XDM/SUBSET01/DOC0002.PDF', bytes: input.pdf }] : []),
  ]);
}

function indexHtm(title: string, entries: readonly DocumentEntryInput[]): string {
  const items = entries.map((e) => `<li><a href="IHE_XDM/SUBSET01/${e.uri}">${escapeXml(e.title ?? e.uri)}</a> (${e.mimeType})</li>`);
  return [
    '<!DOCTYPE html>',
    '<html lang="fr"><head><meta charset="utf-8"><title>IHE_XDM</title></head><body>',
    `<h1>${escapeXml(title)}</h1>`,
    '<p>Documents de ce support (IHE XDM) : <a href="README.TXT">README.TXT</a></p>',
    `<ul><li><a href="IHE_XDM/SUBSET01/METADATA.XML">METADATA.XML</a></li>${items.join('')}</ul>`,
    '</body></html>',
    '',
  ].join('\n');
}

function readmeTxt(now: Date): string {
  return [
    'IHE XDM media (IHE ITI TF-1 section 16)',
    `Created ${now.toISOString()} by mss-operator (mss xdm build).`,
    'IHE_XDM/SUBSET01/METADATA.XML describes the submission set and its documents.',
    '',
  ].join('\r\n');
}

export { UnsafeArchiveError, insQualified };
