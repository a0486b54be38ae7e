// The patient web mailbox as the browser tests meet it: a seeded MES over a real store (SQLite,
// or PostgreSQL with MSS_DATABASE_URL), the FranceConnect stand-in whose citizens are MES's
// patients, and the web pages on an HTTP listener of their own. A professional's message enters
// as MES's relay stores it: deliverLocally with recordInbound in the delivery transaction.

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { NO_DOCUMENTS } from '@mss/domain';
import { startFranceConnect, type RunningFranceConnect } from '@mss/franceconnect';
import { mssHeaders, parseMessage } from '@mss/mime';
import { silentLogger } from '@mss/runtime';
import { PERSONA_PATIENT_CLOSED_INS, PERSONA_PATIENT_INS } from '@mss/seed';
import { deliverLocally } from '@mss/smtp';
import { ingestMessage, type Store } from '@mss/store';
import { openTestStore } from '@mss/store/testing';
import { MonEspaceSante, mesCitizens, mesWeb, seedMes } from '../src/index.ts';

export const PATIENT = PERSONA_PATIENT_INS;
export const PATIENT_ADDRESS = `${PATIENT}@patient.mssante.fr`;

export interface WebMailbox {
  store: Store;
  mes: MonEspaceSante;
  fc: RunningFranceConnect;
  url: string;
  /** A professional's message arrives for the demo patient; returns its id in MES. */
  arrives(raw: string): Promise<number>;
  close(): Promise<void>;
}

export async function startWebMailbox(options: { maxAttachmentBytes?: number } = {}): Promise<WebMailbox> {
  const { store, cleanup } = await openTestStore();
  await seedMes(store, { patients: 20, seed: 7 });
  const logger = silentLogger();
  const mes = new MonEspaceSante({ store, logger, queue: { poke: () => {} }, ...options });
  const fcDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-mes-fc-'));
  const fc = await startFranceConnect({
    logger,
    host: '127.0.0.1',
    port: 0,
    dataDir: fcDir,
    citizens: mesCitizens(mes, [PATIENT, PERSONA_PATIENT_CLOSED_INS]),
  });
  const handler = mesWeb({
    franceconnect: { issuer: fc.issuer, clientId: 'mes-sandbox', clientSecret: 'mes-sandbox-secret' },
    logger,
  })(mes);
  const server = http.createServer((req, res) => {
    Promise.resolve(handler(req, res))
      .then((answered) => {
        if (!answered) res.writeHead(404).end();
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const arrives = async (text: string): Promise<number> => {
    const raw = Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8');
    const data = ingestMessage(raw);
    const blob = await store.blobs.put(raw);
    const box = await store.mailboxes.byAddress(PATIENT_ADDRESS);
    if (!box) throw new Error('no mailbox for the demo patient');
    const head = raw.subarray(0, raw.indexOf('\r\n\r\n') + 4);
    const sender = /^From:.*<([^>]+)>/im.exec(text)?.[1] ?? '';
    let id = 0;
    await deliverLocally(store, {
      message: { blob, data, receivedAt: new Date(), authorIdnat: null },
      recipients: [{ mailboxId: box.id, address: box.address }],
      counted: { ref: 'web-test', receivedAt: new Date(), documents: NO_DOCUMENTS, fromMes: false },
      async also(tx, { copies }) {
        id = copies[0]?.messageId ?? 0;
        await mes.recordInbound(tx, {
          sender,
          peer: { operator: 'Operateur A', operatorDomain: 'operateur-a.mssante.fr' },
          copies,
          head,
          mss: mssHeaders(parseMessage(head)),
        });
      },
    });
    return id;
  };

  return {
    store,
    mes,
    fc,
    url,
    arrives,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await fc.stop();
      fs.rmSync(fcDir, { recursive: true, force: true });
      await cleanup();
    },
  };
}
