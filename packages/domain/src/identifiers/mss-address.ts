// MSSanté mailbox address: an RFC 5321 mailbox restricted to the MSSanté trust space.
//
// The local part must be a dot-atom. Quoted local parts ("a b"@x) are legal in RFC 5321 but
// no MSSanté address uses them, directory and client software do not expect them, and
// refusing them keeps "@" and spaces out of local parts, so the address splits unambiguously.
// Only ASCII is accepted: internationalised addresses (SMTPUTF8) are not part of MSSanté.
//
// The domain is compared case-insensitively and returned in lower case; the local part is
// returned as given (R-BAL-1 decides uniqueness case-insensitively elsewhere).

import { type Check, fail, normaliseInput, notAString, ok, unwrap } from './errors.ts';
import { checkIns } from './ins.ts';

export const MSSANTE_DOMAIN = 'mssante.fr';
export const PATIENT_DOMAIN = 'patient.mssante.fr';

export type MssAddress = { address: string; local: string; domain: string; patient: boolean; ins?: string };
export type MssAddressOptions = { operatorDomains?: readonly string[]; field?: string };

const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const DOT_ATOM = new RegExp(`^${ATOM}(?:\\.${ATOM})*$`);
const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

const MAX_LOCAL = 64; // RFC 5321 §4.5.3.1.1
const MAX_ADDRESS = 254; // 256-octet path minus the angle brackets

export function checkMssAddress(value: string, opts: MssAddressOptions = {}): Check<MssAddress> {
  const field = opts.field ?? 'MSSanté address';
  const v = normaliseInput(value);
  if (v === undefined) return notAString(field, value);
  if (v === '') return fail(field, v, 'length', 'must not be empty');
  if (!/^[\x21-\x7e]+$/.test(v)) {
    return fail(field, v, 'charset', 'must contain printable ASCII characters only, without spaces');
  }
  // All ASCII from here on, so string length is the octet count the RFC limits.
  if (v.length > MAX_ADDRESS) return fail(field, v, 'length', `must be at most ${MAX_ADDRESS} characters, got ${v.length}`);
  const at = v.indexOf('@');
  if (at < 0 || at !== v.lastIndexOf('@')) return fail(field, v, 'syntax', 'must contain exactly one @');
  const local = v.slice(0, at);
  const domain = v.slice(at + 1).toLowerCase();
  if (local === '') return fail(field, v, 'syntax', 'local part (before @) must not be empty');
  if (local.length > MAX_LOCAL) {
    return fail(field, v, 'length', `local part must be at most ${MAX_LOCAL} characters, got ${local.length}`);
  }
  if (!DOT_ATOM.test(local)) {
    return fail(
      field,
      v,
      'syntax',
      "local part must be dot-separated words of letters, digits and !#$%&'*+/=?^_`{|}~- (no leading, trailing or double dot)",
    );
  }
  const domainProblem = domainSyntaxProblem(domain);
  if (domainProblem) return fail(field, v, 'syntax', domainProblem);
  if (domain !== MSSANTE_DOMAIN && !domain.endsWith(`.${MSSANTE_DOMAIN}`)) {
    return fail(field, v, 'domain', `domain ${domain} is not in the MSSanté space (must end with .${MSSANTE_DOMAIN})`);
  }
  if (opts.operatorDomains && !opts.operatorDomains.some((d) => d.toLowerCase() === domain)) {
    return fail(field, v, 'operator-domain', `domain ${domain} is not one of this operator's domains`);
  }
  const address = `${local}@${domain}`;
  if (domain !== PATIENT_DOMAIN) return ok({ address, local, domain, patient: false });
  const ins = checkIns(local);
  if (!ins.ok) {
    return fail(field, v, 'patient-ins', `local part of a patient address must be a valid INS: ${ins.error.message}`);
  }
  return ok({ address, local, domain, patient: true, ins: ins.value.ins });
}

export function parseMssAddress(value: string, opts?: MssAddressOptions): MssAddress {
  return unwrap(checkMssAddress(value, opts));
}

function domainSyntaxProblem(domain: string): string | undefined {
  if (domain === '') return 'domain (after @) must not be empty';
  const labels = domain.split('.');
  if (labels.length < 2) return `domain ${domain} must have at least two labels`;
  for (const label of labels) {
    if (label.length > 63) return `domain label ${label.slice(0, 20)}… is longer than 63 characters`;
    if (!LABEL.test(label)) {
      return `domain ${domain} must be dot-separated labels of letters, digits and inner hyphens`;
    }
  }
  return undefined;
}
