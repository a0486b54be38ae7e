import { loadConfig } from '@mss/runtime';
import { Store } from '@mss/store';
import { STORE_OPTIONS, requireString, type Command } from '../cli.ts';
import { operatorStore } from '../sandbox/store-location.ts';

export const dbMigrate: Command = {
  name: 'migrate',
  summary: 'Apply pending database migrations (also done automatically at start)',
  options: { ...STORE_OPTIONS },
  async run(ctx) {
    const config = loadConfig({ dataDir: requireString(ctx, 'data-dir'), databaseUrl: requireString(ctx, 'database-url') });
    const store = await Store.open({ ...operatorStore(config), migrate: false });
    try {
      const report = await store.migrate();
      ctx.stdout.write(
        report.applied.length > 0
          ? `applied ${report.applied.length} migration(s) to ${store.description}: ${report.applied.join(', ')}\n`
          : `${store.description} is up to date (${report.current ?? 'no migrations'})\n`,
      );
    } finally {
      await store.close();
    }
    return 0;
  },
};
