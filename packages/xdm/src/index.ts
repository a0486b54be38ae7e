// @mss/xdm: IHE_XDM archives and CDA R2 headers, read safely (R-DOC-1) and checked against the
// Ref. #2 headers of the message that carries them (R-DOC-2).

export { UNSAFE_LIMITS, type UnsafeLimit, UnsafeArchiveError, isUnsafeArchiveError } from './errors.ts';
export { DEFAULT_XDM_LIMITS, type XdmLimits, xdmLimits } from './limits.ts';
export { type ZipEntry, type ZipInput, checkEntryName, readZip, writeZip } from './zip.ts';
export { type XmlElement, decodeXml, parseXml } from './xml.ts';
export {
  type CdaHeader,
  type Coded,
  HL7_V3,
  IDNAT_PS_OID,
  INS_OIDS,
  type InstanceId,
  LOINC_OID,
  type PatientIdentifier,
  insQualified,
  readCdaHeader,
} from './cda.ts';
export { type DocumentEntryMetadata, type SubmissionSetMetadata, type XdsMetadata, XDS, readMetadata, writeMetadata } from './metadata.ts';
export {
  type BuildInput,
  XdmBuildError,
  type XdmDocument,
  type XdmFinding,
  type XdmFindingKind,
  type XdmInspection,
  buildXdm,
  cdaDocuments,
  isConsistent,
  readXdm,
} from './archive.ts';
export {
  type ArchiveReport,
  type MessageDocuments,
  checkMessageDocuments,
  concernsDocuments,
  describeOutcome,
} from './check.ts';

/** Reads and parses one CDA document on its own (the same limits as inside an archive). */
export { readCda } from './read-cda.ts';
export { type HealthDocumentReading, type HealthDocumentSummary, readHealthDocuments } from './health-documents.ts';
export { SAMPLE_DOCUMENTS } from './samples.ts';
