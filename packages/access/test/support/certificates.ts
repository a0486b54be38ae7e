// Certificates for the certificate-authentication tests: the trust stand-in's own PKI issues the
// ordinary ones (APP, operator, server; expired by issuing with a clock in the past), and
// `forge` signs with the same CA key what the PKI never issues (no clientAuth purpose, two
// mailboxes), so that the validator's every refusal can be reached.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { loadOrCreatePki, type Pki } from '@mss/trust';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface TestPki {
  pki: Pki;
  /** A second, unrelated CA with the same name (a certificate "of the trust space" it is not). */
  other: Pki;
  forge(options: { emails: string[]; usages: string[] }): Promise<X509Certificate>;
  cleanup(): Promise<void>;
}

export async function testPki(): Promise<TestPki> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mss-access-pki-'));
  const pki = await loadOrCreatePki(path.join(dir, 'ca'));
  const other = await loadOrCreatePki(path.join(dir, 'other'));
  const caKey = createPrivateKey(await fs.readFile(path.join(pki.dir, 'ca', 'ca.key.pem')));
  const signingKey = await webcrypto.subtle.importKey(
    'pkcs8',
    caKey.export({ type: 'pkcs8', format: 'der' }),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
  const ca = new x509.X509Certificate(pki.caCertPem);
  return {
    pki,
    other,
    async forge({ emails, usages }) {
      const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
        'sign',
        'verify',
      ])) as webcrypto.CryptoKeyPair;
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: `01${randomBytes(8).toString('hex')}`,
        subject: 'CN=Forged for tests',
        issuer: ca.subjectName,
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + 86_400_000),
        publicKey: keys.publicKey,
        signingKey,
        signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
        extensions: [
          new x509.ExtendedKeyUsageExtension(usages),
          new x509.SubjectAlternativeNameExtension(emails.map((value) => ({ type: 'email' as const, value }))),
        ],
      });
      return new X509Certificate(cert.toString('pem'));
    },
    cleanup: () => fs.rm(dir, { recursive: true, force: true }),
  };
}

export const x509Of = (pem: string): X509Certificate => new X509Certificate(pem);
