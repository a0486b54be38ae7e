// METADATA.XML of an IHE_XDM subset (IHE ITI TF-3 §4.2 XDS metadata in ebRIM 3.0, the XDM
// profile §3.32): one submission set (a rim:RegistryPackage classified as such) and one
// rim:ExtrinsicObject per document, whose slots declare the document's SHA-1 hash, size and file
// name (URI, relative to the subset folder), and whose classifications and external identifiers
// its type code and patient. Read here to be checked against the CDA; written by the builder.

import { type XmlElement, childrenNamed, descendants, escapeXml, path } from './xml.ts';

export const RIM = 'urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0';
export const LCM = 'urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0';

/** The XDS UUIDs this module reads or writes (ITI TF-3 §4.2.5). */
export const XDS = {
  stableDocumentEntry: 'urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1',
  submissionSetNode: 'urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd',
  typeCode: 'urn:uuid:f0306f51-975f-434e-a61c-c59651d33983',
  classCode: 'urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a',
  formatCode: 'urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d',
  confidentialityCode: 'urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f',
  documentPatientId: 'urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427',
  documentUniqueId: 'urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab',
  submissionSetPatientId: 'urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446',
  submissionSetUniqueId: 'urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8',
  submissionSetSourceId: 'urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832',
  contentTypeCode: 'urn:uuid:aa543740-bdda-424e-8c96-df4873be8500',
} as const;

export interface XdsCode {
  readonly code: string;
  readonly scheme: string | null;
  readonly display: string | null;
}

/** An HL7 CX patient identifier `ID^^^&OID&ISO`, split. */
export interface CxId {
  readonly extension: string;
  readonly root: string | null;
}

export interface DocumentEntryMetadata {
  readonly id: string | null;
  readonly mimeType: string | null;
  /** The document's file name, relative to the subset folder (XDM). */
  readonly uri: string | null;
  /** SHA-1 of the document's bytes, hex (as XDS declares it). */
  readonly hash: string | null;
  readonly size: number | null;
  readonly typeCode: XdsCode | null;
  readonly classCode: XdsCode | null;
  readonly formatCode: XdsCode | null;
  readonly patientId: CxId | null;
  readonly uniqueId: string | null;
  readonly title: string | null;
  readonly creationTime: string | null;
}

export interface SubmissionSetMetadata {
  readonly id: string | null;
  readonly uniqueId: string | null;
  readonly sourceId: string | null;
  readonly patientId: CxId | null;
  readonly submissionTime: string | null;
}

export interface XdsMetadata {
  readonly submissionSet: SubmissionSetMetadata | null;
  readonly documents: readonly DocumentEntryMetadata[];
}

export function parseCx(value: string | null): CxId | null {
  if (!value) return null;
  const [extension, , , authority] = value.split('^');
  if (!extension) return null;
  const root = authority?.split('&')[1] ?? null;
  return { extension: extension.trim(), root: root ? root.trim() : null };
}

const a = (el: XmlElement | undefined, name: string): string | null => el?.attrs[name]?.trim() || null;

function slot(el: XmlElement, name: string): string | null {
  for (const s of childrenNamed(el, RIM, 'Slot')) {
    if (a(s, 'name') !== name) continue;
    const values = path(s, RIM, 'ValueList');
    const first = values ? childrenNamed(values, RIM, 'Value')[0] : undefined;
    if (!first) return null;
    return (
      first.children
        .filter((c): c is string => typeof c === 'string')
        .join('')
        .trim() || null
    );
  }
  return null;
}

function localized(el: XmlElement | undefined): string | null {
  return a(path(el, RIM, 'LocalizedString'), 'value');
}

function classification(el: XmlElement, scheme: string): XdsCode | null {
  const c = childrenNamed(el, RIM, 'Classification').find((x) => a(x, 'classificationScheme') === scheme);
  const code = a(c, 'nodeRepresentation');
  if (!c || !code) return null;
  return { code, scheme: slot(c, 'codingScheme'), display: localized(path(c, RIM, 'Name')) };
}

function externalId(el: XmlElement, scheme: string): string | null {
  const x = childrenNamed(el, RIM, 'ExternalIdentifier').find((e) => a(e, 'identificationScheme') === scheme);
  return a(x, 'value');
}

/** Reads the submission set and document entries wherever they sit below the root (SubmitObjectsRequest or a bare list). */
export function readMetadata(root: XmlElement): XdsMetadata {
  const documents: DocumentEntryMetadata[] = [];
  const packages: XmlElement[] = [];
  const submissionSetIds = new Set<string>();
  for (const el of descendants(root)) {
    if (el.ns !== RIM) continue;
    if (el.local === 'ExtrinsicObject') {
      const size = slot(el, 'size');
      documents.push({
        id: a(el, 'id'),
        mimeType: a(el, 'mimeType'),
        uri: slot(el, 'URI'),
        hash: slot(el, 'hash')?.toLowerCase() ?? null,
        size: size !== null && /^\d{1,15}$/.test(size) ? Number(size) : null,
        typeCode: classification(el, XDS.typeCode),
        classCode: classification(el, XDS.classCode),
        formatCode: classification(el, XDS.formatCode),
        patientId: parseCx(externalId(el, XDS.documentPatientId)),
        uniqueId: externalId(el, XDS.documentUniqueId),
        title: localized(path(el, RIM, 'Name')),
        creationTime: slot(el, 'creationTime'),
      });
    } else if (el.local === 'RegistryPackage') {
      packages.push(el);
    } else if (el.local === 'Classification' && a(el, 'classificationNode') === XDS.submissionSetNode) {
      const classified = a(el, 'classifiedObject');
      if (classified) submissionSetIds.add(classified);
    }
  }
  // The submission set is the package classified as one (or carrying its unique id, as some writers inline it).
  const set =
    packages.find((p) => submissionSetIds.has(a(p, 'id') ?? '')) ?? packages.find((p) => externalId(p, XDS.submissionSetUniqueId));
  return {
    submissionSet: set
      ? {
          id: a(set, 'id'),
          uniqueId: externalId(set, XDS.submissionSetUniqueId),
          sourceId: externalId(set, XDS.submissionSetSourceId),
          patientId: parseCx(externalId(set, XDS.submissionSetPatientId)),
          submissionTime: slot(set, 'submissionTime'),
        }
      : null,
    documents,
  };
}

export interface DocumentEntryInput {
  readonly id: string;
  readonly uri: string;
  readonly mimeType: string;
  readonly hash: string;
  readonly size: number;
  readonly uniqueId: string;
  readonly title: string | null;
  readonly creationTime: string | null;
  readonly typeCode: XdsCode;
  readonly formatCode: XdsCode;
  readonly patientId: CxId;
}

export interface SubmissionSetInput {
  readonly uniqueId: string;
  readonly sourceId: string;
  readonly submissionTime: string;
  readonly patientId: CxId;
  readonly contentType: XdsCode;
}

const cx = (id: CxId): string => `${id.extension}^^^&${id.root ?? ''}&ISO`;

function slotXml(name: string, value: string): string {
  return `<rim:Slot name="${escapeXml(name)}"><rim:ValueList><rim:Value>${escapeXml(value)}</rim:Value></rim:ValueList></rim:Slot>`;
}

function classificationXml(id: string, scheme: string, object: string, code: XdsCode): string {
  return [
    `<rim:Classification id="${escapeXml(id)}" classificationScheme="${scheme}" classifiedObject="${escapeXml(object)}" nodeRepresentation="${escapeXml(code.code)}">`,
    slotXml('codingScheme', code.scheme ?? ''),
    `<rim:Name><rim:LocalizedString value="${escapeXml(code.display ?? code.code)}"/></rim:Name>`,
    '</rim:Classification>',
  ].join('');
}

function externalIdXml(id: string, scheme: string, object: string, value: string, name: string): string {
  return (
    `<rim:ExternalIdentifier id="${escapeXml(id)}" identificationScheme="${scheme}" registryObject="${escapeXml(object)}" value="${escapeXml(value)}">` +
    `<rim:Name><rim:LocalizedString value="${escapeXml(name)}"/></rim:Name></rim:ExternalIdentifier>`
  );
}

/** METADATA.XML for one submission set and its documents (lcm:SubmitObjectsRequest). */
export function writeMetadata(set: SubmissionSetInput, documents: readonly DocumentEntryInput[]): string {
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<lcm:SubmitObjectsRequest xmlns:lcm="${LCM}" xmlns:rim="${RIM}">`,
    '<rim:RegistryObjectList>',
  ];
  for (const d of documents) {
    out.push(
      `<rim:ExtrinsicObject id="${escapeXml(d.id)}" mimeType="${escapeXml(d.mimeType)}" objectType="${XDS.stableDocumentEntry}">`,
      slotXml('hash', d.hash),
      slotXml('size', String(d.size)),
      slotXml('URI', d.uri),
      ...(d.creationTime ? [slotXml('creationTime', d.creationTime)] : []),
      slotXml('languageCode', 'fr-FR'),
      slotXml('sourcePatientId', cx(d.patientId)),
      ...(d.title ? [`<rim:Name><rim:LocalizedString value="${escapeXml(d.title)}"/></rim:Name>`] : []),
      classificationXml(`${d.id}-type`, XDS.typeCode, d.id, d.typeCode),
      classificationXml(`${d.id}-format`, XDS.formatCode, d.id, d.formatCode),
      externalIdXml(`${d.id}-patient`, XDS.documentPatientId, d.id, cx(d.patientId), 'XDSDocumentEntry.patientId'),
      externalIdXml(`${d.id}-unique`, XDS.documentUniqueId, d.id, d.uniqueId, 'XDSDocumentEntry.uniqueId'),
      '</rim:ExtrinsicObject>',
    );
  }
  out.push(
    '<rim:RegistryPackage id="SubmissionSet01">',
    slotXml('submissionTime', set.submissionTime),
    classificationXml('SubmissionSet01-content', XDS.contentTypeCode, 'SubmissionSet01', set.contentType),
    externalIdXml('SubmissionSet01-unique', XDS.submissionSetUniqueId, 'SubmissionSet01', set.uniqueId, 'XDSSubmissionSet.uniqueId'),
    externalIdXml('SubmissionSet01-source', XDS.submissionSetSourceId, 'SubmissionSet01', set.sourceId, 'XDSSubmissionSet.sourceId'),
    externalIdXml(
      'SubmissionSet01-patient',
      XDS.submissionSetPatientId,
      'SubmissionSet01',
      cx(set.patientId),
      'XDSSubmissionSet.patientId',
    ),
    '</rim:RegistryPackage>',
    `<rim:Classification id="SubmissionSet01-class" classifiedObject="SubmissionSet01" classificationNode="${XDS.submissionSetNode}"/>`,
  );
  for (const d of documents) {
    out.push(
      `<rim:Association id="${escapeXml(d.id)}-member" associationType="urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember" sourceObject="SubmissionSet01" targetObject="${escapeXml(d.id)}">`,
      slotXml('SubmissionSetStatus', 'Original'),
      '</rim:Association>',
    );
  }
  out.push('</rim:RegistryObjectList>', '</lcm:SubmitObjectsRequest>', '');
  return out.join('\n');
}
