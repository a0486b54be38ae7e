// Every command of `mss`. `mss serve` does not load this module (see main.ts).
import type { Command } from './cli.ts';
import { serveCommand } from './commands/serve.ts';
import { idCheck } from './commands/id-check.ts';
import { dbMigrate } from './commands/db.ts';
import { seedCommand } from './commands/seed.ts';
import { sandboxCommand } from './commands/sandbox.ts';
import { balCommand, cguCommand } from './commands/bal.ts';
import { pscCommand } from './commands/psc.ts';
import { rppsCommand } from './commands/rpps.ts';
import { structureIdpCommand } from './commands/structure-idp.ts';
import { accessCheck } from './commands/access-check.ts';
import { queueCommand } from './commands/queue.ts';
import { auditCommand } from './commands/audit.ts';
import { directoryCommand } from './commands/directory.ts';
import { mesCommand } from './commands/mes.ts';
import { annuaireCommand } from './commands/annuaire.ts';
import { trustCommand } from './commands/trust.ts';
import { indicatorsCommand } from './commands/indicators.ts';
import { messageCommand, xdmCommand } from './commands/xdm.ts';
import { conformanceCommand } from './commands/conformance.ts';

export const ROOT: Command = {
  name: 'mss',
  summary: 'mss-operator: an MSSanté operator and local stand-ins of the national services.',
  subcommands: [
    sandboxCommand,
    serveCommand,
    seedCommand,
    balCommand,
    cguCommand,
    pscCommand,
    rppsCommand,
    structureIdpCommand,
    queueCommand,
    auditCommand,
    directoryCommand,
    mesCommand,
    annuaireCommand,
    trustCommand,
    indicatorsCommand,
    xdmCommand,
    messageCommand,
    conformanceCommand,
    { name: 'access', summary: 'The access decision point, from the command line', subcommands: [accessCheck] },
    { name: 'db', summary: 'Database maintenance', subcommands: [dbMigrate] },
    { name: 'id', summary: 'Identifiers: RPPS, ADELI, IdNat, FINESS, SIRET, INS, MSSanté addresses', subcommands: [idCheck] },
  ],
};
