import { MssError } from '@mss/runtime';
import { Store } from '@mss/store';
import type { StoreLocation } from './sandbox/store-location.ts';

/**
 * The store a sandbox made, never a new one: `mss access check` and `mss queue` work on what is
 * there, and a wrong or forgotten --data-dir must not leave an empty store behind.
 */
export async function openExistingStore(where: StoreLocation): Promise<Store> {
  try {
    return await Store.open({ ...where, create: false });
  } catch (err) {
    if (!(err instanceof MssError) || err.code !== 'STORE_MISSING') throw err;
    throw new MssError('STORE_MISSING', `${err.message}: start "mss sandbox" first, or point --data-dir (or --database-url) at its store`, {
      cause: err,
    });
  }
}
