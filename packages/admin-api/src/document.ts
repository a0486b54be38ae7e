import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AccessControl } from '@mss/access';
import { Governance } from '@mss/governance';
import { silentLogger } from '@mss/runtime';
import { Store } from '@mss/store';
import { buildAdminApi } from './server.ts';

/**
 * The OpenAPI document the admin API serves at /openapi.json, with every route the sandbox
 * serves, built in this process without a socket: clients (the `mss` CLI) generate their types
 * from it. The routes need a store to be built, not to be described: a throw-away SQLite store
 * in a temporary directory serves, whatever MSS_DATABASE_URL says.
 */
export async function adminApiDocument(): Promise<Record<string, unknown>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-openapi-'));
  try {
    const store = await Store.open({ dataDir, databaseUrl: undefined });
    try {
      const access = new AccessControl({ store });
      const governance = new Governance({ store, access, operatorDomains: ['operateur-a.mssante.fr'] });
      const sandboxInfo = () => ({ endpoints: {}, personas: [] });
      const app = await buildAdminApi({
        store,
        logger: silentLogger(),
        operatorDomain: 'operateur-a.mssante.fr',
        governance,
        access,
        sandboxInfo,
        directorySync: { status: async () => ({}) },
      });
      try {
        await app.ready();
        // A plain JSON value, as a client fetching /openapi.json would get it.
        return JSON.parse(JSON.stringify(app.swagger())) as Record<string, unknown>;
      } finally {
        await app.close();
      }
    } finally {
      await store.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
