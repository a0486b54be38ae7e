// What the dashboard shows of a month's indicator rows (R-IND-1): totals, and the three breakdowns
// the operator looks at — by mailbox type, by CDA document type, exchanges with Mon Espace Santé.

import { MAILBOX_TYPES, type IndicatorRow, type MailboxType } from '@mss/domain';

export interface DashboardFigures {
  sent: number;
  received: number;
  sentWithCda: number;
  receivedWithCda: number;
  withQualifiedIns: number;
  withMismatch: number;
  /** Persons (IdNat) who sent at least one message. */
  senders: number;
  byMailboxType: { type: MailboxType; sent: number; received: number }[];
  /** Sorted by total, then code. */
  byDocumentType: { code: string; sent: number; received: number }[];
  mes: { sentTo: number; receivedFrom: number };
}

export function dashboardFigures(rows: readonly IndicatorRow[]): DashboardFigures {
  const sum = (indicator: string, where: (r: IndicatorRow) => boolean = () => true): number =>
    rows.filter((r) => r.indicator === indicator && where(r)).reduce((n, r) => n + r.value, 0);
  const codes = new Map<string, { code: string; sent: number; received: number }>();
  for (const r of rows) {
    const sent = r.indicator === 'messages-sent-by-document-type';
    if (!sent && r.indicator !== 'messages-received-by-document-type') continue;
    const entry = codes.get(r.code) ?? { code: r.code, sent: 0, received: 0 };
    if (sent) entry.sent += r.value;
    else entry.received += r.value;
    codes.set(r.code, entry);
  }
  return {
    sent: sum('messages-sent'),
    received: sum('messages-received'),
    sentWithCda: sum('messages-sent-with-cda'),
    receivedWithCda: sum('messages-received-with-cda'),
    withQualifiedIns: sum('messages-sent-with-qualified-ins') + sum('messages-received-with-qualified-ins'),
    withMismatch: sum('messages-sent-with-document-mismatch'),
    senders: new Set(rows.filter((r) => r.indicator === 'messages-sent').map((r) => r.idnat)).size,
    byMailboxType: MAILBOX_TYPES.map((type) => ({
      type,
      sent: sum('messages-sent', (r) => r.mailboxType === type),
      received: sum('messages-received', (r) => r.mailboxType === type),
    })),
    byDocumentType: [...codes.values()].sort((a, b) => b.sent + b.received - (a.sent + a.received) || (a.code < b.code ? -1 : 1)),
    mes: { sentTo: sum('messages-sent-to-mes'), receivedFrom: sum('messages-received-from-mes') },
  };
}
