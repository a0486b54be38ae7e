import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { sandboxEnvironment, type MssEnvironment } from '@mss/client';
import {
  findScenario,
  judgeScenario,
  playSetup,
  ScenarioError,
  shippedScenarios,
  startKit,
  writeReport,
  type KitOptions,
  type Scenario,
  type ScenarioReport,
} from '@mss/conformance';
import { MesError, MonEspaceSante } from '@mss/mes';
import { childEnvironment, createLogger, loadConfig, MssError, silentLogger } from '@mss/runtime';
import { STORE_OPTIONS, parseIntOption, requireString, type Command, type CommandContext } from '../cli.ts';
import { openExistingStore } from '../existing-store.ts';
import { mesStore } from '../sandbox/mes-service.ts';
import { startSandbox } from '../sandbox/sandbox.ts';

const PROXY_PORTS = 5;

/** R-MES-1: the patient may write once the professional's message reached MES; the queue takes a moment. */
async function patientWrites(config: ReturnType<typeof loadConfig>, ins: string, to: string, subject: string, text: string): Promise<void> {
  const store = await openExistingStore(mesStore(config));
  try {
    const mes = new MonEspaceSante({ store, logger: silentLogger() });
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await mes.send(ins, { to, subject, body: text });
        return;
      } catch (err) {
        if (!(err instanceof MesError) || Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } finally {
    await store.close();
  }
}

function waitForEnter(ctx: CommandContext): Promise<void> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin });
    const done = (): void => {
      rl.close();
      resolve();
    };
    rl.once('line', done);
    rl.once('close', done);
    process.once('SIGINT', done);
    ctx.stderr.write('When your software has done every step, press Enter (or Ctrl-C) to judge.\n');
  });
}

function runCommand(command: string, env: Readonly<Record<string, string>>, ctx: CommandContext): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(command, { shell: true, env: childEnvironment(env), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => ctx.stderr.write(`  | ${d.toString().replace(/\n(?=.)/g, '\n  | ')}`));
    child.stderr.on('data', (d: Buffer) => ctx.stderr.write(`  ! ${d.toString().replace(/\n(?=.)/g, '\n  ! ')}`));
    child.once('exit', (code) => resolve(code));
  });
}

function describe(s: Scenario, env: MssEnvironment, file: string): string {
  return [
    `Scenario ${s.id}: ${s.title}`,
    `  as ${s.persona.name} (IdNat ${s.persona.idnat}), mailbox ${s.persona.mailbox}`,
    ...s.steps.map((step, i) => `  ${i + 1}. ${step}`),
    'Point your software at the kit (every exchange is recorded, tokens withheld):',
    `  PSC issuer      ${env.pscIssuer}   (client mss-lps-sandbox / mss-lps-sandbox-secret)`,
    `  SMTP submission ${env.smtp}   (STARTTLS)`,
    `  IMAP            ${env.imap}   (STARTTLS)`,
    `  LDAP            ${env.ldap}`,
    `  FHIR            ${env.fhir}   (ESANTE-API-KEY: ${env.fhirApiKey})`,
    `  CA certificate  the "ca" field of ${file}`,
    `  MSS_ENVIRONMENT=${file}   (read by @mss/client's environmentFromEnv)`,
    '',
  ].join('\n');
}

export const conformanceCommand: Command = {
  name: 'conformance',
  summary: 'Test your software against the API LPS: run a scenario, record its exchanges, judge them (HTML and JSON report)',
  description:
    'Starts the trust space, puts recording proxies in front of PSC, the Annuaire (FHIR, LDAP) and the operator (SMTP, IMAP), plays the ' +
    "scenario's setup, then either runs --run <command> or waits for you to do the steps with your software. Exit 0 when every " +
    'requirement and expectation holds, 1 otherwise. Scenarios: send-discharge-letter, cab-cotitulaire, reply-to-patient, delegated-mailbox, ' +
    'or a scenario file (see docs/conformance.md).',
  options: {
    ...STORE_OPTIONS,
    scenario: {
      type: 'string',
      description: 'A shipped scenario id or a scenario file (.json)',
      default: 'send-discharge-letter',
      valueName: 'id|file',
    },
    list: { type: 'boolean', description: 'List the shipped scenarios and exit' },
    run: {
      type: 'string',
      description: 'Run this shell command as the software under test (MSS_ENVIRONMENT, LPS_IDNAT, LPS_MAILBOX set)',
      valueName: 'command',
    },
    'report-dir': {
      type: 'string',
      description: 'Where to write report.json and the HTML pages',
      default: './conformance-report',
      valueName: 'dir',
    },
    'port-base': { type: 'string', description: 'First port of the sandbox (as mss sandbox)', valueName: 'port' },
    'proxy-port-base': {
      type: 'string',
      description: 'First of 5 ports of the kit: PSC, FHIR, SMTP, IMAP, LDAP',
      default: '--port-base + 15, else 20000',
      valueName: 'port',
    },
    professionals: {
      type: 'string',
      description: 'Size of the synthetic directory seeded on first start',
      default: '2000',
      valueName: 'n',
    },
    'log-level': { type: 'string', description: 'Log level of the trust space (stderr)', default: 'warn', valueName: 'level' },
  },
  async run(ctx) {
    if (ctx.values.list) {
      for (const s of shippedScenarios()) ctx.stdout.write(`${s.id.padEnd(24)} ${s.title}\n`);
      return 0;
    }
    let scenario: Scenario;
    try {
      scenario = findScenario(requireString(ctx, 'scenario') ?? 'send-discharge-letter');
    } catch (err) {
      if (err instanceof ScenarioError) throw new MssError('USAGE', err.message, { exitCode: 2 });
      throw err;
    }
    const portBase = requireString(ctx, 'port-base');
    const config = loadConfig({
      dataDir: requireString(ctx, 'data-dir'),
      databaseUrl: requireString(ctx, 'database-url'),
      portBase,
      logLevel: requireString(ctx, 'log-level') ?? 'warn',
    });
    const proxyBaseRaw = requireString(ctx, 'proxy-port-base');
    const proxyBase =
      proxyBaseRaw !== undefined
        ? parseIntOption(proxyBaseRaw, 'proxy-port-base', 0, 1, 65535 - PROXY_PORTS)
        : portBase !== undefined
          ? Number(portBase) + 15
          : 20_000;
    const reportDir = path.resolve(requireString(ctx, 'report-dir') ?? './conformance-report');
    const logger = createLogger({ level: config.logLevel });
    const sandbox = await startSandbox(config, logger, {
      professionals: parseIntOption(requireString(ctx, 'professionals'), 'professionals', 2000, 0, 2_000_000),
      seed: 1,
      progress: false,
    });
    let report: ScenarioReport;
    try {
      const upstream = sandboxEnvironment({ dataDir: config.dataDir, host: config.host, ...(portBase ? { portBase } : {}) });
      const upstreamB: MssEnvironment = {
        ...upstream,
        smtp: sandbox.endpoints.smtpSubmissionB ?? upstream.smtp,
        imap: sandbox.endpoints.imapB ?? upstream.imap,
      };
      const servers = path.join(config.dataDir, 'trust', 'pki', 'servers');
      const kitOptions: KitOptions = {
        upstream,
        upstreamB,
        tls: {
          cert: readFileSync(path.join(servers, `${config.operatorDomain}.pem`), 'utf8'),
          key: readFileSync(path.join(servers, `${config.operatorDomain}.key.pem`), 'utf8'),
          ca: upstream.ca ?? '',
        },
        host: config.host,
        portBase: proxyBase,
        hooks: { patientWrites: (ins, to, subject, text) => patientWrites(config, ins, to, subject, text) },
      };
      const kit = await startKit(kitOptions);
      try {
        mkdirSync(reportDir, { recursive: true });
        const envFile = path.join(reportDir, 'environment.json');
        writeFileSync(envFile, `${JSON.stringify(kit.environment, null, 2)}\n`);
        const setup = await playSetup(kitOptions, scenario);
        ctx.stderr.write(describe(scenario, kit.environment, envFile));
        const command = requireString(ctx, 'run');
        let run: ScenarioReport['run'] = null;
        if (command) {
          const exitCode = await runCommand(
            command,
            {
              MSS_ENVIRONMENT: envFile,
              LPS_IDNAT: scenario.persona.idnat,
              LPS_MAILBOX: scenario.persona.mailbox,
              MSS_ECPS_AUTO_APPROVE: '1',
            },
            ctx,
          );
          run = { command, exitCode };
        } else {
          await waitForEnter(ctx);
        }
        await setup.stop();
        report = await judgeScenario(kit, scenario, run);
      } finally {
        await kit.stop();
      }
    } finally {
      await sandbox.stop();
    }
    const index = await writeReport(reportDir, [report]);
    for (const e of report.expectations) ctx.stdout.write(`${e.status.padEnd(12)} expect   ${e.title}\n`);
    for (const r of report.requirements)
      ctx.stdout.write(`${r.status.padEnd(12)} ${r.id.padEnd(8)} ${r.title}${r.status === 'fail' ? ` — ${r.detail}` : ''}\n`);
    ctx.stdout.write(`${report.passed ? 'PASSED' : `FAILED: ${report.failed.join(', ')}`} — report: ${index}\n`);
    logger.flush();
    return report.passed ? 0 : 1;
  },
};
