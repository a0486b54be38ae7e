// `mss trust`: the sandbox's test CA (the IGC-Santé stand-in) from the command line — a vendor's
// APP software gets a certificate and key to authenticate with (SASL EXTERNAL on submission and
// IMAP), and the CA can revoke one. Both work on the PKI's files in the data directory, with or
// without a running sandbox: the trust stand-in reads the revocation list at each CRL request,
// and the operators fetch the CRL every few seconds.

import fs from 'node:fs/promises';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { MssError, loadConfig } from '@mss/runtime';
import { REVOCATION_REASONS, loadOrCreatePki, normaliseSerial, type Pki, type RevocationReason } from '@mss/trust';
import { parseIntOption, requireString, type Command, type CommandContext, type OptionSpec } from '../cli.ts';

const DATA_DIR_OPTION: Record<string, OptionSpec> = {
  'data-dir': {
    type: 'string',
    description: 'Data directory of the sandbox (its test CA is in <data-dir>/trust/pki)',
    default: './.mss-data (or MSS_DATA_DIR)',
    valueName: 'dir',
  },
};

/** The sandbox's test CA; created if absent only when `create` (issuing), never to revoke. */
async function openPki(ctx: CommandContext, create: boolean): Promise<{ pki: Pki; dataDir: string }> {
  const { dataDir } = loadConfig({ dataDir: requireString(ctx, 'data-dir') });
  const dir = path.join(dataDir, 'trust', 'pki');
  if (!create && !(await fs.stat(path.join(dir, 'ca', 'ca.pem')).catch(() => undefined))) {
    throw new MssError('TRUST_NO_CA', `there is no test CA in ${dir}: start "mss sandbox" (or give its --data-dir) first`);
  }
  return { pki: await loadOrCreatePki(dir), dataDir };
}

function oneArg(ctx: CommandContext, what: string): string {
  const v = ctx.positionals[0];
  if (v === undefined || ctx.positionals.length > 1) throw new MssError('USAGE', `give exactly one <${what}>`, { exitCode: 2 });
  return v;
}

const issueAppCert: Command = {
  name: 'issue-app-cert',
  summary: "Issue an APP mailbox's software certificate and key (TLS client certificate for AUTH EXTERNAL)",
  args: '<address>',
  description: [
    'The certificate names the APP mailbox in its subject alternative name (rfc822Name); SMTP submission and',
    'IMAP open that mailbox with it after STARTTLS and AUTH EXTERNAL. Asking again returns the same certificate',
    'while it is valid and not revoked. Example:',
    '  npx mss trust issue-app-cert labo-resultats.ch-lilas@operateur-a.mssante.fr',
  ].join('\n'),
  options: {
    ...DATA_DIR_OPTION,
    out: {
      type: 'string',
      description: 'Directory to write <address>.pem, <address>.key.pem and ca.pem to',
      default: '<data-dir>/app-certs',
      valueName: 'dir',
    },
    name: { type: 'string', description: 'Name of the software (certificate common name)', default: 'APP <address>', valueName: 'text' },
    days: { type: 'string', description: 'Validity in days (1-3650)', default: '365', valueName: 'n' },
    json: { type: 'boolean', description: 'Print one JSON object instead of lines' },
  },
  async run(ctx) {
    const address = oneArg(ctx, 'address').trim().toLowerCase();
    const days = parseIntOption(requireString(ctx, 'days'), 'days', 365, 1, 3650);
    const { pki, dataDir } = await openPki(ctx, true);
    const commonName = (requireString(ctx, 'name') ?? `APP ${address}`).slice(0, 64);
    const issued = await pki.issueClientCertificate({ commonName, kind: 'app', mailbox: address, days });
    const out = path.resolve(requireString(ctx, 'out') ?? path.join(dataDir, 'app-certs'));
    await fs.mkdir(out, { recursive: true, mode: 0o700 });
    const files = {
      certificate: path.join(out, `${address}.pem`),
      key: path.join(out, `${address}.key.pem`),
      ca: path.join(out, 'ca.pem'),
    };
    await writePrivate(files.key, issued.keyPem);
    await fs.writeFile(files.certificate, issued.certPem);
    await fs.writeFile(files.ca, pki.caCertPem);
    const info = pki.describe(issued.certPem);
    const summary = {
      mailbox: address,
      serial: normaliseSerial(info.serialNumber) ?? info.serialNumber,
      notAfter: info.notAfter.toISOString(),
      ...files,
    };
    if (ctx.values.json) ctx.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      ctx.stdout.write(
        [
          `certificate  ${files.certificate}`,
          `key          ${files.key}`,
          `ca           ${files.ca}`,
          `mailbox      ${address}`,
          `serial       ${summary.serial}`,
          `valid until  ${summary.notAfter}`,
          '',
        ].join('\n'),
      );
    }
    return 0;
  },
};

/** The key file is the software's secret: created 0600, never readable by others even briefly. */
async function writePrivate(file: string, content: string): Promise<void> {
  await fs.rm(file, { force: true });
  await fs.writeFile(file, content, { mode: 0o600, flag: 'wx' });
}

const revoke: Command = {
  name: 'revoke',
  summary: "Revoke a certificate of the test CA (it is listed in the CA's CRL; operators refuse it)",
  args: '<serial | certificate.pem>',
  description: [
    'Give the serial (hexadecimal, as "issue-app-cert" or "openssl x509 -serial" prints it) or the certificate file.',
    "The trust stand-in publishes it in its CRL (/pki/ca.crl) at once; the sandbox's operators fetch the CRL every",
    '5 seconds, then refuse the certificate and end the sessions it opened.',
  ].join('\n'),
  options: {
    ...DATA_DIR_OPTION,
    reason: { type: 'string', description: `Reason code: ${REVOCATION_REASONS.join(', ')}`, default: 'unspecified', valueName: 'reason' },
  },
  async run(ctx) {
    const target = oneArg(ctx, 'serial | certificate.pem');
    const reason = (requireString(ctx, 'reason') ?? 'unspecified') as RevocationReason;
    if (!REVOCATION_REASONS.includes(reason))
      throw new MssError('USAGE', `--reason: "${reason}" is not one of ${REVOCATION_REASONS.join(', ')}`, { exitCode: 2 });
    const serial = await serialOf(target);
    const { pki } = await openPki(ctx, false);
    const r = await pki.revoke(serial, reason);
    ctx.stdout.write(
      r.created
        ? `revoked ${r.entry.serial} (${r.entry.reason}) at ${r.entry.revokedAt}\n`
        : `${r.entry.serial} was already revoked (${r.entry.reason}) at ${r.entry.revokedAt}\n`,
    );
    return 0;
  },
};

/** A serial given as such, or read from a certificate file. */
async function serialOf(target: string): Promise<string> {
  const asSerial = /[./]/.test(target) ? undefined : normaliseSerial(target);
  if (asSerial) return asSerial;
  let pem: string;
  try {
    pem = await fs.readFile(target, 'utf8');
  } catch {
    throw new MssError('USAGE', `"${target}" is neither a serial number (hexadecimal) nor a readable certificate file`, { exitCode: 2 });
  }
  try {
    return new X509Certificate(pem).serialNumber;
  } catch {
    throw new MssError('USAGE', `${target} is not a PEM certificate`, { exitCode: 2 });
  }
}

export const trustCommand: Command = {
  name: 'trust',
  summary: "The trust space's test CA (IGC-Santé stand-in): APP software certificates, revocation",
  subcommands: [issueAppCert, revoke],
};
