import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Table shapes shared by both engines. Portable column types only: text, integer (booleans as
 * 0/1), and timestamps as ISO-8601 UTC text, which sorts and compares correctly as text on
 * SQLite and PostgreSQL alike.
 */
export interface PersonsTable {
  idnat: string;
  kind: 'PS' | 'SECRETARY' | 'MEDICAL_ASSISTANT' | 'PATIENT';
  id_type: 'RPPS' | 'ADELI' | 'INS' | 'FINESS_STAFF';
  rpps: string | null;
  civility: string | null;
  last_name: string;
  first_name: string;
  profession_code: string | null;
  profession_label: string | null;
  category_code: string | null;
  speciality_code: string | null;
  speciality_label: string | null;
  created_at: string;
  updated_at: string;
}

export interface StructuresTable {
  idnat: string;
  id_type: 'FINESS' | 'SIREN' | 'SIRET';
  finess: string | null;
  siret: string | null;
  name: string;
  sector_code: string | null;
  street: string;
  postal_code: string;
  city: string;
  departement: string;
  created_at: string;
  updated_at: string;
}

export interface SituationsTable {
  id: string;
  person_idnat: string;
  structure_idnat: string | null;
  practice_name: string | null;
  mode: 'L' | 'S';
  role_label: string | null;
  street: string;
  postal_code: string;
  city: string;
  departement: string;
  start_date: string;
  end_date: string | null;
  /** RPPS+ (§7): the professional who employs a secretary or an assistant; the delegations on their mailboxes rest on it (R-DEL-5). */
  employer_idnat: Generated<string | null>;
}

/** The operator's position in an Annuaire's change feed, and what it knows of its lag. */
export interface DirectorySyncTable {
  source: string;
  cursor: string | null;
  caught_up_at: string | null;
  last_attempt_at: string | null;
  last_success_at: string | null;
  last_error: string | null;
  failures: number;
  entries_applied: number;
  rows_changed: number;
  full_resyncs: number;
  last_full_resync_at: string | null;
  last_full_resync_reason: string | null;
}

export interface MailboxesTable {
  id: Generated<number>;
  address: string;
  /** lower-cased address: uniqueness (R-BAL-1) is enforced on it while the address is held. */
  address_key: string;
  type: 'PER' | 'ORG' | 'APP' | 'CAB';
  status: 'active' | 'suspended' | 'closed';
  /** IdNat of the holder: a person for PER/CAB (the owner), a structure for ORG/APP. */
  owner_idnat: string;
  situation_id: string | null;
  liste_rouge: number;
  description: string | null;
  service: string | null;
  digitization: number;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  /** Set by an explicit, audited release: only then may the address be given to someone else (R-BAL-2). */
  released_at: string | null;
  /** Last UIDVALIDITY handed to one of its folders: a re-created folder never reuses one. */
  last_uidvalidity: Generated<number>;
}

export interface MailboxHoldersTable {
  mailbox_id: number;
  person_idnat: string;
  role: 'holder' | 'responsible' | 'owner' | 'cotitulaire';
  added_at: string;
  added_by: string | null;
}

export interface DelegationsTable {
  id: Generated<number>;
  mailbox_id: number;
  delegate_idnat: string;
  granted_by: string;
  start_at: string;
  end_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
  revoke_reason: string | null;
}

/** A structure's own staff member declared on one of its ORG mailboxes (issue #20 rule 6). */
export interface LocalPersonsTable {
  id: Generated<number>;
  mailbox_id: number;
  /** `3` + FINESS + `/` + the structure's identifier of the person (IdNat_PS of FINESS-registered staff). */
  idnat: string;
  name: string;
  /** The person's role in the structure, as the responsible person wrote it (secrétaire médicale…). */
  role_label: string;
  added_at: string;
  added_by: string;
  removed_at: string | null;
  removed_by: string | null;
  remove_reason: string | null;
}

/** A practice's group address (issue #20 rule 7): kept by its CAB's owner, fans out to the practice's mailboxes. */
export interface GroupAddressesTable {
  id: Generated<number>;
  address: string;
  /** Lower-cased address: unique among groups; governance keeps it apart from mailboxes' (R-BAL-1). */
  address_key: string;
  /** The CAB of the practice: its owner keeps the group, its people's mailboxes may be members. */
  cab_mailbox_id: number;
  description: string | null;
  created_at: string;
  created_by: string;
  closed_at: string | null;
}

export interface GroupMembersTable {
  group_id: number;
  mailbox_id: number;
  added_at: string;
  added_by: string;
}

export interface CguVersionsTable {
  version: string;
  published_at: string;
  url: string;
  title: string;
}

export interface CguAcceptancesTable {
  person_idnat: string;
  version: string;
  accepted_at: string;
}

export interface HistoryTable {
  id: Generated<number>;
  at: string;
  mailbox_id: number | null;
  /** IdNat of who acted, or `operator-admin` / `system` for non-personal actors. */
  actor: string;
  event: string;
  subject_idnat: string | null;
  reason: string | null;
  /** JSON object with the event's particulars. */
  details: string;
}

export interface MailFoldersTable {
  id: Generated<number>;
  mailbox_id: number;
  name: string;
  uidvalidity: number;
  uidnext: number;
  highest_modseq: number;
  subscribed: number;
  created_at: string;
  /** Bytes of the folder's messages (sum of their sizes), maintained with every append, copy and expunge. */
  storage_used: Generated<number>;
  /** Number of the folder's messages, maintained likewise. */
  message_count: Generated<number>;
  /** Highest UID an IMAP session has taken as `\Recent` (RFC 3501 §2.3.2); above it, recent for the next. */
  recent_uid: Generated<number>;
}

export interface MailMessagesTable {
  id: Generated<number>;
  folder_id: number;
  uid: number;
  modseq: number;
  /** Space-separated, sorted IMAP flags, e.g. `\Answered \Seen`. */
  flags: string;
  internal_date: string;
  size: number;
  blob_hash: string;
  /** IdNat of the person who submitted it (the author), apart from the sender mailbox. */
  author_idnat: string | null;
  message_id: string | null;
  subject: string | null;
  from_addr: string | null;
  to_addrs: string | null;
  sent_date: string | null;
  /**
   * JSON of @mss/mime's `StoredMessage` (envelope and MIME part tree), computed when the message
   * was stored (ingest.ts); null only for a row whose blob could not be read by the backfill.
   */
  structure: string | null;
  /** JSON: the decoded From/To/Cc/Bcc/Subject values SEARCH compares (same rule as `structure`). */
  search_headers: string | null;
  /** When it was saved into this folder (RFC 8514 SAVEDATE); a COPY gets its own. */
  saved_at: string | null;
  /**
   * Its conversation in the mailbox (JMAP threadId, RFC 8621 §3), given when it was stored
   * (threads.ts) and kept by COPY and MOVE; null only for a row whose blob the backfill could not read.
   */
  thread_id: string | null;
}

/**
 * The msg-ids a mailbox's messages named (their own Message-ID and those they answer) and the
 * thread each joined: how a message arriving later finds its conversation (threads.ts).
 */
export interface MailThreadRefsTable {
  mailbox_id: number;
  message_id: string;
  thread_id: string;
  /** The thread subject (@mss/mime's `threadSubject`) of the message that recorded it. */
  subject: string;
}

/** UIDs expunged from a folder and the MODSEQ of their expunge, so that caches can follow. */
export interface MailExpungedTable {
  id: Generated<number>;
  folder_id: number;
  uid: number;
  modseq: number;
}

export interface AccessAuditTable {
  id: Generated<number>;
  at: string;
  /** IdNat of the person the token names; null when no valid token was presented. */
  idnat: string | null;
  mailbox: string | null;
  action: string;
  /** imap, smtp, webmail, admin-api… */
  channel: string;
  client_id: string | null;
  outcome: 'allowed' | 'denied';
  /** Stable reason code: e.g. `holder`, `delegate`, `no-right`, `cgu-not-accepted`, `mailbox-closed`. */
  reason: string;
  /** The role that granted access, when allowed. */
  role: string | null;
}

export interface DirectoryOutboxTable {
  id: Generated<number>;
  at: string;
  mailbox_id: number;
  address: string;
  /** `publish` (create or update what the directory shows) or `withdraw`. */
  operation: 'publish' | 'withdraw';
  /** JSON: the mailbox as the directory should show it (never delegates or cotitulaires). */
  payload: string;
  attempts: number;
  sent_at: string | null;
  last_error: string | null;
}

export type QueueStatus = 'queued' | 'delivered' | 'failed' | 'removed';

/** One recipient at another operator of a submitted message. */
export interface SmtpQueueTable {
  id: Generated<number>;
  /** The submission's id (Received header, 250 reply, logs); shared by its recipients. */
  message_ref: string;
  blob_hash: string;
  size: number;
  sender_address: string;
  sender_mailbox_id: number;
  author_idnat: string | null;
  mail_from: string;
  /** RFC 3461 ENVID and RET, passed on to the next operator and used in DSNs. */
  envid: string | null;
  ret: string | null;
  body_type: string;
  smtputf8: number;
  recipient: string;
  domain: string;
  /** RFC 3461 NOTIFY, comma-separated (`NEVER`, `SUCCESS,FAILURE,DELAY`), or null. */
  notify: string | null;
  orcpt: string | null;
  /** queued → delivered | failed (a DSN was sent) | removed (by an administrator). */
  status: QueueStatus;
  attempts: number;
  created_at: string;
  next_attempt_at: string;
  /** The sender node holding the row's lease (its next attempt moved forward), if any. */
  claimed_by: string | null;
  last_attempt_at: string | null;
  last_error: string | null;
  done_at: string | null;
}

/** (sending operator, its trace id, recipient) already delivered by the relay listener. */
export interface SmtpRelaySeenTable {
  id: Generated<number>;
  peer: string;
  trace_id: string;
  recipient: string;
  received_at: string;
}

/**
 * The Ségur indicators' ledger (R-IND-1): one row per message sent, one per mailbox that received
 * one; written in the message's transaction, append-only.
 */
export interface IndicatorEventsTable {
  id: Generated<number>;
  at: string;
  /** `YYYY-MM`, the month in Europe/Paris. */
  period: string;
  direction: 'sent' | 'received';
  /** Sent: the person who acted (R-CAB-8), or the APP's structure; received: the mailbox's holder of record. */
  idnat: string;
  mailbox_id: number;
  mailbox: string;
  mailbox_type: 'PER' | 'ORG' | 'APP' | 'CAB';
  /** Our id of the message (the submission's or the relay's, as in the 250 reply). */
  message_ref: string;
  /** Space-separated CDA document type codes, one per document; '' without CDA. */
  document_types: string;
  ins_qualified: number;
  /** Sent to, or received from, Mon Espace Santé (`patient.mssante.fr`). */
  mes: number;
  /** Space-separated kinds of header/attachment mismatch (R-DOC-2); '' when none. */
  mismatches: string;
}

/** A patient of Mon Espace Santé (MES stand-in's store only): INS and identity traits (INS referential). */
export interface MesPatientsTable {
  /** The INS (NIR or NIA and key, 15 characters), valid (R-DOC-3). */
  ins: string;
  birth_name: string;
  used_name: string | null;
  /** Every first name of the birth certificate, space-separated, as the INS referential gives them. */
  first_names: string;
  used_first_name: string;
  /** YYYY-MM-DD. */
  birth_date: string;
  sex: 'F' | 'M';
  /** INSEE code of the birth commune (5 characters), or 99 + country code for a birth abroad. */
  birth_place: string;
  /** The patient's mailbox `<INS>@patient.mssante.fr` in MES's store; closed when MES is. */
  mailbox_id: number;
  created_at: string;
}

/** One per (patient, professional address): may the patient write (R-MES-1, R-MES-2)? */
export interface MesConversationsTable {
  id: Generated<number>;
  ins: string;
  /** The professional's address, lower case. */
  professional: string;
  /** open: the professional wrote last without ending it; ended: `[FIN]` / `X-MSS-MES: FIN`. */
  state: 'open' | 'ended';
  opened_at: string;
  updated_at: string;
}

/** Append-only history of a conversation: every message in or out, every change of state. */
export interface MesConversationEventsTable {
  id: Generated<number>;
  conversation_id: number;
  at: string;
  event: string;
  /** The conversation's state after the event. */
  state: 'open' | 'ended';
  /** The message (mail_messages.id in MES's store), when the event is one. */
  message_id: number | null;
  detail: string | null;
}

/** The event bus between the processes of one SQLite file (migration 0021). */
export interface BusEventsTable {
  id: Generated<number>;
  payload: string;
  created_at: string;
}

/** A web application's server-side session or pending login (migration 0023). */
export interface WebSessionsTable {
  /** A hash of the secret the browser's cookie holds (never the secret itself). */
  id: string;
  /** Whose: `webmail`. */
  app: string;
  /** `session` or `login` (a login in progress at the identity provider). */
  kind: string;
  /** The person's IdNat, for a session. */
  subject: string | null;
  created_at: string;
  /** ISO time after which the row is dead (idle and absolute limits folded in). */
  expires_at: string;
  /** Opaque to the store (the application encrypts it). */
  data: string;
}
export type WebSessionRow = Selectable<WebSessionsTable>;

export interface Database {
  bus_events: BusEventsTable;
  web_sessions: WebSessionsTable;
  persons: PersonsTable;
  structures: StructuresTable;
  situations: SituationsTable;
  directory_sync: DirectorySyncTable;
  mailboxes: MailboxesTable;
  mailbox_holders: MailboxHoldersTable;
  delegations: DelegationsTable;
  local_persons: LocalPersonsTable;
  group_addresses: GroupAddressesTable;
  group_members: GroupMembersTable;
  cgu_versions: CguVersionsTable;
  cgu_acceptances: CguAcceptancesTable;
  history: HistoryTable;
  mail_folders: MailFoldersTable;
  mail_messages: MailMessagesTable;
  mail_expunged: MailExpungedTable;
  mail_thread_refs: MailThreadRefsTable;
  access_audit: AccessAuditTable;
  directory_outbox: DirectoryOutboxTable;
  smtp_queue: SmtpQueueTable;
  smtp_relay_seen: SmtpRelaySeenTable;
  indicator_events: IndicatorEventsTable;
  mes_patients: MesPatientsTable;
  mes_conversations: MesConversationsTable;
  mes_conversation_events: MesConversationEventsTable;
}

export type Person = Selectable<PersonsTable>;
export type NewPerson = Omit<Insertable<PersonsTable>, 'created_at' | 'updated_at'>;
export type Structure = Selectable<StructuresTable>;
export type NewStructure = Omit<Insertable<StructuresTable>, 'created_at' | 'updated_at'>;
export type Situation = Selectable<SituationsTable>;
export type NewSituation = Insertable<SituationsTable>;
export type DirectorySyncRow = Selectable<DirectorySyncTable>;
export type MailboxRow = Selectable<MailboxesTable>;
export type MailboxUpdate = Updateable<MailboxesTable>;
export type HolderRow = Selectable<MailboxHoldersTable>;
export type DelegationRow = Selectable<DelegationsTable>;
export type LocalPersonRow = Selectable<LocalPersonsTable>;
export type GroupAddressRow = Selectable<GroupAddressesTable>;
export type HistoryRow = Selectable<HistoryTable>;
export type FolderRow = Selectable<MailFoldersTable>;
export type MessageRow = Selectable<MailMessagesTable>;
export type AccessAuditRow = Selectable<AccessAuditTable>;
export type DirectoryOutboxRow = Selectable<DirectoryOutboxTable>;
export type QueueRow = Selectable<SmtpQueueTable>;
export type IndicatorEventRow = Selectable<IndicatorEventsTable>;
export type MesPatientRow = Selectable<MesPatientsTable>;
export type MesConversationRow = Selectable<MesConversationsTable>;
export type MesConversationEventRow = Selectable<MesConversationEventsTable>;
