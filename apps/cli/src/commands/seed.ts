import { createProgress, loadConfig } from '@mss/runtime';
import { Store } from '@mss/store';
import { seedDemo, seedDirectory } from '@mss/seed';
import { STORE_OPTIONS, parseIntOption, requireString, type Command } from '../cli.ts';
import { operatorStore } from '../sandbox/store-location.ts';

export const seedCommand: Command = {
  name: 'seed',
  summary: 'Fill the directory with the demo personas and a deterministic synthetic population',
  description:
    'Valid RPPS, FINESS, SIRET and INS; realistic French names, professions, cities; situations d’exercice,\n' +
    'secretaries, PER/ORG/APP/CAB mailboxes, some on liste rouge. Re-running with the same seed adds nothing twice.',
  options: {
    ...STORE_OPTIONS,
    professionals: { type: 'string', description: 'How many professionals to generate', default: '10000', valueName: 'n' },
    seed: { type: 'string', description: 'Seed of the generator (same seed, same directory)', default: '1', valueName: 'n' },
    'operator-domain': {
      type: 'string',
      description: 'Mail domain of the generated mailboxes',
      default: 'operateur-a.mssante.fr',
      valueName: 'domain',
    },
    json: { type: 'boolean', description: 'Print the summary as JSON' },
  },
  async run(ctx) {
    const config = loadConfig({
      dataDir: requireString(ctx, 'data-dir'),
      databaseUrl: requireString(ctx, 'database-url'),
      operatorDomain: requireString(ctx, 'operator-domain'),
    });
    const professionals = parseIntOption(requireString(ctx, 'professionals'), 'professionals', 10_000, 0, 2_000_000);
    const seed = parseIntOption(requireString(ctx, 'seed'), 'seed', 1);
    const store = await Store.open(operatorStore(config));
    try {
      await seedDemo(store, config.operatorDomain);
      const bar = createProgress('seeding', professionals, ctx.stderr);
      const summary = await seedDirectory(store, { seed, professionals, operatorDomain: config.operatorDomain }, (done) =>
        bar.update(done),
      );
      bar.finish();
      const rate = summary.seconds > 0 ? Math.round(professionals / summary.seconds) : professionals;
      if (ctx.values.json)
        ctx.stdout.write(`${JSON.stringify({ ...summary, professionals, seed, database: store.engine, perSecond: rate })}\n`);
      else
        ctx.stdout.write(
          `seeded ${professionals} professionals in ${summary.seconds.toFixed(1)} s (${rate}/s) into ${store.description}: ` +
            `${summary.persons} persons, ${summary.structures} structures, ${summary.situations} situations, ` +
            `${summary.mailboxesCreated} new mailboxes (of ${summary.mailboxes}), ${summary.delegations} delegations\n`,
        );
    } finally {
      await store.close();
    }
    return 0;
  },
};
