// IMAP dates: `date-time` of APPEND and INTERNALDATE (with a zone), and the day-only `date`
// of SEARCH (RFC 3501 §9). Month names are English whatever the locale.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH_INDEX = new Map(MONTHS.map((m, i) => [m.toLowerCase(), i]));

export interface ImapDateTime {
  readonly date: Date;
  /** The client's zone, in minutes east of UTC, so INTERNALDATE can be shown as it was given. */
  readonly offsetMinutes: number;
}

/** A calendar day, as SEARCH compares dates "disregarding time and timezone". */
export interface CalendarDate {
  readonly year: number;
  /** 1–12 */
  readonly month: number;
  readonly day: number;
}

const DATE_TIME = /^( ?\d|\d\d)-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/;
const DATE = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/;

function validDay(year: number, month: number, day: number): boolean {
  if (day < 1 || day > 31) return false;
  return new Date(Date.UTC(year, month, day)).getUTCDate() === day;
}

/** Parses the inside of a quoted `date-time`, e.g. `17-Jul-1996 02:44:25 -0700`; null if invalid. */
export function parseDateTime(text: string): ImapDateTime | null {
  const m = DATE_TIME.exec(text);
  if (!m) return null;
  const day = Number(m[1]!.trim());
  const month = MONTH_INDEX.get(m[2]!.toLowerCase());
  const year = Number(m[3]);
  const [hh, mm, ss, zh, zm] = [m[4], m[5], m[6], m[8], m[9]].map(Number) as [number, number, number, number, number];
  if (month === undefined || !validDay(year, month, day)) return null;
  if (hh > 23 || mm > 59 || ss > 60 || zm > 59) return null;
  const offsetMinutes = (m[7] === '-' ? -1 : 1) * (zh * 60 + zm);
  const utc = Date.UTC(year, month, day, hh, mm, ss) - offsetMinutes * 60_000;
  return { date: new Date(utc), offsetMinutes };
}

/** Formats the inside of a `date-time` (no quotes), e.g. ` 7-Jul-1996 02:44:25 +0000`. */
export function formatDateTime(date: Date, offsetMinutes = 0): string {
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  const day = local.getUTCDate();
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return (
    `${day < 10 ? ' ' : ''}${day}-${MONTHS[local.getUTCMonth()]}-${String(local.getUTCFullYear()).padStart(4, '0')} ` +
    `${pad2(local.getUTCHours())}:${pad2(local.getUTCMinutes())}:${pad2(local.getUTCSeconds())} ` +
    `${sign}${pad2(Math.floor(abs / 60))}${pad2(abs % 60)}`
  );
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Parses a SEARCH `date-text`, e.g. `1-Feb-1994`; null if invalid. */
export function parseSearchDate(text: string): CalendarDate | null {
  const m = DATE.exec(text);
  if (!m) return null;
  const day = Number(m[1]);
  const month = MONTH_INDEX.get(m[2]!.toLowerCase());
  const year = Number(m[3]);
  if (month === undefined || !validDay(year, month, day)) return null;
  return { year, month: month + 1, day };
}

export function formatSearchDate(date: CalendarDate): string {
  return `${date.day}-${MONTHS[date.month - 1]}-${date.year}`;
}
