/**
 * `npm run bench`: runs every benchmark and prints TSV lines with rates and the ratio against the
 * peer measured in the same run (ratio > 1: we are faster). Select with BENCH=seed,…
 */
import { runSeedBench } from './seed.bench.ts';
import { runTokenBench } from './token.bench.ts';
import { runImapBench } from './imap.bench.ts';
import { runSmtpBench } from './smtp.bench.ts';
import { runLdapBench } from './ldap.bench.ts';
import { runFhirBench } from './fhir.bench.ts';
import { runOperatorBench } from './operator.bench.ts';
import { runJmapBench } from './jmap.bench.ts';

const ALL: Record<string, () => Promise<string[]>> = {
  seed: runSeedBench,
  token: runTokenBench,
  imap: runImapBench,
  smtp: runSmtpBench,
  ldap: runLdapBench,
  fhir: runFhirBench,
  operator: runOperatorBench,
  jmap: runJmapBench,
};
const wanted = (process.env.BENCH ?? Object.keys(ALL).join(',')).split(',').filter(Boolean);
for (const name of wanted) {
  const bench = ALL[name];
  if (!bench) {
    process.stderr.write(`bench: unknown benchmark "${name}" (known: ${Object.keys(ALL).join(', ')})\n`);
    process.exitCode = 2;
    continue;
  }
  for (const line of await bench()) process.stdout.write(`${line}\n`);
}
