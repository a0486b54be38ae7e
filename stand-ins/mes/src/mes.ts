// Mon Espace Santé's patient messaging, in process: what the patient's web mailbox (and the CLI)
// call. Every rule the real MES enforces is enforced here, whoever calls: R-MES-1 and R-MES-2
// before anything is sent, R-MES-3 in what MES writes, R-MES-4 for read receipts.

import { randomBytes } from 'node:crypto';
import { checkMssAddress, PATIENT_DOMAIN } from '@mss/domain';
import {
  decodeBody,
  decodedHeader,
  decodeText,
  filename as partFilename,
  findXdmAttachments,
  headerAddresses,
  parseMessage,
  rawHeaders,
  walkParts,
} from '@mss/mime';
import type { Logger } from '@mss/runtime';
import { rfc5322Date, type RelayDelivery } from '@mss/smtp';
import type { MesConversationEventRow, MesPatientRow, MessageRow, NewQueueEntry, Repositories, Store } from '@mss/store';
import { composePatientMessage, composeReadReceipt, type Attachment } from './compose.ts';
import { type HealthDocumentReading, readHealthDocuments } from '@mss/xdm';
import { endMark, inboundEffect, mayWrite, type ConversationState, type WriteDecision } from './rules.ts';

/** Attachments of one patient message, in all (the web page says so before upload). */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** IMAP keyword of RFC 3503: an MDN was sent for this message (never twice). */
export const MDN_SENT_FLAG = '$MDNSent';
const SEEN = '\\Seen';
export const SENT_FOLDER = 'Sent';

export type MesErrorCode =
  | 'unknown-patient'
  | 'mes-closed'
  | 'not-allowed'
  | 'invalid-recipient'
  | 'too-large'
  | 'empty-message'
  | 'no-such-message'
  | 'no-mdn-requested'
  | 'mdn-already-sent'
  | 'mdn-address';

/** A refusal the patient (or the page showing it) can read: `code` is stable, `rule` cites the domain reference. */
export class MesError extends Error {
  override readonly name = 'MesError';
  readonly code: MesErrorCode;
  readonly rule: string | null;
  constructor(code: MesErrorCode, message: string, rule: string | null = null) {
    super(message);
    this.code = code;
    this.rule = rule;
  }
}

export interface Patient {
  ins: string;
  /** `<INS>@patient.mssante.fr` */
  address: string;
  active: boolean;
  birthName: string;
  usedName: string | null;
  firstNames: string[];
  usedFirstName: string;
  /** YYYY-MM-DD */
  birthDate: string;
  sex: 'F' | 'M';
  birthPlace: string;
  /** First and last name as MES knows them (R-MES-3): the used first name and the used (or birth) name. */
  displayName: string;
}

export interface Conversation {
  /** The professional's address (lower case). */
  professional: string;
  /** The professional's name as their last message gave it, if any. */
  professionalName: string | null;
  state: ConversationState;
  /** Whether the patient may write now, and why not (R-MES-1, R-MES-2). */
  write: WriteDecision;
  openedAt: string;
  updatedAt: string;
  messages: number;
  unread: number;
  lastSubject: string | null;
}

export interface MessageSummary {
  /** Stable id within MES (the stored row's id). */
  id: number;
  direction: 'in' | 'out';
  from: { name: string | null; address: string };
  to: string[];
  subject: string | null;
  /** The Date field (ISO), or when it was stored. */
  date: string;
  seen: boolean;
  /** The sender asked for a read receipt (Disposition-Notification-To) and none was sent yet. */
  mdnRequested: boolean;
  mdnSent: boolean;
  /** This message ended the exchange (R-MES-2), and how. */
  ended: 'X-MSS-MES: FIN' | 'subject [FIN]' | null;
  size: number;
}

export interface AttachmentInfo {
  /** IMAP part number, e.g. `2` or `2.1`. */
  part: string;
  filename: string | null;
  contentType: string;
  /** Decoded size in bytes. */
  size: number;
  /**
   * The health documents of an IHE_XDM archive: set for every attachment taken for one (named
   * IHE_XDM.ZIP, or a zip type naming XDM), `unreadable` included; for another zip only when it
   * reads as an archive holding CDA documents.
   */
  healthDocuments: HealthDocumentReading | null;
}

export interface MessageDetail extends MessageSummary {
  messageId: string | null;
  /** The first text/plain part, decoded. */
  text: string | null;
  /** The first text/html part, decoded, AS SENT: whoever displays it must sanitise it. */
  html: string | null;
  attachments: AttachmentInfo[];
}

export interface ConversationEvent {
  at: string;
  event: string;
  state: ConversationState;
  messageId: number | null;
  detail: string | null;
}

export interface SendInput {
  to: string;
  subject: string;
  body: string;
  attachments?: readonly Attachment[];
  /** The id (MES's) of the message answered, for In-Reply-To and References. */
  inReplyTo?: number;
  /** R-MES-4: the patient asks for a read receipt (Disposition-Notification-To: her address). */
  readReceipt?: boolean;
}

export interface MesOptions {
  store: Store;
  logger: Logger;
  /** The patients' domain (default patient.mssante.fr). */
  domain?: string;
  /** MES's outbound queue (a QueueRunner): patients' messages and read receipts are queued, then sent. */
  queue?: { poke(): void };
  /** The whitelist: a professional address outside the trust space is refused before anything is queued. */
  trustSpace?: { isWhitelisted(domain: string): boolean };
  /** Attachments of one message, in all (default 10 MiB). */
  maxAttachmentBytes?: number;
}

function toPatient(row: MesPatientRow, address: string, active: boolean): Patient {
  const firstNames = row.first_names.split(' ').filter((n) => n !== '');
  return {
    ins: row.ins,
    address,
    active,
    birthName: row.birth_name,
    usedName: row.used_name,
    firstNames,
    usedFirstName: row.used_first_name,
    birthDate: row.birth_date,
    sex: row.sex,
    birthPlace: row.birth_place,
    displayName: `${row.used_first_name} ${row.used_name ?? row.birth_name}`,
  };
}

const flagsOf = (row: MessageRow): string[] => (row.flags === '' ? [] : row.flags.split(' '));

/** Folds case and accents, so that FranceConnect's "DUPOND" finds MES's "Dupond". */
function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .trim();
}

export class MonEspaceSante {
  readonly domain: string;
  readonly maxAttachmentBytes: number;
  private readonly store: Store;
  private readonly log: Logger;
  private readonly queue: { poke(): void } | undefined;
  private readonly trustSpace: { isWhitelisted(domain: string): boolean } | undefined;

  constructor(o: MesOptions) {
    this.store = o.store;
    this.domain = (o.domain ?? PATIENT_DOMAIN).toLowerCase();
    this.log = o.logger.child({ service: 'mes' });
    this.queue = o.queue;
    this.trustSpace = o.trustSpace;
    this.maxAttachmentBytes = o.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
  }

  // -- patients --

  async patient(ins: string): Promise<Patient | undefined> {
    const row = await this.store.mes.patient(ins.toUpperCase());
    if (!row) return undefined;
    const box = await this.store.mailboxes.byId(row.mailbox_id);
    return toPatient(row, box?.address ?? `${row.ins}@${this.domain}`, box?.status === 'active');
  }

  /** Patients in INS order, a page at a time (FranceConnect's simulated identity provider lists them). */
  async listPatients(page: { afterIns?: string; limit?: number } = {}): Promise<Patient[]> {
    const out: Patient[] = [];
    for (const row of await this.store.mes.patients(page)) {
      const p = await this.patient(row.ins);
      if (p) out.push(p);
    }
    return out;
  }

  /**
   * The patient an identity from FranceConnect (or any identity provider giving the INS traits)
   * names: birth name and birth date must match, then first name, sex and birth place when given
   * narrow it down. Undefined unless exactly one patient fits.
   */
  async findPatient(identity: {
    familyName: string;
    birthdate: string;
    givenName?: string;
    gender?: 'female' | 'male' | 'F' | 'M';
    birthplace?: string;
  }): Promise<Patient | undefined> {
    const candidates = await this.store.mes.patientsByIdentity(identity.familyName.trim(), identity.birthdate);
    const exact = candidates.length > 0 ? candidates : await this.byFoldedName(identity.familyName, identity.birthdate);
    const sex = identity.gender === 'female' || identity.gender === 'F' ? 'F' : identity.gender ? 'M' : undefined;
    const given = identity.givenName ? fold(identity.givenName).split(/\s+/)[0] : undefined;
    const fits = exact.filter(
      (p) =>
        (sex === undefined || p.sex === sex) &&
        (identity.birthplace === undefined || p.birth_place === identity.birthplace) &&
        (given === undefined || fold(p.first_names).split(/\s+/).includes(given)),
    );
    if (fits.length !== 1) return undefined;
    return this.patient(fits[0]!.ins);
  }

  private async byFoldedName(familyName: string, birthdate: string): Promise<MesPatientRow[]> {
    // Birth date first (few patients share one), then the name compared without case or accents.
    const wanted = fold(familyName);
    const out: MesPatientRow[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.store.mes.patients({ ...(after ? { afterIns: after } : {}), limit: 1000 });
      if (page.length === 0) return out;
      for (const p of page) if (p.birth_date === birthdate && fold(p.birth_name) === wanted) out.push(p);
      after = page.at(-1)!.ins;
    }
  }

  private async activePatient(ins: string): Promise<Patient> {
    const p = await this.patient(ins);
    if (!p) throw new MesError('unknown-patient', `no patient with INS ${ins} in Mon Espace Santé`);
    if (!p.active) throw new MesError('mes-closed', `the Mon Espace Santé of ${ins} is closed`);
    return p;
  }

  // -- conversations --

  /** May the patient write to this professional address now (R-MES-1, R-MES-2)? */
  async canWrite(ins: string, professional: string): Promise<WriteDecision> {
    const c = await this.store.mes.conversation(ins, professional);
    return mayWrite(c?.state);
  }

  /** The patient's conversations, by professional address, the most recent first. */
  async listConversations(ins: string): Promise<Conversation[]> {
    await this.activePatient(ins);
    const out: Conversation[] = [];
    for (const c of await this.store.mes.conversations(ins)) {
      const rows = await this.messageRows(await this.store.mes.events(c.id));
      const incoming = rows.filter((r) => r.direction === 'in');
      const last = rows.at(-1);
      const lastIncoming = incoming.at(-1);
      out.push({
        professional: c.professional,
        professionalName: lastIncoming ? this.fromOf(lastIncoming.row).name : null,
        state: c.state,
        write: mayWrite(c.state),
        openedAt: c.opened_at,
        updatedAt: c.updated_at,
        messages: rows.length,
        unread: incoming.filter((r) => !flagsOf(r.row).includes(SEEN)).length,
        lastSubject: last?.row.subject ?? null,
      });
    }
    return out;
  }

  /** The messages exchanged with one professional address, oldest first (none if there was no exchange). */
  async messages(ins: string, professional: string): Promise<MessageSummary[]> {
    await this.activePatient(ins);
    const c = await this.store.mes.conversation(ins, professional);
    if (!c) return [];
    const rows = await this.messageRows(await this.store.mes.events(c.id));
    const out: MessageSummary[] = [];
    for (const r of rows) out.push(await this.withMdn(this.summary(r.row, r.direction, r.event), r.row));
    return out;
  }

  /** Whether a received message still waits for the read receipt its sender asked for. */
  private async withMdn(summary: MessageSummary, row: MessageRow): Promise<MessageSummary> {
    if (summary.direction !== 'in' || summary.mdnSent) return summary;
    return { ...summary, mdnRequested: (await this.mdnAddress(row)) !== null };
  }

  /** The conversation's history: every message and change of state, oldest first. */
  async history(ins: string, professional: string): Promise<ConversationEvent[]> {
    const c = await this.store.mes.conversation(ins, professional);
    if (!c) return [];
    return (await this.store.mes.events(c.id)).map((e) => ({
      at: e.at,
      event: e.event,
      state: e.state,
      messageId: e.message_id,
      detail: e.detail,
    }));
  }

  /** One message of the patient's, with its text, HTML (unsanitised) and attachments. */
  async message(ins: string, id: number): Promise<MessageDetail> {
    const { row, direction, event } = await this.ownMessage(ins, id);
    const raw = await this.store.blobs.get(row.blob_hash);
    const root = parseMessage(raw);
    let text: string | null = null;
    let html: string | null = null;
    const attachments: AttachmentInfo[] = [];
    const xdmParts = new Set(findXdmAttachments(root).map((x) => x.part.join('.')));
    for (const { part, node } of walkParts(root)) {
      if (node.kind !== 'leaf') continue;
      const type = `${node.contentType.type}/${node.contentType.subtype}`;
      const name = partFilename(node);
      const isAttachment = node.disposition?.type === 'attachment' || name !== null;
      if (!isAttachment && type === 'text/plain' && text === null) text = decodeText(raw, node);
      else if (!isAttachment && type === 'text/html' && html === null) html = decodeText(raw, node);
      else {
        const content = decodeBody(raw, node);
        const id = part.join('.');
        let healthDocuments: HealthDocumentReading | null = null;
        if (xdmParts.has(id)) healthDocuments = await readHealthDocuments(content);
        else if (looksLikeZip(type, name)) {
          // Not announced as IHE_XDM: a document only if it reads as one, else an ordinary zip.
          const reading = await readHealthDocuments(content);
          if (reading.kind === 'documents') healthDocuments = reading;
        }
        attachments.push({ part: id, filename: name, contentType: type, size: content.length, healthDocuments });
      }
    }
    return {
      ...(await this.withMdn(this.summary(row, direction, event), row)),
      messageId: row.message_id,
      text,
      html,
      attachments,
    };
  }

  /** An attachment's decoded bytes. */
  async attachment(ins: string, id: number, part: string): Promise<{ filename: string | null; contentType: string; content: Buffer }> {
    const { row } = await this.ownMessage(ins, id);
    const raw = await this.store.blobs.get(row.blob_hash);
    for (const { part: p, node } of walkParts(parseMessage(raw))) {
      if (p.join('.') !== part || node.kind !== 'leaf') continue;
      return {
        filename: partFilename(node),
        contentType: `${node.contentType.type}/${node.contentType.subtype}`,
        content: decodeBody(raw, node),
      };
    }
    throw new MessageNotFound(`message ${id} has no part ${part}`);
  }

  // -- sending --

  /**
   * Sends a patient's message to a professional address: refused before anything is stored
   * when R-MES-1 or R-MES-2 says no; otherwise written by MES (R-MES-3), kept in the patient's
   * Sent folder and queued for the professional's operator, in one transaction.
   */
  async send(ins: string, input: SendInput): Promise<MessageSummary> {
    const patient = await this.activePatient(ins);
    const to = checkMssAddress(input.to, { field: 'recipient' });
    if (!to.ok) throw new MesError('invalid-recipient', to.error.message);
    if (to.value.patient)
      throw new MesError('invalid-recipient', 'Mon Espace Santé ne permet pas d’écrire à un autre usager : seulement aux professionnels.');
    if (this.trustSpace && !this.trustSpace.isWhitelisted(to.value.domain))
      throw new MesError('invalid-recipient', `${to.value.domain} n’est pas dans l’espace de confiance MSSanté.`);
    const decision = await this.canWrite(ins, to.value.address);
    if (!decision.allowed) {
      this.log.info({ ins, professional: to.value.address, rule: decision.rule }, 'mes patient message refused');
      throw new MesError('not-allowed', decision.text, decision.rule);
    }
    if (input.body.trim() === '' && (input.attachments ?? []).length === 0) throw new MesError('empty-message', 'Le message est vide.');
    const total = (input.attachments ?? []).reduce((n, a) => n + a.content.length, 0);
    if (total > this.maxAttachmentBytes)
      throw new MesError(
        'too-large',
        `Les pièces jointes font ${total} octets ; ${this.maxAttachmentBytes} au plus (${Math.round(this.maxAttachmentBytes / 1048576)} Mio).`,
      );
    let replied: MessageRow | undefined;
    if (input.inReplyTo !== undefined) replied = (await this.ownMessage(ins, input.inReplyTo)).row;
    const { raw } = composePatientMessage({
      from: { name: patient.displayName, address: patient.address },
      to: to.value.address,
      subject: input.subject,
      body: input.body,
      attachments: input.attachments ?? [],
      inReplyTo: replied?.message_id ?? null,
      readReceipt: input.readReceipt === true,
      domain: this.domain,
    });
    const ref = randomBytes(8).toString('hex');
    const stored = await this.store.ingest(this.traced(raw, ref));
    const box = await this.mailboxOf(patient);
    const row = await this.store.transaction(async (tx) => {
      // Checked again where it is written: a [FIN] that arrived meanwhile wins.
      const again = mayWrite((await tx.mes.conversation(ins, to.value.address))?.state);
      if (!again.allowed) throw new MesError('not-allowed', again.text, again.rule);
      const sent = await tx.mail.ensureFolder(box, SENT_FOLDER);
      const message = await tx.mail.appendMessage(sent.id, { ...stored, flags: [SEEN] });
      await tx.queue.enqueue([this.queueEntry(ref, stored, patient.address, box, patient.address, to.value.address, null)]);
      await tx.mes.record({ ins, professional: to.value.address, event: 'patient-wrote', messageId: Number(message.id) });
      return message;
    });
    this.store.notifyFolderChanged(row.folder_id);
    this.queue?.poke();
    this.log.info({ ins, professional: to.value.address, id: ref, size: stored.size }, 'mes patient message queued');
    return this.summary(row, 'out', null);
  }

  /**
   * The patient opened a message: it is seen. Says whether its sender asked for a read receipt
   * (R-MES-4), which MES sends only if the patient agrees (`sendMdn`).
   */
  async markRead(ins: string, id: number): Promise<{ mdnRequested: boolean; mdnTo: string | null }> {
    const { row, direction } = await this.ownMessage(ins, id);
    const flags = flagsOf(row);
    if (!flags.includes(SEEN)) {
      await this.store.transaction((tx) => tx.mail.setFlags(row.folder_id, [row.uid], [...flags, SEEN]));
      this.store.notifyFolderChanged(row.folder_id);
    }
    const to = direction === 'in' ? await this.mdnAddress(row) : null;
    return { mdnRequested: to !== null && !flags.includes(MDN_SENT_FLAG), mdnTo: to };
  }

  /**
   * R-MES-4: sends the read receipt (RFC 8098, `manual-action/MDN-sent-manually; displayed`) the
   * sender asked for, once, to the Disposition-Notification-To address — only when that is the
   * professional who wrote (RFC 8098 §2.1 leaves a different address to the user's judgement;
   * MES has no way to ask, so it never sends one elsewhere). Not subject to R-MES-1/2: a
   * receipt is not the patient writing.
   */
  async sendMdn(ins: string, id: number): Promise<void> {
    const patient = await this.activePatient(ins);
    const { row, direction, professional } = await this.ownMessage(ins, id);
    if (direction !== 'in') throw new MesError('no-mdn-requested', 'only a received message gets a read receipt', 'R-MES-4');
    const to = await this.mdnAddress(row);
    if (!to) throw new MesError('no-mdn-requested', 'this message did not ask for a read receipt', 'R-MES-4');
    if (flagsOf(row).includes(MDN_SENT_FLAG))
      throw new MesError('mdn-already-sent', 'a read receipt was already sent for this message', 'R-MES-4');
    if (to.toLowerCase() !== professional)
      throw new MesError(
        'mdn-address',
        `the read receipt would go to ${to}, not to the professional who wrote (${professional})`,
        'R-MES-4',
      );
    const raw = await this.store.blobs.get(row.blob_hash);
    const end = raw.indexOf('\r\n\r\n');
    const { raw: receipt } = composeReadReceipt({
      from: { name: patient.displayName, address: patient.address },
      to,
      originalMessageId: row.message_id,
      originalSubject: row.subject ?? '',
      finalRecipient: patient.address,
      domain: this.domain,
      originalHeaders: end < 0 ? raw : raw.subarray(0, end + 2),
    });
    const ref = randomBytes(8).toString('hex');
    const stored = await this.store.ingest(this.traced(receipt, ref));
    const box = await this.mailboxOf(patient);
    await this.store.transaction(async (tx) => {
      const current = await tx.mail.messageById(id);
      const flags = current ? flagsOf(current) : [];
      if (flags.includes(MDN_SENT_FLAG))
        throw new MesError('mdn-already-sent', 'a read receipt was already sent for this message', 'R-MES-4');
      await tx.mail.setFlags(row.folder_id, [row.uid], [...flags, SEEN, MDN_SENT_FLAG]);
      // RFC 8098 §3: an MDN goes from the null sender, and no report is asked for it.
      await tx.queue.enqueue([this.queueEntry(ref, stored, patient.address, box, '', to, ['NEVER'])]);
      await tx.mes.record({ ins, professional, event: 'mdn-sent', messageId: id, detail: `to ${to}` });
    });
    this.store.notifyFolderChanged(row.folder_id);
    this.queue?.poke();
    this.log.info({ ins, professional, id }, 'mes read receipt queued');
  }

  // -- what the relay tells --

  /**
   * Called by MES's relay inside the delivery transaction: each professional's message moves its
   * conversation (R-MES-1: now the patient may write; R-MES-2: `[FIN]` or `X-MSS-MES: FIN` ends
   * it). Reports (the null sender: DSNs, MDNs) change no state.
   */
  async recordInbound(tx: Repositories, d: RelayDelivery): Promise<void> {
    if (d.sender === '') return;
    const root = parseMessage(d.head);
    const subject = decodedHeader(root, 'subject');
    const mark = endMark(d.mss, subject);
    for (const copy of d.copies) {
      const ins = copy.address.slice(0, copy.address.lastIndexOf('@')).toUpperCase();
      if (!(await tx.mes.patient(ins))) continue;
      const previous = (await tx.mes.conversation(ins, d.sender))?.state;
      const effect = inboundEffect(previous, mark);
      await tx.mes.record({
        ins,
        professional: d.sender,
        event: effect.event,
        state: effect.state,
        messageId: copy.messageId,
        detail: effect.detail,
      });
      this.log.info({ ins, professional: d.sender.toLowerCase(), event: effect.event, state: effect.state }, 'mes conversation updated');
    }
  }

  // -- internals --

  private queueEntry(
    ref: string,
    stored: { blobHash: string; size: number },
    senderAddress: string,
    senderMailboxId: number,
    mailFrom: string,
    recipient: string,
    notify: string[] | null,
  ): NewQueueEntry {
    return {
      messageRef: ref,
      blobHash: stored.blobHash,
      size: stored.size,
      senderAddress,
      senderMailboxId,
      authorIdnat: null,
      mailFrom,
      envid: null,
      ret: null,
      bodyType: '7BIT',
      smtpUtf8: false,
      recipient,
      domain: recipient.slice(recipient.lastIndexOf('@') + 1).toLowerCase(),
      notify,
      orcpt: null,
    };
  }

  /**
   * MES's trace field on what it sends, as every operator writes one (RFC 5321 §4.4): its id is
   * how the receiving relay recognises a retry after a lost reply (`sendingTraceId`).
   */
  private traced(raw: Buffer, ref: string): Buffer {
    const trace = `Received: from web (patient web mailbox)\r\n\tby mx.${this.domain} (Mon Espace Sante) with HTTPS id ${ref};\r\n\t${rfc5322Date(new Date())}\r\n`;
    return Buffer.concat([Buffer.from(trace, 'latin1'), raw]);
  }

  private async mailboxOf(patient: Patient): Promise<number> {
    const row = await this.store.mes.patient(patient.ins);
    return row!.mailbox_id;
  }

  /** The Disposition-Notification-To address of a message, if it has exactly one valid one. */
  private async mdnAddress(row: MessageRow): Promise<string | null> {
    const raw = await this.store.blobs.get(row.blob_hash);
    const root = parseMessage(raw);
    if (rawHeaders(root, 'disposition-notification-to').length !== 1) return null;
    const addresses = headerAddresses(root, 'disposition-notification-to');
    return addresses.length === 1 && addresses[0]!.address.includes('@') ? addresses[0]!.address : null;
  }

  private fromOf(row: MessageRow): { name: string | null; address: string } {
    const from = this.envelopeOf(row)?.from?.[0];
    const name = from?.name ?? null;
    // The parsed mailbox, not the header's text (which carries the display name too).
    const address = from?.local && from.domain ? `${from.local}@${from.domain}` : (row.from_addr ?? '');
    return { name: typeof name === 'string' && name !== '' ? name : null, address };
  }

  private envelopeOf(row: MessageRow):
    | {
        from?: { name?: string | null; local?: string | null; domain?: string | null }[];
        to?: { local?: string | null; domain?: string | null }[];
      }
    | undefined {
    return row.structure ? (JSON.parse(row.structure) as { envelope?: ReturnType<MonEspaceSante['envelopeOf']> }).envelope : undefined;
  }

  private summary(row: MessageRow, direction: 'in' | 'out', event: MesConversationEventRow | null): MessageSummary {
    const flags = flagsOf(row);
    return {
      id: Number(row.id),
      direction,
      from: this.fromOf(row),
      to: (this.envelopeOf(row)?.to ?? []).flatMap((a) => (a.local && a.domain ? [`${a.local}@${a.domain}`] : [])),
      subject: row.subject,
      date: row.sent_date ?? row.internal_date,
      seen: flags.includes(SEEN),
      mdnRequested: false,
      mdnSent: flags.includes(MDN_SENT_FLAG),
      ended: event?.event === 'ended' ? (event.detail as 'X-MSS-MES: FIN' | 'subject [FIN]') : null,
      size: Number(row.size),
    };
  }

  private async messageRows(
    events: MesConversationEventRow[],
  ): Promise<{ row: MessageRow; direction: 'in' | 'out'; event: MesConversationEventRow }[]> {
    const out: { row: MessageRow; direction: 'in' | 'out'; event: MesConversationEventRow }[] = [];
    for (const e of events) {
      if (e.message_id === null || e.event === 'mdn-sent') continue;
      const row = await this.store.mail.messageById(e.message_id);
      if (row) out.push({ row, direction: e.event === 'patient-wrote' ? 'out' : 'in', event: e });
    }
    return out;
  }

  /** A message of this patient's conversations (never another patient's: the same answer as for none). */
  private async ownMessage(
    ins: string,
    id: number,
  ): Promise<{ row: MessageRow; direction: 'in' | 'out'; event: MesConversationEventRow; professional: string }> {
    const event = Number.isSafeInteger(id) ? await this.store.mes.eventOfMessage(id) : undefined;
    const row = event && event.ins === ins.toUpperCase() ? await this.store.mail.messageById(id) : undefined;
    if (!event || !row) throw new MessageNotFound(`no message ${id} for this patient`);
    return { row, direction: event.event === 'patient-wrote' ? 'out' : 'in', event, professional: event.professional };
  }
}

class MessageNotFound extends MesError {
  constructor(message: string) {
    super('no-such-message', message);
  }
}

const ZIP_TYPES = new Set(['application/zip', 'application/x-zip', 'application/x-zip-compressed']);

function looksLikeZip(type: string, name: string | null): boolean {
  return ZIP_TYPES.has(type) || (name !== null && /\.zip$/i.test(name.trim()));
}
