// Certificate authentication of APP software (domain reference §5, our choice: SASL EXTERNAL,
// RFC 4422 appendix A, over mutual TLS): the EXTERNAL message, the certificate checks, the
// decision for an `application` principal and its audit, and the session guard (R-AUTH-4).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore, TEST_ENGINE } from '@mss/store/testing';
import type { Store } from '@mss/store';
import {
  AccessControl,
  CertificateError,
  SessionGuard,
  authenticateCertificate,
  createCertificateValidator,
  encodeExternal,
  parseExternal,
  sanEmails,
  type CertificateValidator,
  type RevocationSource,
  type SessionEndReason,
} from '../src/index.ts';
import { SaslError } from '../src/sasl/errors.ts';
import { testPki, x509Of, type TestPki } from './support/certificates.ts';

const DOMAIN = 'operateur-a.mssante.fr';
const APP = `labo-resultats.ch-lilas@${DOMAIN}`;
const APP2 = `imagerie.ch-lilas@${DOMAIN}`;
const PER = `paul.martin@${DOMAIN}`;
const CLOSED_APP = `ancien-automate@${DOMAIN}`;
const RESPONSIBLE = '810000001551';
const GP = '810000001056';
const DAY = 86_400_000;

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('SASL EXTERNAL message (RFC 4422 appendix A)', () => {
  test('empty message: no authorization identity; otherwise the UTF-8 identity', () => {
    assert.deepEqual(parseExternal(''), { authzid: null });
    assert.deepEqual(parseExternal(b64(APP)), { authzid: APP });
    assert.deepEqual(parseExternal(` ${b64(APP)}\r\n`), { authzid: APP }, 'line endings are the line parser’s, not the payload');
    assert.equal(encodeExternal(null), '');
    assert.deepEqual(parseExternal(encodeExternal(APP)), { authzid: APP });
  });

  test('refused: not base64, not UTF-8, control characters (NUL), too long', () => {
    const refused = (response: string, code: string) =>
      assert.throws(
        () => parseExternal(response),
        (err: unknown) => err instanceof SaslError && err.mechanism === 'EXTERNAL' && err.code === code,
      );
    refused('not base64!', 'malformed-base64');
    refused(Buffer.from([0xff, 0xfe]).toString('base64'), 'malformed-message');
    refused(b64(`${APP}\0other@${DOMAIN}`), 'malformed-message');
    refused(b64(`${'a'.repeat(400)}@${DOMAIN}`), 'malformed-message');
  });
});

describe('subject alternative names', () => {
  test('rfc822Name entries of Node’s subjectAltName text, lower-cased; quoted values decoded', () => {
    assert.deepEqual(sanEmails(undefined), []);
    assert.deepEqual(sanEmails('DNS:localhost, IP Address:127.0.0.1'), []);
    assert.deepEqual(sanEmails(`email:Labo@${DOMAIN}`), [`labo@${DOMAIN}`]);
    assert.deepEqual(sanEmails(`DNS:x, email:a@${DOMAIN}, email:"b,c@${DOMAIN}"`), [`a@${DOMAIN}`, `b,c@${DOMAIN}`]);
  });
});

describe('certificate validator', () => {
  let t: TestPki;
  const revoked = new Set<string>();
  let known = true;
  const revocations: RevocationSource = { status: (serial) => (!known ? 'unknown' : revoked.has(serial) ? 'revoked' : 'good') };
  let validator: CertificateValidator;

  before(async () => {
    t = await testPki();
    validator = createCertificateValidator({ caCertPem: t.pki.caCertPem, revocations });
  });
  after(() => t.cleanup());

  const refusal = (fn: () => unknown, code: string, withSerial = true) =>
    assert.throws(fn, (err: unknown) => err instanceof CertificateError && err.code === code && (err.serial !== null) === withSerial);

  test('an APP certificate of the trust CA: its serial, its one mailbox, its end of validity', async () => {
    const issued = await t.pki.issueClientCertificate({ commonName: 'Automate labo CH Lilas', kind: 'app', mailbox: APP });
    const cert = x509Of(issued.certPem);
    const v = validator.validate(cert);
    assert.equal(v.serial, cert.serialNumber.replace(/^0+/, '').toUpperCase());
    assert.equal(v.mailbox, APP);
    assert.equal(v.commonName, 'Automate labo CH Lilas');
    assert.equal(v.notAfter.getTime(), cert.validToDate.getTime());
  });

  test('refusals, each with its code: none, another CA, expired, not yet valid, wrong purpose, no or two mailboxes', async () => {
    refusal(() => validator.validate(undefined), 'no-certificate', false);
    const foreign = await t.other.issueClientCertificate({ commonName: 'Automate', kind: 'app', mailbox: APP });
    refusal(() => validator.validate(x509Of(foreign.certPem)), 'untrusted');
    refusal(() => validator.validate(x509Of(t.pki.caCertPem)), 'untrusted');
    const expired = await t.pki.issueClientCertificate({
      commonName: 'Vieil automate',
      kind: 'app',
      mailbox: APP2,
      days: 1,
      now: new Date(Date.now() - 10 * DAY),
    });
    refusal(() => validator.validate(x509Of(expired.certPem)), 'expired');
    const future = await t.pki.issueClientCertificate({
      commonName: 'Futur automate',
      kind: 'app',
      mailbox: `futur@${DOMAIN}`,
      now: new Date(Date.now() + 10 * DAY),
    });
    refusal(() => validator.validate(x509Of(future.certPem)), 'not-yet-valid');
    const serverOnly = await t.forge({ emails: [APP], usages: ['1.3.6.1.5.5.7.3.1'] });
    refusal(() => validator.validate(serverOnly), 'wrong-purpose');
    const operator = await t.pki.issueClientCertificate({ commonName: DOMAIN, kind: 'operator' });
    refusal(() => validator.validate(x509Of(operator.certPem)), 'no-mailbox');
    const two = await t.forge({ emails: [APP, APP2], usages: ['1.3.6.1.5.5.7.3.2'] });
    refusal(() => validator.validate(two), 'several-mailboxes');
  });

  test('revoked, and fail closed when the revocation list is not known', async () => {
    const issued = await t.pki.issueClientCertificate({ commonName: 'Automate révoqué', kind: 'app', mailbox: `revoque@${DOMAIN}` });
    const cert = x509Of(issued.certPem);
    revoked.add(cert.serialNumber.replace(/^0+/, '').toUpperCase());
    refusal(() => validator.validate(cert), 'revoked');
    const good = x509Of((await t.pki.issueClientCertificate({ commonName: 'Automate', kind: 'app', mailbox: APP })).certPem);
    known = false;
    try {
      refusal(() => validator.validate(good), 'revocation-unknown');
    } finally {
      known = true;
    }
  });
});

describe(`decision and audit for a certificate on ${TEST_ENGINE}`, () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let access: AccessControl;
  let t: TestPki;
  let validator: CertificateValidator;
  const revoked = new Set<string>();
  const ids: Record<string, number> = {};

  before(async () => {
    ({ store, cleanup } = await openTestStore());
    t = await testPki();
    access = new AccessControl({ store });
    validator = createCertificateValidator({
      caCertPem: t.pki.caCertPem,
      revocations: { status: (s) => (revoked.has(s) ? 'revoked' : 'good') },
    });
    const base = {
      kind: 'PS' as const,
      id_type: 'RPPS' as const,
      civility: 'M',
      first_name: 'X',
      profession_code: '10',
      profession_label: 'Médecin',
      category_code: 'C',
      speciality_code: null,
      speciality_label: null,
    };
    await store.directory.upsertPersons([
      { ...base, idnat: RESPONSIBLE, rpps: RESPONSIBLE.slice(1), last_name: 'Girard' },
      { ...base, idnat: GP, rpps: GP.slice(1), last_name: 'Martin' },
    ]);
    await store.directory.upsertStructures([
      {
        idnat: '1930000013',
        id_type: 'FINESS',
        finess: '930000013',
        siret: null,
        name: 'CH',
        sector_code: null,
        street: '1 rue',
        postal_code: '93260',
        city: 'Les Lilas',
        departement: '93',
      },
    ]);
    for (const [address, type, owner] of [
      [APP, 'APP', '1930000013'],
      [APP2, 'APP', '1930000013'],
      [CLOSED_APP, 'APP', '1930000013'],
      [PER, 'PER', GP],
    ] as const) {
      const box = await store.mailboxes.create({ address, type, ownerIdnat: owner });
      ids[address] = box.id;
      await store.mailboxes.addHolder(box.id, type === 'APP' ? RESPONSIBLE : GP, type === 'APP' ? 'responsible' : 'holder', null);
    }
    await store.mailboxes.update(ids[CLOSED_APP]!, { status: 'closed' });
  });
  after(async () => {
    await cleanup();
    await t.cleanup();
  });

  const certFor = async (mailbox: string, name = 'Automate') =>
    x509Of((await t.pki.issueClientCertificate({ commonName: name, kind: 'app', mailbox })).certPem);
  const lastAudit = async () => {
    const rows = await store.audit.list({ limit: 1000 });
    return rows.at(-1)!;
  };

  test('its own APP mailbox, with or without the authorization identity: read and send as "application", audited by serial', async () => {
    const cert = await certFor(APP);
    const serial = cert.serialNumber.replace(/^0+/, '').toUpperCase();
    for (const [response, action] of [
      ['', 'read'],
      [b64(APP), 'send'],
      [b64(APP.toUpperCase()), 'read'],
    ] as const) {
      const r = await authenticateCertificate(response, cert, { access, validator, channel: 'imap', action });
      assert.equal(r.ok, true, r.ok ? '' : JSON.stringify(r));
      if (!r.ok) continue;
      assert.deepEqual(r.principal, { kind: 'application', serial, mailbox: APP });
      assert.equal(r.mailbox, APP);
      assert.equal(r.mailboxId, ids[APP]);
      assert.equal(r.role, 'application');
      assert.equal(r.expiresAt.getTime(), cert.validToDate.getTime());
      assert.equal(r.scope.mailboxId, ids[APP], 'the capability is that mailbox’s');
      const row = await lastAudit();
      assert.equal(row.idnat, `certificate:${serial}`);
      assert.equal(row.outcome, 'allowed');
      assert.equal(row.action, action);
      assert.equal(row.role, 'application');
    }
  });

  test('another mailbox named as authorization identity: refused by the decision point (no-right), audited', async () => {
    const cert = await certFor(APP);
    const r = await authenticateCertificate(b64(APP2), cert, { access, validator, channel: 'smtp', action: 'send' });
    assert.deepEqual(r, {
      ok: false,
      kind: 'authorization',
      reason: 'no-right',
      text: 'This client certificate may not send from this mailbox',
    });
    const row = await lastAudit();
    assert.equal(row.mailbox, APP2);
    assert.equal(row.outcome, 'denied');
    assert.equal(row.reason, 'no-right');
    assert.match(row.idnat ?? '', /^certificate:[0-9A-F]+$/);
  });

  test('a certificate naming a PER mailbox opens nothing: only APP mailboxes (role table), audited', async () => {
    const cert = await certFor(PER, 'Logiciel du Dr Martin');
    const r = await authenticateCertificate('', cert, { access, validator, channel: 'imap', action: 'read' });
    assert.deepEqual(r, {
      ok: false,
      kind: 'authorization',
      reason: 'action-not-allowed',
      text: 'A client certificate may only open an APP mailbox',
    });
    assert.equal((await lastAudit()).reason, 'action-not-allowed');
  });

  test('a closed APP mailbox and an unknown one are refused', async () => {
    const closed = await authenticateCertificate('', await certFor(CLOSED_APP), { access, validator, channel: 'imap', action: 'read' });
    assert.deepEqual(closed, { ok: false, kind: 'authorization', reason: 'mailbox-closed', text: 'This mailbox is closed' });
    const unknown = await authenticateCertificate('', await certFor(`inconnu@${DOMAIN}`), {
      access,
      validator,
      channel: 'imap',
      action: 'read',
    });
    assert.equal(unknown.ok === false && unknown.kind === 'authorization' && unknown.reason, 'unknown-mailbox');
  });

  test('a bad certificate is refused before any decision, audited with its serial and invalid-certificate:<code>', async () => {
    const cert = await certFor(APP2, 'Automate révoqué');
    const serial = cert.serialNumber.replace(/^0+/, '').toUpperCase();
    revoked.add(serial);
    const r = await authenticateCertificate(b64(APP2), cert, { access, validator, channel: 'smtp', action: 'send' });
    assert.deepEqual(r, { ok: false, kind: 'certificate', code: 'revoked', text: 'the client certificate has been revoked' });
    let row = await lastAudit();
    assert.equal(row.idnat, `certificate:${serial}`);
    assert.equal(row.reason, 'invalid-certificate:revoked');
    assert.equal(row.mailbox, APP2);
    assert.equal(row.action, 'authenticate');

    const none = await authenticateCertificate('', undefined, { access, validator, channel: 'imap', action: 'read' });
    assert.deepEqual(none, { ok: false, kind: 'certificate', code: 'no-certificate', text: 'no TLS client certificate was presented' });
    row = await lastAudit();
    assert.equal(row.idnat, null);
    assert.equal(row.reason, 'invalid-certificate:no-certificate');

    const malformed = await authenticateCertificate('%%%', cert, { access, validator, channel: 'imap', action: 'read' });
    assert.deepEqual(malformed, { ok: false, kind: 'malformed', text: 'Cannot Base64-decode client response' });
  });

  test('R-AUTH-4: a session opened by a certificate ends when the certificate is revoked or the mailbox suspended; person events pass it by', async () => {
    const end = () => {
      let onEnd!: (r: SessionEndReason) => void;
      const promise = new Promise<SessionEndReason>((resolve) => (onEnd = resolve));
      return { promise, onEnd };
    };
    const cert = await certFor(APP);
    const serial = cert.serialNumber.replace(/^0+/, '').toUpperCase();
    const session = (principalSerial: string) => ({
      idnat: `certificate:${principalSerial}`,
      principal: { kind: 'application' as const, serial: principalSerial, mailbox: APP },
      mailbox: APP,
      mailboxId: ids[APP]!,
      channel: 'imap' as const,
      tokenExpiresAt: cert.validToDate,
      action: 'read' as const,
    });
    const revokedEnd = end();
    const guard = new SessionGuard(access, session(serial), revokedEnd.onEnd);
    const otherEnd = end();
    const other = new SessionGuard(access, session('ABCDEF'), otherEnd.onEnd);
    access.bus.publish({ kind: 'cgu-published', version: '2099-01' });
    access.bus.publish({ kind: 'holder-removed', mailboxId: ids[APP]!, idnat: RESPONSIBLE, role: 'responsible' });
    access.bus.publish({ kind: 'certificate-revoked', serial: serial.toLowerCase() });
    assert.equal(await revokedEnd.promise, 'certificate-revoked');
    assert.equal(guard.active, false);
    assert.equal(other.active, true, 'another certificate’s session is untouched');

    await store.mailboxes.update(ids[APP]!, { status: 'suspended' });
    try {
      access.bus.publish({ kind: 'mailbox-status-changed', mailboxId: ids[APP]!, status: 'suspended' });
      assert.equal(await otherEnd.promise, 'mailbox-suspended', 're-decided for the application principal');
    } finally {
      await store.mailboxes.update(ids[APP]!, { status: 'active' });
    }

    const expiredEnd = end();
    new SessionGuard(access, { ...session(serial), tokenExpiresAt: new Date(Date.now() - 1) }, expiredEnd.onEnd);
    assert.equal(await expiredEnd.promise, 'certificate-expired');
    assert.equal(access.bus.listenerCount, 0);
  });
});
