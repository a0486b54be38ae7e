import { lazyCommand, type Command } from './cli.ts';

// Each command's module is imported only when that command runs: the whole graph (the stand-ins,
// the servers, the AWS SDK…) took about 2.5 s of CPU to load for any `mss` call, even `--help`.
// The summaries here are the modules' own (a test checks that they agree). So `mss serve` loads
// its own module and nothing of the stand-ins (apps/cli/test/serve.e2e.test.ts).
export const ROOT: Command = {
  name: 'mss',
  summary: 'mss-operator: an MSSanté operator and local stand-ins of the national services.',
  subcommands: [
    lazyCommand(
      'sandbox',
      'Start the whole trust space on loopback (seeds the demo directory on first start)',
      async () => (await import('./commands/sandbox.ts')).sandboxCommand,
    ),
    lazyCommand(
      'serve',
      'Run one operator from a configuration file (production: no stand-in is started or loaded)',
      async () => (await import('./commands/serve.ts')).serveCommand,
    ),
    lazyCommand(
      'seed',
      'Fill the directory with the demo personas and a deterministic synthetic population',
      async () => (await import('./commands/seed.ts')).seedCommand,
    ),
    lazyCommand(
      'bal',
      'Mailbox governance through the admin API: create, list, search (all, admin), show, close, liste rouge, cotitulaires, transfer, delegations, history',
      async () => (await import('./commands/bal.ts')).balCommand,
    ),
    lazyCommand(
      'cgu',
      'The operator’s terms of use: publish a version (admin), accept it (a person)',
      async () => (await import('./commands/bal.ts')).cguCommand,
    ),
    lazyCommand(
      'psc',
      'The Pro Santé Connect stand-in: tokens for scripts, the simulated e-CPS, key rotation',
      async () => (await import('./commands/psc.ts')).pscCommand,
    ),
    lazyCommand(
      'rpps',
      'The RPPS+ portal for scripts: registration requests, validation by the employer, end of a situation (story 2)',
      async () => (await import('./commands/rpps.ts')).rppsCommand,
    ),
    lazyCommand(
      'structure-idp',
      "The sandbox hospital's own identity provider: tokens for its staff (structure-local identities)",
      async () => (await import('./commands/structure-idp.ts')).structureIdpCommand,
    ),
    lazyCommand('queue', 'The outbound mail queue: list, retry, remove', async () => (await import('./commands/queue.ts')).queueCommand),
    lazyCommand(
      'audit',
      'Read or export the audit trail of access decisions (operator administrator: --admin)',
      async () => (await import('./commands/audit.ts')).auditCommand,
    ),
    lazyCommand(
      'directory',
      "The operator's copy of the Annuaire Santé",
      async () => (await import('./commands/directory.ts')).directoryCommand,
    ),
    lazyCommand(
      'mes',
      'Mon Espace Santé (the patients’ messaging): conversations, messages, send, read',
      async () => (await import('./commands/mes.ts')).mesCommand,
    ),
    lazyCommand(
      'annuaire',
      'The Annuaire Santé stand-in: multi-mailbox resolution',
      async () => (await import('./commands/annuaire.ts')).annuaireCommand,
    ),
    lazyCommand(
      'trust',
      "The trust space's test CA (IGC-Santé stand-in): APP software certificates, revocation",
      async () => (await import('./commands/trust.ts')).trustCommand,
    ),
    lazyCommand(
      'indicators',
      'The Ségur indicators (R-IND-1): messages sent and received per person, mailbox and month',
      async () => (await import('./commands/indicators.ts')).indicatorsCommand,
    ),
    lazyCommand(
      'xdm',
      'IHE_XDM archives of CDA documents: build one, inspect one safely',
      async () => (await import('./commands/xdm.ts')).xdmCommand,
    ),
    lazyCommand('message', 'Messages as the API LPS judges them', async () => (await import('./commands/xdm.ts')).messageCommand),
    lazyCommand(
      'conformance',
      'Test your software against the API LPS: run a scenario, record its exchanges, judge them (HTML and JSON report)',
      async () => (await import('./commands/conformance.ts')).conformanceCommand,
    ),
    {
      name: 'access',
      summary: 'The access decision point, from the command line',
      subcommands: [
        lazyCommand(
          'check',
          'Would this access token open this mailbox? (validation + decision, audited; exit 0 allowed, 1 denied)',
          async () => (await import('./commands/access-check.ts')).accessCheck,
        ),
      ],
    },
    {
      name: 'db',
      summary: 'Database maintenance',
      subcommands: [
        lazyCommand(
          'migrate',
          'Apply pending database migrations (also done automatically at start)',
          async () => (await import('./commands/db.ts')).dbMigrate,
        ),
      ],
    },
    {
      name: 'id',
      summary: 'Identifiers: RPPS, ADELI, IdNat, FINESS, SIRET, INS, MSSanté addresses',
      subcommands: [
        lazyCommand(
          'check',
          'Say which kind of identifier a value is and whether it is valid (exit 0 valid, 1 invalid)',
          async () => (await import('./commands/id-check.ts')).idCheck,
        ),
      ],
    },
  ],
};
