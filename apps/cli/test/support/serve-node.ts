// `mss serve` nodes for the topology and fault tests (issue #17): the files a node's
// configuration names (its certificate from the trust stand-in's CA, the CA, an admin password),
// the configuration itself, and the node as a child process, ready once it printed its endpoints.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { RunningTrust } from '@mss/trust';
import { MSS_BIN, exitOf, firstLine, freePortBase } from '../run-mss.ts';

export const ADMIN_PASSWORD = 'a-long-enough-admin-password';

/** Writes operator.pem, operator.key.pem, ca.pem and admin-password in `dir` for `domain`. */
export async function writeOperatorFiles(dir: string, trust: RunningTrust, domain: string): Promise<void> {
  const cert = await trust.pki.issueServerCertificate({ commonName: domain, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  fs.writeFileSync(path.join(dir, 'operator.pem'), cert.certPem);
  fs.writeFileSync(path.join(dir, 'operator.key.pem'), cert.keyPem, { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'ca.pem'), trust.pki.caCertPem);
  fs.writeFileSync(path.join(dir, 'admin-password'), `${ADMIN_PASSWORD}\n`, { mode: 0o600 });
}

export interface NodeConfig {
  domain: string;
  /** Relative to the configuration file's directory (each node its own). */
  dataDir: string;
  /** Omitted: the embedded SQLite in the data directory. */
  databaseUrl?: string | undefined;
  /** Omitted: `mss serve`'s default. */
  drainTimeout?: string;
  trustUrl: string;
  pscIssuer: string;
  /** Five consecutive free ports: admin API, submission, IMAP, relay, operations. */
  base: number;
}

export function nodeToml(c: NodeConfig): string {
  return [
    `domain = "${c.domain}"`,
    'host = "127.0.0.1"',
    `data_dir = "${c.dataDir}"`,
    ...(c.databaseUrl ? [`database_url = "${c.databaseUrl}"`] : []),
    'log_level = "info"',
    ...(c.drainTimeout ? [`drain_timeout = "${c.drainTimeout}"`] : []),
    '',
    '[ports]',
    `admin_api = ${c.base}`,
    `smtp_submission = ${c.base + 1}`,
    `imap = ${c.base + 2}`,
    `smtp_relay = ${c.base + 3}`,
    `operations = ${c.base + 4}`,
    '',
    '[tls]',
    'certificate = "operator.pem"',
    'key = "operator.key.pem"',
    'ca = "ca.pem"',
    '',
    '[trust]',
    `whitelist_url = "${c.trustUrl}/listeblanchemssante.xml"`,
    `crl_url = "${c.trustUrl}/pki/ca.crl"`,
    '',
    '[psc]',
    `issuer = "${c.pscIssuer}"`,
    '',
    '[admin]',
    'password_file = "admin-password"',
    '',
  ].join('\n');
}

export interface ServeNode {
  name: string;
  adminApi: string;
  smtpSubmission: number;
  imap: number;
  operations: string;
  /** Everything the node logged so far (JSON lines), for a failing assertion's message. */
  log(): string;
  /** SIGTERM (drain), then waits for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `mss serve --config <dir>/<name>.toml --json` on free ports; resolves once it is ready. */
export async function startServeNode(o: {
  name: string;
  dir: string;
  config: Omit<NodeConfig, 'base' | 'dataDir'>;
  env?: NodeJS.ProcessEnv;
}): Promise<ServeNode> {
  const base = await freePortBase(5);
  const file = path.join(o.dir, `${o.name}.toml`);
  fs.writeFileSync(file, nodeToml({ drainTimeout: '5s', ...o.config, base, dataDir: `data-${o.name}` }));
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [MSS_BIN, 'serve', '--config', file, '--json'], {
    env: { ...process.env, MSS_DATABASE_URL: '', ...o.env },
  });
  let log = '';
  child.stderr.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const ready = JSON.parse(await firstLine(child)) as { endpoints: Record<string, string> };
  const port = (key: string): number => Number(new URL(ready.endpoints[key]!).port);
  return {
    name: o.name,
    adminApi: ready.endpoints.adminApi!,
    smtpSubmission: port('smtpSubmission'),
    imap: port('imap'),
    operations: ready.endpoints.operations!,
    log: () => log,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = exitOf(child);
      child.kill('SIGTERM');
      return exited;
    },
  };
}
