// The `Date:` field (RFC 5322 §3.3, with the obsolete forms of §4.3: two- and three-digit years,
// zone names, comments anywhere). What IMAP needs of it: the instant (SORT DATE, RFC 5256 §2.2)
// and the calendar day as written in the field's own zone (SENTON, SENTBEFORE, SENTSINCE:
// RFC 3501 §6.4.4 compares the date "disregarding time and timezone").

import { withoutComments } from './comments.ts';

export interface MessageDate {
  /** Milliseconds since the epoch, the zone applied. */
  readonly epochMs: number;
  /** The field's zone in minutes east of UTC (0 for `-0000` and unknown zone names). */
  readonly offsetMinutes: number;
  /** The day as written: `Mon, 26 Mar 2007 00:00:00 +0300` is 2007-03-26 whatever UTC says. */
  readonly year: number;
  /** 1–12 */
  readonly month: number;
  readonly day: number;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** RFC 5322 §4.3 obs-zone; military letters carry no reliable meaning (§4.3): taken as -0000. */
const ZONE_NAMES: Readonly<Record<string, number>> = {
  UT: 0,
  GMT: 0,
  Z: 0,
  EST: -5 * 60,
  EDT: -4 * 60,
  CST: -6 * 60,
  CDT: -5 * 60,
  MST: -7 * 60,
  MDT: -6 * 60,
  PST: -8 * 60,
  PDT: -7 * 60,
};

const DATE_TIME =
  /^(?:[A-Za-z]+\s*,?\s*)?(\d{1,2})\s*-?\s*([A-Za-z]{3})[A-Za-z]*\.?\s*-?\s*(\d{2,4})\s+(\d{1,2})\s*:\s*(\d{1,2})(?:\s*:\s*(\d{1,2}))?(?:\s*([+-]\d{4}|[A-Za-z]{1,5}))?/;

/** A `Date:` value (unfolded text) read; null when it is not a date a reader could trust. */
export function parseMessageDate(value: string): MessageDate | null {
  const m = DATE_TIME.exec(withoutComments(value).trim());
  if (!m) return null;
  const day = Number(m[1]);
  const month = MONTHS.indexOf(m[2]!.toLowerCase()) + 1;
  let year = Number(m[3]);
  // RFC 5322 §4.3: two digits are 19xx from 50 on and 20xx below; three digits add 1900.
  if (m[3]!.length === 2) year += year < 50 ? 2000 : 1900;
  else if (m[3]!.length === 3) year += 1900;
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  if (month === 0 || hour > 23 || minute > 59 || second > 60) return null;
  const local = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59));
  // Date.UTC rolls 31 Feb over to March: such a day does not exist.
  if (new Date(local).getUTCDate() !== day) return null;
  const offsetMinutes = zoneOffset(m[7]);
  if (offsetMinutes === null) return null;
  return { epochMs: local - offsetMinutes * 60_000, offsetMinutes, year, month, day };
}

function zoneOffset(zone: string | undefined): number | null {
  if (zone === undefined) return 0;
  if (zone[0] === '+' || zone[0] === '-') {
    const hours = Number(zone.slice(1, 3));
    const minutes = Number(zone.slice(3, 5));
    if (minutes > 59) return null;
    return (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  return ZONE_NAMES[zone.toUpperCase()] ?? 0;
}
