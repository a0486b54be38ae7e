// The requirements the kit judges the software under test against, each with its reference, and
// the judge: what the recording shows, requirement by requirement, with the excerpt that proves
// it. `not-observed` means the software did nothing the requirement is about.

import { checkIdNatPerson } from '@mss/domain';
import { parseMessage, type MimeNode } from '@mss/mime';
import { checkMessageDocuments, concernsDocuments, isConsistent, isUnsafeArchiveError } from '@mss/xdm';
import type { HttpExchange, MailSession, Recording, SmtpTransaction } from './recording.ts';

export type Status = 'pass' | 'fail' | 'not-observed';

export interface Requirement {
  readonly id: string;
  readonly title: string;
  readonly reference: string;
  /** `must`: a failure fails the run; `should`: reported, the run may still pass. */
  readonly level: 'must' | 'should';
}

export interface Verdict {
  readonly status: Status;
  /** Why, in one or a few sentences. */
  readonly detail: string;
  /** Protocol lines that prove it (redacted). */
  readonly evidence: readonly string[];
}

export interface RequirementResult extends Requirement, Verdict {}

export const REQUIREMENTS: readonly Requirement[] = [
  {
    id: 'TLS-1',
    title: 'STARTTLS before any authentication (SMTP, IMAP)',
    reference: 'Ref. #2 req. 1.6; RFC 3207; RFC 3501 §6.2.1; domain §5',
    level: 'must',
  },
  {
    id: 'AUTH-1',
    title: 'No password login: no IMAP LOGIN, no AUTH PLAIN/LOGIN',
    reference: 'Ref. #2 req. 1.6; R-AUTH-1; domain §5',
    level: 'must',
  },
  {
    id: 'AUTH-2',
    title: 'SASL XOAUTH2 / OAUTHBEARER responses exactly formed, user = the mailbox',
    reference: 'Ref. #2 req. 1.6; RFC 7628 §3.1; domain §5',
    level: 'must',
  },
  {
    id: 'AUTH-3',
    title: 'The PSC token was still valid when used (refreshed before expiry)',
    reference: 'R-AUTH-1, R-AUTH-4',
    level: 'must',
  },
  {
    id: 'SMTP-1',
    title: 'Sends only as the mailbox it opened (MAIL FROM and From:)',
    reference: 'R-AUTH-2; domain §5 (author versus sender)',
    level: 'must',
  },
  {
    id: 'DOC-1',
    title: 'X-MSS-CODECDA, X-MSS-INS, X-MSS-NIL consistent with the CDA documents',
    reference: 'Ref. #2 ECO.2.4.1, ECO.2.4.2; R-DOC-2',
    level: 'must',
  },
  {
    id: 'DOC-2',
    title: 'IHE_XDM attachments valid (METADATA.XML matches the documents, safe to open)',
    reference: 'R-DOC-1; IHE ITI XDM',
    level: 'must',
  },
  { id: 'MES-1', title: 'X-MSS-MES written exactly FIN, and only to a patient', reference: 'Ref. #2 ECO.2.2.8; R-MES-2', level: 'must' },
  {
    id: 'IMAP-1',
    title: 'Messages changed by UID (UID STORE/COPY/MOVE), not by sequence number',
    reference: 'RFC 3501 §2.3.1.1, §6.4.8',
    level: 'must',
  },
  { id: 'IMAP-2', title: 'IDLE re-armed within 29 minutes', reference: 'RFC 2177 §3', level: 'should' },
  {
    id: 'LDAP-1',
    title: 'LDAP searches state their limits: at most 100 entries and 60 seconds',
    reference: 'R-ANN-3; RFC 4511 §4.5.1',
    level: 'must',
  },
  { id: 'LDAP-2', title: 'LDAP searches under ou=bal,o=mssante,c=fr', reference: 'domain §6', level: 'should' },
  { id: 'FHIR-1', title: 'ESANTE-API-KEY sent on every Annuaire Santé API call', reference: 'formats-notes §4.1', level: 'must' },
  {
    id: 'FHIR-2',
    title: 'FHIR paging follows the Bundle next link',
    reference: 'FHIR R4 §3.1.1.3 (paging); formats-notes §4.3',
    level: 'must',
  },
  {
    id: 'PSC-1',
    title: 'CIBA requests as PSC expects: openid scope_all, acr_values=eidas1, IdNat login_hint, binding_message',
    reference: 'formats-notes §6.2; CIBA Core §7.1',
    level: 'must',
  },
  {
    id: 'PSC-2',
    title: 'Token endpoint polled no faster than the interval given (no slow_down)',
    reference: 'CIBA Core §7.3, §11',
    level: 'must',
  },
  {
    id: 'PSC-3',
    title: 'Refresh grant rather than a new approval while the refresh token is valid',
    reference: 'RFC 6749 §6; R-AUTH-4',
    level: 'should',
  },
];

const verdict = (status: Status, detail: string, evidence: string[] = []): Verdict => ({ status, detail, evidence: evidence.slice(0, 12) });
const lineOf = (s: MailSession, at: number): string[] =>
  s.lines
    .filter((l) => l.at <= at)
    .slice(-6)
    .map((l) => `${s.channel.toUpperCase()}#${s.id} ${l.from === 'client' ? 'C' : 'S'}${l.tls ? '(tls)' : ''}: ${l.text}`);
const httpLine = (e: HttpExchange): string =>
  `${e.channel.toUpperCase()} ${e.method} ${e.url}${e.form ? ` ${new URLSearchParams(e.form).toString()}` : ''} → ${e.status}${Object.keys(e.response).length ? ` ${JSON.stringify(e.response)}` : ''}`;

interface ParsedTransaction {
  readonly session: MailSession;
  readonly t: SmtpTransaction;
  readonly root: MimeNode | null;
}

function transactions(r: Recording): ParsedTransaction[] {
  return r.mail
    .filter((s) => s.channel === 'smtp')
    .flatMap((session) => session.transactions.map((t) => ({ session, t, root: t.data ? parseMessage(t.data) : null })));
}

function headerFromAddress(root: MimeNode): string | null {
  const f = root.fields.find((x) => x.key === 'from');
  if (!f) return null;
  const m = /<([^>]+)>/.exec(f.value) ?? /([^\s<>,]+@[^\s<>,]+)/.exec(f.value);
  return m?.[1]?.toLowerCase() ?? null;
}

const isPatient = (a: string): boolean => a.toLowerCase().endsWith('@patient.mssante.fr');

async function judgeDocuments(r: Recording): Promise<{ doc1: Verdict; doc2: Verdict; mes1: Verdict }> {
  const d1: string[] = [];
  const d2: string[] = [];
  const m1: string[] = [];
  let docs = 0;
  let archives = 0;
  let mes = 0;
  for (const { session, t, root } of transactions(r)) {
    if (!root || !t.data || !concernsDocuments(root)) continue;
    const where = `SMTP#${session.id} message to ${t.rcptTo.join(', ')}`;
    const mesField = root.fields.find((f) => f.key.replaceAll('_', '-') === 'x-mss-mes');
    if (mesField) {
      mes++;
      const value = mesField.value.trim();
      if (value !== 'FIN') m1.push(`${where}: X-MSS-MES is "${value}", not FIN`);
      const notPatients = t.rcptTo.filter((a) => !isPatient(a));
      if (notPatients.length > 0) m1.push(`${where}: X-MSS-MES on a message to ${notPatients.join(', ')}, not a patient`);
    }
    try {
      const checked = await checkMessageDocuments(t.data, root, { recipients: t.rcptTo });
      const headerLines = root.fields
        .filter((f) => f.key.startsWith('x-mss-') || f.key.startsWith('x_mss_'))
        .map((f) => `${where}: ${f.name}:${f.value}`);
      const relevant = checked.outcome.mismatches.filter((m) => m.kind !== 'mes-not-to-patient' && m.kind !== 'xdm-inconsistent');
      docs++;
      if (relevant.length > 0) d1.push(...headerLines, ...relevant.map((m) => `${where}: ${m.kind}: ${m.detail}`));
      for (const a of checked.archives) {
        archives++;
        if (!isConsistent(a.inspection)) {
          d2.push(
            ...a.inspection.findings.filter((f) => f.severity === 'error').map((f) => `${where} part ${a.part}: ${f.kind}: ${f.detail}`),
          );
        }
      }
    } catch (err) {
      if (!isUnsafeArchiveError(err)) throw err;
      archives++;
      d2.push(`${where}: unsafe archive (${err.limit}): ${err.message}`);
    }
  }
  return {
    doc1:
      docs === 0
        ? verdict('not-observed', 'no message carried a document or an X-MSS header')
        : d1.length
          ? verdict('fail', 'the headers disagree with the documents', d1)
          : verdict('pass', `${docs} message(s) consistent`),
    doc2:
      archives === 0
        ? verdict('not-observed', 'no IHE_XDM attachment was sent')
        : d2.length
          ? verdict('fail', 'an archive is not valid IHE_XDM', d2)
          : verdict('pass', `${archives} archive(s) consistent`),
    mes1:
      mes === 0
        ? verdict('not-observed', 'no X-MSS-MES header was sent')
        : m1.length
          ? verdict('fail', 'X-MSS-MES misused', m1)
          : verdict('pass', `${mes} message(s) end the exchange correctly`),
  };
}

function judgeMail(r: Recording): Record<string, Verdict> {
  const out: Record<string, Verdict> = {};
  const attempts = r.mail.flatMap((s) => s.sasl.map((a) => ({ s, a })));
  const logins = r.mail.flatMap((s) => s.passwordLogins.map((p) => ({ s, p })));
  const auths = [...attempts.map(({ s, a }) => ({ s, at: a.at, tls: a.tls })), ...logins.map(({ s, p }) => ({ s, at: p.at, tls: p.tls }))];
  const clear = auths.filter((x) => !x.tls);
  out['TLS-1'] =
    auths.length === 0
      ? verdict('not-observed', 'no authentication')
      : clear.length
        ? verdict(
            'fail',
            `${clear.length} authentication(s) before STARTTLS`,
            clear.flatMap((x) => lineOf(x.s, x.at)),
          )
        : verdict(
            'pass',
            `${auths.length} authentication(s), all after STARTTLS`,
            auths.slice(0, 2).flatMap((x) => lineOf(x.s, x.at)),
          );
  out['AUTH-1'] = logins.length
    ? verdict(
        'fail',
        `password login: ${logins.map(({ p }) => p.command).join(', ')}`,
        logins.flatMap(({ s, p }) => lineOf(s, p.at)),
      )
    : attempts.length === 0
      ? verdict('not-observed', 'no authentication')
      : verdict('pass', `${attempts.length} bearer authentication(s), no password`);
  const bad = attempts.filter(({ a }) => a.problems.length > 0);
  out['AUTH-2'] =
    attempts.length === 0
      ? verdict('not-observed', 'no XOAUTH2/OAUTHBEARER authentication')
      : bad.length
        ? verdict(
            'fail',
            bad.map(({ a }) => `${a.mechanism}: ${a.problems.join('; ')}`).join(' — '),
            bad.flatMap(({ s, a }) => lineOf(s, a.at)),
          )
        : verdict(
            'pass',
            `${attempts.length} response(s) exactly formed (${[...new Set(attempts.map(({ a }) => a.mechanism))].join(', ')})`,
            attempts.map(({ s, a }) => `${s.channel.toUpperCase()}#${s.id} ${a.mechanism} ${a.shown}`),
          );
  const expired = attempts.filter(({ a }) => a.token?.expiresAt != null && a.token.expiresAt <= a.at);
  const withToken = attempts.filter(({ a }) => a.token?.expiresAt != null);
  out['AUTH-3'] =
    withToken.length === 0
      ? verdict('not-observed', 'no bearer token seen')
      : expired.length
        ? verdict(
            'fail',
            `${expired.length} expired token(s) presented`,
            expired.flatMap(({ s, a }) => lineOf(s, a.at)),
          )
        : verdict('pass', `${withToken.length} token(s), all valid when used`);

  const sent = transactions(r).filter(({ t }) => t.mailFrom !== null);
  const foreign: string[] = [];
  for (const { session, t, root } of sent) {
    const user = (session.sasl.at(-1)?.user ?? session.user ?? '').toLowerCase();
    if (t.mailFrom && t.mailFrom.toLowerCase() !== user)
      foreign.push(...lineOf(session, t.at), `→ MAIL FROM <${t.mailFrom}> while authenticated as ${user || '(nobody)'}`);
    const from = root ? headerFromAddress(root) : null;
    if (from && from !== user) foreign.push(`SMTP#${session.id}: From: ${from} while authenticated as ${user}`);
  }
  out['SMTP-1'] =
    sent.length === 0
      ? verdict('not-observed', 'no message sent')
      : foreign.length
        ? verdict('fail', 'a message was sent as another mailbox than the one opened', foreign)
        : verdict(
            'pass',
            `${sent.length} message(s), each from the mailbox opened`,
            sent.map(({ session, t }) => `SMTP#${session.id} MAIL FROM:<${t.mailFrom}> as ${session.sasl.at(-1)?.user ?? session.user}`),
          );

  const imap = r.mail.filter((s) => s.channel === 'imap');
  const changes = imap.flatMap((s) => s.commands.filter((c) => /^(UID )?(STORE|COPY|MOVE)$/.test(c.name)).map((c) => ({ s, c })));
  const bySeq = changes.filter(({ c }) => !c.name.startsWith('UID '));
  out['IMAP-1'] =
    changes.length === 0
      ? verdict('not-observed', 'no message changed (STORE, COPY, MOVE)')
      : bySeq.length
        ? verdict(
            'fail',
            `${bySeq.length} change(s) by sequence number`,
            bySeq.map(({ s, c }) => `IMAP#${s.id} C: ${c.line}`),
          )
        : verdict('pass', `${changes.length} change(s), all by UID`);
  const idles = imap.flatMap((s) => s.commands.filter((c) => c.name === 'IDLE').map((c) => ({ s, c })));
  const long = idles.filter(({ s, c }) => {
    const done = s.lines.find((l) => l.at >= c.at && l.from === 'client' && l.text.toUpperCase() === 'DONE');
    return (done?.at ?? Date.now()) - c.at > 29 * 60_000;
  });
  out['IMAP-2'] =
    idles.length === 0
      ? verdict('not-observed', 'no IDLE')
      : long.length
        ? verdict(
            'fail',
            'an IDLE lasted more than 29 minutes',
            long.map(({ s, c }) => `IMAP#${s.id} C: ${c.line}`),
          )
        : verdict('pass', `${idles.length} IDLE(s), each ended within 29 minutes`);
  return out;
}

function judgeDirectory(r: Recording): Record<string, Verdict> {
  const out: Record<string, Verdict> = {};
  const show = (q: Recording['ldap'][number]) =>
    `LDAP#${q.session} search base="${q.base}" scope=${q.scope} sizeLimit=${q.sizeLimit} timeLimit=${q.timeLimit} ${q.filter}`;
  const unlimited = r.ldap.filter((q) => q.sizeLimit < 1 || q.sizeLimit > 100 || q.timeLimit < 1 || q.timeLimit > 60);
  out['LDAP-1'] =
    r.ldap.length === 0
      ? verdict('not-observed', 'no LDAP search')
      : unlimited.length
        ? verdict(
            'fail',
            `${unlimited.length} search(es) without the directory's limits (sizeLimit 1–100, timeLimit 1–60)`,
            unlimited.map(show),
          )
        : verdict('pass', `${r.ldap.length} search(es) within the limits`, r.ldap.slice(0, 3).map(show));
  const outside = r.ldap.filter((q) => !q.base.toLowerCase().replace(/\s/g, '').endsWith('ou=bal,o=mssante,c=fr'));
  out['LDAP-2'] =
    r.ldap.length === 0
      ? verdict('not-observed', 'no LDAP search')
      : outside.length
        ? verdict('fail', 'searches outside ou=bal,o=mssante,c=fr', outside.map(show))
        : verdict('pass', 'every search under ou=bal,o=mssante,c=fr');

  const fhir = r.http.filter((e) => e.channel === 'fhir' && (e.url.startsWith('/fhir/') || e.url.startsWith('/resolve')));
  const noKey = fhir.filter((e) => !e.headers.apiKey);
  out['FHIR-1'] =
    fhir.length === 0
      ? verdict('not-observed', 'no Annuaire Santé API call')
      : noKey.length
        ? verdict('fail', `${noKey.length} call(s) without ESANTE-API-KEY`, noKey.map(httpLine))
        : verdict('pass', `${fhir.length} call(s), each with its key`);
  const given = new Set<string>();
  const paging: string[] = [];
  let pages = 0;
  for (const e of fhir) {
    const u = new URL(e.url, 'http://x');
    const crafted = ['_offset', '_page', 'page', '_getpagesoffset', '_skip'].filter((p) => u.searchParams.has(p));
    if (crafted.length) paging.push(`${httpLine(e)} — paging by ${crafted.join(', ')} instead of the next link`);
    if (u.searchParams.has('_cursor')) {
      pages++;
      if (!given.has(e.url)) paging.push(`${httpLine(e)} — a _cursor the server never gave`);
    }
    const next = e.response.next;
    if (typeof next === 'string') given.add(new URL(next).pathname + new URL(next).search);
  }
  out['FHIR-2'] = paging.length
    ? verdict('fail', 'pages not reached through the next link', paging)
    : pages === 0
      ? verdict('not-observed', 'no second page asked for')
      : verdict('pass', `${pages} page(s) reached through next links`);
  return out;
}

function judgePsc(r: Recording): Record<string, Verdict> {
  const out: Record<string, Verdict> = {};
  const psc = r.http.filter((e) => e.channel === 'psc');
  const cibaAuth = psc.filter((e) => e.method === 'POST' && e.url.includes('/ext/ciba/auth'));
  const wrong: string[] = [];
  for (const e of cibaAuth) {
    const f = e.form ?? {};
    const scopes = (f.scope ?? '').split(/\s+/);
    const why: string[] = [];
    if (!scopes.includes('openid') || !scopes.includes('scope_all')) why.push(`scope "${f.scope ?? ''}" lacks openid scope_all`);
    if (f.acr_values !== 'eidas1') why.push(`acr_values "${f.acr_values ?? ''}", not eidas1`);
    if (!f.login_hint || !checkIdNatPerson(f.login_hint).ok) why.push(`login_hint "${f.login_hint ?? ''}" is not an IdNat`);
    if (!f.binding_message) why.push('no binding_message (the person cannot tell this request from another)');
    else if (f.binding_message.length > 80) why.push('binding_message longer than 80 characters');
    if (why.length) wrong.push(`${httpLine(e)} — ${why.join('; ')}`);
  }
  out['PSC-1'] =
    cibaAuth.length === 0
      ? verdict('not-observed', 'no CIBA request')
      : wrong.length
        ? verdict('fail', 'CIBA request parameters differ from what PSC expects', wrong)
        : verdict('pass', `${cibaAuth.length} CIBA request(s) as PSC expects`, cibaAuth.slice(0, 2).map(httpLine));

  const polls = psc.filter((e) => e.method === 'POST' && e.form?.grant_type === 'urn:openid:params:grant-type:ciba');
  const early: string[] = [];
  const byReq = new Map<string, HttpExchange[]>();
  for (const p of polls) byReq.set(p.form?.auth_req_id ?? '', [...(byReq.get(p.form?.auth_req_id ?? '') ?? []), p]);
  for (const [id, list] of byReq) {
    const ack = cibaAuth.find((a) => a.response.auth_req_id === id);
    const interval = typeof ack?.response.interval === 'number' ? ack.response.interval : 5;
    for (let i = 1; i < list.length; i++) {
      if (list[i]!.at - list[i - 1]!.at < interval * 1000 - 250)
        early.push(`${httpLine(list[i]!)} — ${list[i]!.at - list[i - 1]!.at} ms after the previous poll (interval ${interval} s)`);
    }
    for (const p of list) if (p.response.error === 'slow_down') early.push(`${httpLine(p)} — told to slow down`);
  }
  out['PSC-2'] =
    polls.length === 0
      ? verdict('not-observed', 'no CIBA poll')
      : early.length
        ? verdict('fail', 'polled faster than the interval', early)
        : verdict('pass', `${polls.length} poll(s) at the interval`);

  const again: string[] = [];
  const grants = polls.filter((p) => p.status === 200);
  for (const a of cibaAuth) {
    const hint = a.form?.login_hint;
    const earlier = grants.find((g) => {
      const first = cibaAuth.find((x) => x.response.auth_req_id === g.form?.auth_req_id);
      const life = typeof g.response.refresh_expires_in === 'number' ? g.response.refresh_expires_in * 1000 : 0;
      return first?.form?.login_hint === hint && g.at < a.at && a.at < g.at + life;
    });
    if (earlier)
      again.push(`${httpLine(a)} — a new approval asked while the refresh token of ${new Date(earlier.at).toISOString()} was valid`);
  }
  const refreshes = psc.filter((e) => e.form?.grant_type === 'refresh_token').length;
  out['PSC-3'] = again.length
    ? verdict('fail', 'the person was asked to approve again instead of a refresh', again)
    : cibaAuth.length + refreshes === 0
      ? verdict('not-observed', 'no token obtained through the kit')
      : verdict('pass', `${cibaAuth.length} approval(s), ${refreshes} refresh(es)`);
  return out;
}

export async function judge(r: Recording): Promise<RequirementResult[]> {
  const { doc1, doc2, mes1 } = await judgeDocuments(r);
  const verdicts: Record<string, Verdict> = {
    ...judgeMail(r),
    ...judgeDirectory(r),
    ...judgePsc(r),
    'DOC-1': doc1,
    'DOC-2': doc2,
    'MES-1': mes1,
  };
  return REQUIREMENTS.map((req) => ({ ...req, ...(verdicts[req.id] ?? verdict('not-observed', 'not judged')) }));
}
