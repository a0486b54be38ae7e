// A FHIR search thread: its own connection to the Annuaire's store (read only in practice), the
// same search code as the main thread. The main thread keeps HTTP, the feed and everything
// else; several of these let searches use several cores (SQLite work is synchronous).

import { parentPort, workerData } from 'node:worker_threads';
import { Store } from '@mss/store';
import { StoreDirectoryData } from '../directory/data.ts';
import { FhirError } from '../fhir/outcome.ts';
import { search, type SearchableType } from '../fhir/search.ts';
import type { SearchReply, SearchRequest, SearchWorkerData } from './search-workers.ts';

const port = parentPort!;
const { dataDir, databaseUrl, pgPoolSize } = workerData as SearchWorkerData;
// Searches only read: no thread of its own for committing message bodies, no LISTEN connection.
const store = await Store.open({ dataDir, databaseUrl, pgPoolSize, blobWorkers: 0, migrate: false, crossProcessEvents: false });
const data = new StoreDirectoryData(store);

port.on('message', (m: SearchRequest | 'close') => {
  if (m === 'close') {
    void store.close().finally(() => port.close());
    return;
  }
  const reply = (r: SearchReply) => port.postMessage(r);
  search({ data, base: m.base, now: () => new Date(m.now) }, m.type as SearchableType, new URLSearchParams(m.params)).then(
    (body) => reply({ id: m.id, json: JSON.stringify(body) }),
    (err: unknown) =>
      reply(
        err instanceof FhirError
          ? { id: m.id, fhir: { status: err.status, code: err.code, message: err.message, headers: err.headers } }
          : { id: m.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) },
      ),
  );
});
port.postMessage({ ready: true });
