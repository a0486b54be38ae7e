import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { createProgress, describeConfig, type Logger, type MssConfig } from '@mss/runtime';
import { Store } from '@mss/store';
import { seedDemo, seedDirectory, seedSecondOperator, type Persona } from '@mss/seed';
import { randomBytes } from 'node:crypto';
import { createTrustedIssuers } from '@mss/access';
import { startOperator, type OperatorSetup, type RunningOperator } from '@mss/operator';
import type { Pki } from '@mss/trust';
import type { RunningService } from './service.ts';
import { startPscService } from './psc-service.ts';
import { startStructureIdpService, trustedStructures } from './structure-idp-service.ts';
import { franceConnectIssuer, startFranceConnectService } from './franceconnect-service.ts';
import { DEMO_CITIZENS, deferredCitizens } from '@mss/franceconnect';
import { ecpsAccounts } from '@mss/rpps-plus';
import { deferredPscAccounts, startRppsPlusService, withApplicants } from './rpps-plus-service.ts';
import { mesCitizens, mesWeb } from '@mss/mes';
import { PERSONA_PATIENT_CLOSED_INS, PERSONA_PATIENT_INS } from '@mss/seed';
import { startAnnuaireLdap } from './ldap-service.ts';
import { openAnnuaireStore } from './annuaire-store.ts';
import { sandboxFeedKey, sandboxFeedOperators, startAnnuaireHttpService } from './annuaire-http-service.ts';
import { SANDBOX_API_KEY } from '@mss/annuaire';
import { startTrustService } from './trust-service.ts';
import { openSecondOperatorStore, secondOperatorStore } from './second-operator.ts';
import { operatorStore } from './store-location.ts';
import { startMesService, type MesService } from './mes-service.ts';
import { adminPasswordFile } from '../api-client.ts';
import { checkPortsFree } from './ports.ts';

export interface SandboxOptions {
  /** Professionals in the synthetic directory seeded on first start. */
  professionals: number;
  seed: number;
  /** Draw a progress bar while seeding (terminal only). */
  progress: boolean;
}

export interface Sandbox {
  endpoints: Record<string, string>;
  personas: Persona[];
  store: Store;
  stop(): Promise<void>;
}

const SEEDED_MARKER = 'seeded.json';
/** Julie Marie BERNARD, FranceConnect's built-in secretary (story 2). */
const STORY2_APPLICANT = '291077511300725';
/**
 * How often each operator polls the Annuaire's change feed in the sandbox (issue #15): 1 s, so that
 * a situation ended on the RPPS+ portal ends the delegations it supported, and their open
 * sessions, within about a second (a real operator would poll every minute or so: the default).
 */
export const SANDBOX_DIRECTORY_SYNC_INTERVAL_MS = 1000;

/**
 * Starts every service of the trust space in this process, on loopback, after seeding the demo
 * directory the first time a data directory is used. Services start in dependency order and
 * stop in reverse; if one cannot start, those already started are stopped before failing.
 */
export async function startSandbox(config: MssConfig, logger: Logger, options: SandboxOptions): Promise<Sandbox> {
  // What a user can get wrong (a port in use, an unusable data dir or database) is one `mss:`
  // line with nothing before it: checked before the first log line.
  await checkPortsFree(config);
  const store = await Store.open(operatorStore(config));
  logger.info(describeConfig(config));
  let storeB: Store | undefined;
  let annuaireStore: Store | undefined;
  const running: RunningService[] = [];
  const operators: RunningOperator[] = [];
  let mes: MesService | undefined;
  const stopAll = async () => {
    await mes?.stop().catch((err: unknown) => logger.warn({ err, service: 'mes' }, 'stop failed'));
    mes = undefined;
    for (const o of [...operators].reverse()) await o.stop();
    operators.length = 0;
    for (const s of [...running].reverse()) await s.stop().catch((err: unknown) => logger.warn({ err, service: s.key }, 'stop failed'));
    running.length = 0;
    await storeB?.close();
    await annuaireStore?.close();
    await store.close();
  };
  try {
    if (store.migration?.applied.length) logger.info({ applied: store.migration.applied }, 'database migrated');
    const personas = await seedDemo(store, config.operatorDomain);
    const marker = path.join(config.dataDir, SEEDED_MARKER);
    if (!fs.existsSync(marker) && options.professionals > 0) {
      const bar = options.progress ? createProgress('seeding directory', options.professionals) : undefined;
      const summary = await seedDirectory(
        store,
        { seed: options.seed, professionals: options.professionals, operatorDomain: config.operatorDomain },
        (done) => bar?.update(done),
      );
      bar?.finish();
      fs.writeFileSync(marker, `${JSON.stringify({ ...summary, seed: options.seed, at: new Date().toISOString() })}\n`);
      logger.info({ ...summary }, 'synthetic directory seeded');
    }
    // The national directory has its own database, seeded with the same synthetic directory.
    annuaireStore = await openAnnuaireStore(config, logger, {
      professionals: options.professionals,
      seed: options.seed,
      progress: options.progress,
      operatorDomain: config.operatorDomain,
      secondOperatorDomain: config.secondOperatorDomain,
    });
    const endpoints: Record<string, string> = {};
    const info = () => ({ endpoints, personas });
    const add = (service: RunningService) => {
      running.push(service);
      endpoints[service.key] = service.url;
      logger.info({ service: service.key, url: service.url }, 'service listening');
    };
    // Dependency order: the trust space (PKI, whitelist) and PSC first, then the operator's servers.
    const trust = await startTrustService(config, logger);
    add(trust);
    // For TLS clients of the demo (README "Try it"): inside the data dir, not the working directory.
    fs.writeFileSync(caFile(config.dataDir), trust.trust.pki.caCertPem);
    // PSC also knows the secretaries whose e-CPS the RPPS+ portal activated (bound once it runs).
    const pscAccounts = deferredPscAccounts();
    const psc = await startPscService(config, store, logger, pscAccounts);
    add(psc);
    // FranceConnect's citizens are Mon Espace Santé's patients, bound once MES has started.
    const citizens = deferredCitizens();
    add(await startFranceConnectService(config, logger, citizens));
    const structureIdp = await startStructureIdpService(config, store, logger);
    if (structureIdp) add(structureIdp);
    // A short JWKS cooldown: in the sandbox keys are rotated on demand and must be picked up at once.
    // Besides PSC, the operator trusts the configured structures' identity providers, and in the
    // sandbox the hospital persona's (unless the configuration names that structure already).
    const tokenValidator = createTrustedIssuers({
      psc: { issuer: psc.psc.issuer },
      structures: trustedStructures(config, structureIdp?.trust),
      shared: { jwksCooldownSeconds: 1 },
    });
    // The feed reports each change of the directory; the LDAP snapshot follows it at once.
    const directoryChanges = new EventEmitter();
    const annuaireHttp = await startAnnuaireHttpService(
      config,
      annuaireStore,
      sandboxFeedOperators([config.operatorDomain, config.secondOperatorDomain]),
      logger,
      () => directoryChanges.emit('change'),
    );
    add(annuaireHttp);
    add(await startAnnuaireLdap(config, annuaireStore, logger, directoryChanges));
    // The RPPS+ portal writes the Annuaire (its change feed records it) and activates e-CPS for PSC.
    const rppsPlus = await startRppsPlusService(config, logger, annuaireStore, psc.psc.issuer, () => directoryChanges.emit('change'));
    add(rppsPlus);
    pscAccounts.bind(ecpsAccounts(rppsPlus.rppsPlus.portal));
    // Each operator follows the Annuaire's change feed over HTTP (issue #15).
    const directorySync = { url: annuaireHttp.url, apiKey: SANDBOX_API_KEY, intervalMs: SANDBOX_DIRECTORY_SYNC_INTERVAL_MS };
    // Both operators are wired by the operator's own composition root, as `mss serve` wires one.
    const common = {
      host: config.host,
      tokenValidator,
      quotas: config.quotas,
      documentPolicy: config.documentPolicy,
      listeners: config.listeners,
      governance: config.governance,
      directorySync,
      logger,
    };
    const a = await startOperator({
      ...common,
      ...(await sandboxOperatorTrust(trust.trust.pki, trust.url, config.operatorDomain)),
      domain: config.operatorDomain,
      store,
      dataDir: config.dataDir,
      adminPassword: ensureAdminPassword(config.dataDir),
      ports: {
        adminApi: config.ports.adminApi,
        smtpSubmission: config.ports.smtpSubmission,
        imap: config.ports.imap,
        smtpRelay: config.ports.smtpRelay,
      },
      sandboxInfo: info,
      // The webmail (issue #16) on the operator's HTTP server, logging in with PSC's `mss-webmail` client.
      // Recipient suggestions come from the Annuaire stand-in.
      webmail: {
        psc: { issuer: psc.psc.issuer },
        annuaire: { fhir: `${annuaireHttp.url}/fhir/v2`, apiKey: SANDBOX_API_KEY, resolver: `${annuaireHttp.url}/resolve` },
      },
      // A's mailboxes were seeded into the directory. Its declaration (thousands of lines, ~1 ms
      // each for the directory) comes five minutes after start, out of the way of a first demo or
      // test, then daily: it repairs any drift, such as a directory data dir reset.
      directoryFeed: { url: annuaireHttp.url, key: sandboxFeedKey(config.operatorDomain), firstDeclarationAfterMs: 5 * 60_000 },
    });
    operators.push(a);
    const adminUrl = a.services.find((x) => x.key === 'adminApi')!.url;
    // JMAP (RFC 8620) is served by the operator's HTTP server; a client starts from its session resource.
    const aEndpoints = { webmail: `${adminUrl}/webmail`, jmap: `${adminUrl}/.well-known/jmap` };
    // The second operator: its own store and listeners, so that mail between operators is real.
    const dataDirB = secondOperatorStore(config).dataDir;
    storeB = await openSecondOperatorStore(config);
    const personasB = await seedSecondOperator(storeB, config.secondOperatorDomain);
    personas.push(...personasB);
    const b = await startOperator({
      ...common,
      ...(await sandboxOperatorTrust(trust.trust.pki, trust.url, config.secondOperatorDomain)),
      domain: config.secondOperatorDomain,
      store: storeB,
      dataDir: dataDirB,
      adminPassword: ensureAdminPassword(dataDirB),
      ports: {
        adminApi: config.ports.adminApiB,
        smtpSubmission: config.ports.smtpSubmissionB,
        imap: config.ports.imapB,
        smtpRelay: config.ports.smtpRelayB,
      },
      keys: { adminApi: 'adminApiB', smtpSubmission: 'smtpSubmissionB', imap: 'imapB', smtpRelay: 'smtpRelayB' },
      // B declares before the sandbox is ready, so that Anne Lambert's PER is in the directory before anyone looks.
      directoryFeed: { url: annuaireHttp.url, key: sandboxFeedKey(config.secondOperatorDomain), declareAtStart: true },
    });
    operators.push(b);
    // Mon Espace Santé: the third member of the trust space, for the patients (domain reference §8).
    mes = await startMesService(
      config,
      logger,
      { pki: trust.trust.pki, url: trust.url },
      {
        seed: options.seed,
        // The patient web mailbox, with FranceConnect's sandbox client for Mon Espace Santé.
        web: mesWeb({
          franceconnect: { issuer: franceConnectIssuer(config), clientId: 'mes-sandbox', clientSecret: 'mes-sandbox-secret' },
          logger,
          secureCookies: true,
        }),
      },
    );
    // Besides MES's patients, the secretary of story 2, who registers on the RPPS+ portal.
    citizens.bind(
      withApplicants(
        mesCitizens(mes.running.mes, [PERSONA_PATIENT_INS, PERSONA_PATIENT_CLOSED_INS]),
        DEMO_CITIZENS.filter((c) => c.id === STORY2_APPLICANT),
      ),
    );
    // The operators logged their own listeners.
    for (const svc of [...a.services, ...b.services]) endpoints[svc.key] = svc.url;
    Object.assign(endpoints, aEndpoints);
    for (const svc of mes.services) {
      endpoints[svc.key] = svc.url;
      logger.info({ service: svc.key, url: svc.url }, 'service listening');
    }
    return { endpoints, personas, store, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * An operator's place in the sandbox's trust space: a certificate from the test CA naming its
 * domain (that is how peers recognise it; it serves every listener), the CA as trust anchor,
 * and the trust stand-in's whitelist and CRL, refreshed every 5 s (operators register while
 * others run).
 */
async function sandboxOperatorTrust(pki: Pki, trustUrl: string, domain: string): Promise<Pick<OperatorSetup, 'tls' | 'trust'>> {
  const cert = await pki.issueServerCertificate({
    commonName: domain,
    dnsNames: ['localhost', `smtp.${domain}`, `mx.${domain}`, `imap.${domain}`],
    ipAddresses: ['127.0.0.1'],
  });
  return {
    tls: { certPem: cert.certPem, keyPem: cert.keyPem, caPem: pki.caCertPem },
    trust: { whitelistUrl: trustUrl, crlUrl: trustUrl, refreshIntervalMs: 5000 },
  };
}

/** A demo APP mailbox (the lab robot's), to show how its software gets a certificate. */
function appMailbox(sandbox: Sandbox): string | undefined {
  return sandbox.personas.flatMap((p) => p.mailboxes).find((m) => m.startsWith('labo-'));
}

/** The human table printed when the sandbox is ready. */
export function describeSandbox(sandbox: Sandbox): string {
  const lines = ['MSSanté trust space sandbox is running.', '', 'Endpoints:'];
  const w = Math.max(...Object.keys(sandbox.endpoints).map((k) => k.length));
  for (const [k, v] of Object.entries(sandbox.endpoints)) lines.push(`  ${k.padEnd(w)}  ${v}`);
  lines.push('', 'Demo personas:');
  const kw = Math.max(...sandbox.personas.map((p) => p.key.length));
  const nw = Math.max(...sandbox.personas.map((p) => p.name.length));
  for (const p of sandbox.personas)
    lines.push(
      `  ${p.key.padEnd(kw)}  ${p.name.padEnd(nw)}  ${p.idnat.padEnd(15)}  ${p.role}${p.mailboxes.length ? ` — ${p.mailboxes.join(', ')}` : ''}`,
    );
  lines.push(
    '',
    'Operator administrator: user "admin", password in <data-dir>/admin-password (mss … --admin reads it).',
    sandbox.endpoints.trust
      ? `Test CA (IGC-Santé stand-in) for TLS clients: <data-dir>/ca.pem, or ${sandbox.endpoints.trust}/pki/ca.pem`
      : '',
    'Get a token: npx mss psc token --idnat 810000001056    Check it: npx mss access check --token … --mailbox …',
    `APP software certificate (SMTP/IMAP EXTERNAL): npx mss trust issue-app-cert ${appMailbox(sandbox) ?? '<APP mailbox address>'}`,
    sandbox.endpoints.mes
      ? `Mon Espace Santé (patients): ${sandbox.endpoints.mes}    Conversations: npx mss mes conversations 279035121518989`
      : '',
    sandbox.endpoints.rppsPlus
      ? `RPPS+ portal (secretaries, story 2): ${sandbox.endpoints.rppsPlus}    Scripted: npx mss rpps request|validate|end-situation`
      : '',
    sandbox.endpoints.annuaireHttp
      ? `Annuaire FHIR: ${sandbox.endpoints.annuaireHttp}/fhir/v2 (header ESANTE-API-KEY: mss-sandbox-esante-api-key)    Resolve: npx mss annuaire resolve --professional …`
      : '',
    '',
    'Press Ctrl-C to stop.',
  );
  return lines.join('\n');
}

/** The trust space's CA certificate (PEM), written at every start for the demo's TLS clients. */
export function caFile(dataDir: string): string {
  return path.join(dataDir, 'ca.pem');
}

/** The operator administrator's password: generated once per data directory, readable by its owner only. */
function ensureAdminPassword(dataDir: string): string {
  const file = adminPasswordFile(dataDir);
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const password = randomBytes(18).toString('base64url');
  fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}
