import { Store } from '@mss/store';
import { siblingStore, type StoreLocation } from './store-location.ts';

/** Where the sandbox's second operator keeps its data: beside the first operator's, in `operateur-b`. */
export function secondOperatorStore(config: StoreLocation): StoreLocation {
  return siblingStore(config, 'operateur-b');
}

/** Opens the second operator's store (the sandbox and `mss queue --operator b` alike). */
export function openSecondOperatorStore(config: StoreLocation): Promise<Store> {
  return Store.open(secondOperatorStore(config));
}
