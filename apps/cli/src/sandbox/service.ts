import type { ServiceKey } from '@mss/runtime';

/** One listening part of the trust space, as the sandbox supervises it. */
export interface RunningService {
  key: ServiceKey;
  url: string;
  stop(): Promise<void>;
}
