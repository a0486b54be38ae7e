// @mss/mes: the Mon Espace Santé stand-in — the patients' messaging service of the trust space
// (domain patient.mssante.fr), its rules (R-MES-1…4) and the in-process API its web mailbox uses.

export {
  MonEspaceSante,
  MesError,
  DEFAULT_MAX_ATTACHMENT_BYTES,
  MDN_SENT_FLAG,
  SENT_FOLDER,
  type AttachmentInfo,
  type Conversation,
  type ConversationEvent,
  type MesErrorCode,
  type MesOptions,
  type MessageDetail,
  type MessageSummary,
  type Patient,
  type SendInput,
} from './mes.ts';
export { startMes, type MesServiceOptions, type MesWebHandler, type RunningMes } from './service.ts';
export { seedMes, type MesSeedOptions } from './seed.ts';
export { mayWrite, endMark, inboundEffect, type ConversationState, type WriteDecision, type WriteRefusal } from './rules.ts';
export {
  PATIENT_MARKER_HEADER,
  PATIENT_MARKER_VALUE,
  composePatientMessage,
  composeReadReceipt,
  displayName,
  encodeWords,
  type Attachment,
} from './compose.ts';
export { citizenOf, mesCitizens } from './franceconnect-citizens.ts';
export { mesWeb, sanitizeMessageHtml, type FranceConnectSettings, type MesWebOptions } from './web/index.ts';
