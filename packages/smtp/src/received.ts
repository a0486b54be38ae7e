// The trace header (RFC 5321 §4.4) written at the head of every stored message, before the
// client's bytes: the blob is streamed, so it cannot be inserted afterwards.

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const two = (n: number): string => String(n).padStart(2, '0');

/** RFC 5322 §3.3 date-time, in UTC. */
export function rfc5322Date(d: Date): string {
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/**
 * Client-supplied names end up inside a header comment: keep printable ASCII that cannot close
 * the comment or start a quoted pair. smtp-server already refuses control characters in HELO.
 */
function clean(value: string, max = 255): string {
  return value.replace(/[^\x21-\x7e]|[()\\]/g, '?').slice(0, max) || 'unknown';
}

export interface ReceivedInput {
  /** The EHLO/HELO argument. */
  helo: string | false;
  /** Reverse name, or `[ip]` when not looked up. */
  clientHostname: string | false;
  remoteAddress: string;
  /** This server's name, as in the greeting. */
  by: string;
  /** RFC 3848 / RFC 6531 protocol: ESMTPSA, UTF8SMTPSA… */
  protocol: string;
  id: string;
  tls: { version?: string | null; name?: string | null } | false;
  /** Only named when there is one, as Postfix does: several would disclose Bcc recipients. */
  recipients: readonly string[];
  date: Date;
}

export function receivedHeader(r: ReceivedInput): string {
  const host =
    r.clientHostname && r.clientHostname !== `[${r.remoteAddress}]`
      ? `${clean(r.clientHostname)} [${r.remoteAddress}]`
      : `[${r.remoteAddress}]`;
  const lines = [`Received: from ${clean(r.helo || 'unknown')} (${host})`];
  if (r.tls) lines.push(`\t(using ${clean(r.tls.version ?? 'TLS')} with cipher ${clean(r.tls.name ?? 'unknown')})`);
  lines.push(`\tby ${clean(r.by)} (MSSante operator) with ${r.protocol} id ${r.id}`);
  const only = r.recipients.length === 1 ? r.recipients[0] : undefined;
  // The address passed smtp-server's syntax checks (no controls, no spaces); it may be UTF-8
  // under SMTPUTF8, which RFC 6532 allows in header fields.
  if (only !== undefined && !/[<>\s]/.test(only)) lines.push(`\tfor <${only}>;`);
  else lines[lines.length - 1] += ';';
  lines.push(`\t${rfc5322Date(r.date)}`);
  return `${lines.join('\r\n')}\r\n`;
}
