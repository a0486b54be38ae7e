import net from 'node:net';
import { listenError, type MssConfig, type ServiceKey } from '@mss/runtime';

/**
 * Tries every port of the trust space before anything is opened, seeded or logged, so that a
 * port in use is the one `mss:` line, naming the service that wanted it (`imapB`, not `imap`).
 * A program that takes a port between this check and the service's own listen is still
 * reported, by that service.
 */
export async function checkPortsFree(config: MssConfig): Promise<void> {
  for (const [key, port] of Object.entries(config.ports) as [ServiceKey, number][]) {
    await new Promise<void>((resolve, reject) => {
      const probe = net.createServer();
      probe.once('error', (err) => reject(listenError(err, key, config.host, port)));
      probe.listen({ port, host: config.host, exclusive: true }, () => probe.close(() => resolve()));
    });
  }
}
