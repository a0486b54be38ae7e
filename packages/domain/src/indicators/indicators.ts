// The Ségur indicators (R-IND-1, R-CAB-8): what one sent or delivered message adds to the month's
// counts. Pure: the store keeps one event per message sent and per mailbox that received it (in
// the message's own transaction) and asks these functions what the events amount to.

import { hasQualifiedIns, type DocumentCheckOutcome } from '../documents/check-outcome.ts';
import type { MailboxType } from '../mailbox/types.ts';

/** Mon Espace Santé's mail domain: every patient's mailbox is `<INS>@patient.mssante.fr` (§8). */
export const MES_DOMAIN = 'patient.mssante.fr';

/** The indicators, in the order exports list them. */
export const INDICATORS = [
  'messages-sent',
  'messages-sent-with-cda',
  'messages-sent-without-cda',
  /** One row per CDA document type code (LOINC) of the messages sent. */
  'messages-sent-by-document-type',
  'messages-sent-with-qualified-ins',
  'messages-sent-to-mes',
  /** One row per kind of header/attachment mismatch (R-DOC-2) among the messages sent. */
  'messages-sent-with-document-mismatch',
  'messages-received',
  'messages-received-with-cda',
  'messages-received-without-cda',
  'messages-received-by-document-type',
  'messages-received-with-qualified-ins',
  'messages-received-from-mes',
] as const;
export type Indicator = (typeof INDICATORS)[number];

export function isIndicator(value: unknown): value is Indicator {
  return (INDICATORS as readonly unknown[]).includes(value);
}

export type IndicatorDirection = 'sent' | 'received';

/**
 * What a message carries, as far as the indicators go: the type code of each CDA document of its
 * IHE_XDM attachments (one per document), whether the patient's INS is qualified, and the kinds of
 * header/attachment mismatch found (R-DOC-2; empty when consistent or not checked).
 */
export interface DocumentFacts {
  readonly typeCodes: readonly string[];
  readonly insQualified: boolean;
  readonly mismatches: readonly string[];
}

export const NO_DOCUMENTS: DocumentFacts = { typeCodes: [], insQualified: false, mismatches: [] };

/**
 * The facts as the sending software declares them in its Ref. #2 headers (§9): one
 * `X-MSS-CODECDA` value per CDA document, `X-MSS-INS: O` when the INS is qualified. What the
 * relay knows of a message from another operator; submission replaces it with its own check of
 * the attachments (R-DOC-2) where there is one.
 */
export function documentFactsFromHeaders(headers: { readonly codeCda: readonly string[]; readonly ins: 'O' | 'N' | null }): DocumentFacts {
  if (headers.codeCda.length === 0) return NO_DOCUMENTS;
  return { typeCodes: [...headers.codeCda], insQualified: headers.ins === 'O', mismatches: [] };
}

/** The facts as the submission's check of the attachments found them (R-DOC-2): documents, INS, mismatches. */
export function documentFactsFromOutcome(outcome: DocumentCheckOutcome): DocumentFacts {
  return {
    typeCodes: outcome.documents.map((d) => d.typeCode),
    insQualified: hasQualifiedIns(outcome),
    mismatches: outcome.mismatches.map((m) => m.kind),
  };
}

/** One message sent, or one message delivered into one mailbox, as the indicators count it. */
export interface IndicatorEvent {
  readonly direction: IndicatorDirection;
  readonly documents: DocumentFacts;
  /** Sent to at least one `patient.mssante.fr` address, or received from one. */
  readonly mes: boolean;
}

/** One count of an export: `code` is the document type code or the mismatch kind, '' otherwise. */
export interface IndicatorCount {
  readonly indicator: Indicator;
  readonly code: string;
}

/**
 * The counts one event adds to (each by one). A message with two documents of the same type
 * counts once under that type: the indicators count messages, not documents.
 */
export function countsOf(event: IndicatorEvent): IndicatorCount[] {
  const sent = event.direction === 'sent';
  const d = event.documents;
  const withCda = d.typeCodes.length > 0;
  const out: IndicatorCount[] = [{ indicator: sent ? 'messages-sent' : 'messages-received', code: '' }];
  if (sent) out.push({ indicator: withCda ? 'messages-sent-with-cda' : 'messages-sent-without-cda', code: '' });
  else out.push({ indicator: withCda ? 'messages-received-with-cda' : 'messages-received-without-cda', code: '' });
  for (const code of new Set(d.typeCodes)) {
    out.push({ indicator: sent ? 'messages-sent-by-document-type' : 'messages-received-by-document-type', code });
  }
  if (withCda && d.insQualified) {
    out.push({ indicator: sent ? 'messages-sent-with-qualified-ins' : 'messages-received-with-qualified-ins', code: '' });
  }
  if (event.mes) out.push({ indicator: sent ? 'messages-sent-to-mes' : 'messages-received-from-mes', code: '' });
  if (sent) for (const kind of new Set(d.mismatches)) out.push({ indicator: 'messages-sent-with-document-mismatch', code: kind });
  return out;
}

/** Whether an address is a patient's Mon Espace Santé mailbox. */
export function isMesAddress(address: string): boolean {
  const at = address.lastIndexOf('@');
  return at > 0 && address.slice(at + 1).toLowerCase() === MES_DOMAIN;
}

// The month is the operator's, in French time: a message sent at 00:30 on 1 December in Paris
// belongs to December, whatever UTC says (docs/choices.md, "Indicator months").
const PARIS_MONTH = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit' });

/** The reporting period of an instant: `YYYY-MM`, the month in Europe/Paris. */
export function indicatorPeriod(at: Date): string {
  let year = '';
  let month = '';
  for (const p of PARIS_MONTH.formatToParts(at)) {
    if (p.type === 'year') year = p.value;
    else if (p.type === 'month') month = p.value;
  }
  return `${year}-${month}`;
}

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** A period as the export takes it (`2026-11`); null when malformed. */
export function parsePeriod(value: string): string | null {
  return PERIOD.test(value) ? value : null;
}

/** One row of an export: a person × mailbox × indicator (× code) of one month at one operator. */
export interface IndicatorRow {
  readonly period: string;
  readonly operator: string;
  /** The acting person (R-CAB-8) for sent messages; the mailbox's holder of record for received ones. */
  readonly idnat: string;
  readonly mailbox: string;
  readonly mailboxType: MailboxType;
  readonly indicator: Indicator;
  readonly code: string;
  readonly value: number;
}

/** A group of identical events of a month (what the store's GROUP BY gives). */
export interface IndicatorEventGroup extends IndicatorEvent {
  readonly idnat: string;
  readonly mailbox: string;
  readonly mailboxType: MailboxType;
  readonly events: number;
}

/**
 * The export rows of a month from its event groups: summed per person × mailbox × indicator ×
 * code, ordered by person, mailbox, then the order of INDICATORS and the code.
 */
export function indicatorRows(period: string, operator: string, groups: Iterable<IndicatorEventGroup>): IndicatorRow[] {
  const rows = new Map<string, IndicatorRow>();
  for (const g of groups) {
    for (const c of countsOf(g)) {
      const key = `${g.idnat}\u0000${g.mailbox}\u0000${c.indicator}\u0000${c.code}`;
      const prev = rows.get(key);
      rows.set(key, {
        period,
        operator,
        idnat: g.idnat,
        mailbox: g.mailbox,
        mailboxType: g.mailboxType,
        indicator: c.indicator,
        code: c.code,
        value: (prev?.value ?? 0) + g.events,
      });
    }
  }
  const order = (i: Indicator): number => INDICATORS.indexOf(i);
  return [...rows.values()].sort(
    (a, b) => cmp(a.idnat, b.idnat) || cmp(a.mailbox, b.mailbox) || order(a.indicator) - order(b.indicator) || cmp(a.code, b.code),
  );
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The CSV columns of an export, in order (docs/indicators.md). */
export const INDICATOR_CSV_COLUMNS = ['period', 'operator', 'idnat', 'mailbox', 'mailbox_type', 'indicator', 'code', 'value'] as const;

/** A field as RFC 4180 §2 wants it: quoted when it holds a comma, a quote or a line break. */
function csvField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The export as CSV (RFC 4180): a header line, then one line per row, each ended by CRLF. */
export function indicatorsCsv(rows: readonly IndicatorRow[]): string {
  const lines = [INDICATOR_CSV_COLUMNS.join(',')];
  for (const r of rows) {
    lines.push([r.period, r.operator, r.idnat, r.mailbox, r.mailboxType, r.indicator, r.code, r.value].map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
