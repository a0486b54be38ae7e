// What a scenario expects to see the software do (the steps it asked for), judged on the
// recording: each expectation passes or fails, never "not observed" — not doing a step fails it.

import { parseMessage } from '@mss/mime';
import { findXdmAttachments } from '@mss/mime';
import type { Recording } from './recording.ts';
import type { Expectation } from './scenario.ts';

export interface ExpectationResult {
  readonly observe: Expectation['observe'];
  readonly title: string;
  readonly status: 'pass' | 'fail';
  readonly detail: string;
}

function title(e: Expectation): string {
  switch (e.observe) {
    case 'psc-token':
      return 'a Pro Santé Connect token obtained (CIBA or code)';
    case 'directory-lookup':
      return 'the Annuaire Santé searched (LDAP or FHIR)';
    case 'smtp-send':
      return `a message sent${e.from ? ` from ${e.from}` : ''}${e.to ? ` to ${e.to}` : ''}${e.toPatient ? ' to a patient' : ''}${e.withDocument ? ' with an IHE_XDM document' : ''}${e.inReplyTo ? ' as a reply (In-Reply-To)' : ''}`;
    case 'imap-login':
      return `${e.mailbox} opened over IMAP with the token of ${e.idnat}`;
    case 'imap-read':
      return `${e.mailbox} read over IMAP`;
    case 'imap-move':
      return `a message of ${e.mailbox} moved to another folder`;
  }
}

const ok = (e: Expectation, detail: string): ExpectationResult => ({ observe: e.observe, title: title(e), status: 'pass', detail });
const ko = (e: Expectation, detail: string): ExpectationResult => ({ observe: e.observe, title: title(e), status: 'fail', detail });

export function judgeExpectations(r: Recording, expectations: readonly Expectation[]): ExpectationResult[] {
  const imapAs = (mailbox: string) => r.mail.filter((s) => s.channel === 'imap' && s.user?.toLowerCase() === mailbox.toLowerCase());
  return expectations.map((e): ExpectationResult => {
    switch (e.observe) {
      case 'psc-token': {
        const grants = r.http.filter((x) => x.channel === 'psc' && x.url.includes('/token') && x.status === 200 && x.form?.grant_type);
        return grants.length
          ? ok(e, `${grants.map((g) => g.form?.grant_type).join(', ')}`)
          : ko(e, 'no token was obtained from Pro Santé Connect through the kit');
      }
      case 'directory-lookup': {
        const fhir = r.http.filter(
          (x) =>
            x.channel === 'fhir' && x.status === 200 && /^\/(fhir\/v2\/(Practitioner|PractitionerRole|Organization)|resolve)/.test(x.url),
        );
        return r.ldap.length + fhir.length
          ? ok(e, `${r.ldap.length} LDAP search(es), ${fhir.length} FHIR call(s)`)
          : ko(e, 'no directory search');
      }
      case 'smtp-send': {
        const accepted = r.mail
          .filter((s) => s.channel === 'smtp')
          .flatMap((s) => s.transactions)
          .filter((t) => t.data && t.reply?.startsWith('250'));
        const fits = accepted.filter((t) => {
          const root = parseMessage(t.data!);
          if (e.from && t.mailFrom?.toLowerCase() !== e.from.toLowerCase()) return false;
          if (e.to && !t.rcptTo.some((a) => a.toLowerCase() === e.to!.toLowerCase())) return false;
          if (e.toPatient && !t.rcptTo.some((a) => a.toLowerCase().endsWith('@patient.mssante.fr'))) return false;
          if (e.withDocument && findXdmAttachments(root).length === 0) return false;
          if (e.inReplyTo && !root.fields.some((f) => f.key === 'in-reply-to')) return false;
          return true;
        });
        return fits.length
          ? ok(e, `${fits.length} message(s) accepted (${fits[0]!.reply})`)
          : ko(e, `${accepted.length} message(s) accepted, none fitting`);
      }
      case 'imap-login': {
        const s = imapAs(e.mailbox).filter((x) => x.sasl.some((a) => a.accepted && a.token?.idnat === e.idnat));
        return s.length
          ? ok(e, `IMAP session #${s[0]!.id}`)
          : ko(e, `no IMAP session authenticated as ${e.mailbox} with the token of ${e.idnat}`);
      }
      case 'imap-read': {
        const read = imapAs(e.mailbox).filter((s) => {
          const selected = s.commands.some((c) => (c.name === 'SELECT' || c.name === 'EXAMINE') && c.status === 'OK');
          const fetched = s.commands.some((c) => /^(UID )?FETCH$/.test(c.name) && c.status === 'OK' && /BODY|RFC822|BINARY/i.test(c.line));
          const empty = s.lines.some((l) => l.from === 'server' && l.text === '* 0 EXISTS');
          return selected && (fetched || empty);
        });
        return read.length ? ok(e, `IMAP session #${read[0]!.id}`) : ko(e, `no message of ${e.mailbox} fetched`);
      }
      case 'imap-move': {
        const moved = imapAs(e.mailbox).flatMap((s) => s.commands.filter((c) => /^(UID )?(MOVE|COPY)$/.test(c.name) && c.status === 'OK'));
        return moved.length ? ok(e, moved.map((c) => c.line).join('; ')) : ko(e, 'no MOVE or COPY');
      }
    }
  });
}
