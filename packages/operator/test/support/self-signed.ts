import { execFileSync } from 'node:child_process';

/**
 * A self-signed P-256 certificate for `cn`, made by OpenSSL (an independent tool), written in
 * `dir` as `certFile` and `keyFile`: it stands for an operator's certificate and trust anchor.
 */
export function selfSigned(dir: string, cn: string, certFile: string, keyFile: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${cn}`,
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { cwd: dir, stdio: 'ignore', env: { ...process.env, OPENSSL_CONF: '/dev/null' } },
  );
}
