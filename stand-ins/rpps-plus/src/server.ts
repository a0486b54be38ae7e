// One HTTP listener for the portal: its pages (secretaries through FranceConnect, titulars
// through Pro Santé Connect) and its JSON API, over the portal's own store and the Annuaire.

import http from 'node:http';
import { listenOn, type Logger } from '@mss/runtime';
import type { Store } from '@mss/store';
import type { AnnuaireLink } from './annuaire-link.ts';
import { portalApi } from './api.ts';
import { RppsPlus, type RppsPlusDelays } from './portal.ts';
import { pscBearer } from './psc-bearer.ts';
import { migrateRppsPlus } from './store/index.ts';
import type { RelyingPartySettings } from '@mss/web-kit';
import { portalWeb } from './web/routes.ts';

export interface RppsPlusServerOptions {
  /** The portal's own store (requests, RPPS numbers, steps). */
  store: Store;
  annuaire: AnnuaireLink;
  logger: Logger;
  host: string;
  port: number;
  franceconnect: RelyingPartySettings;
  /** PSC's issuer and the portal's client there; `audience` is what PSC puts in access tokens. */
  psc: RelyingPartySettings & { audience?: string };
  delays?: RppsPlusDelays;
  /** Sandbox: applicants may file and follow requests over the API from this machine (`mss rpps request`). */
  scriptedApplicants?: boolean;
  secureCookies?: boolean;
}

export interface RunningRppsPlus {
  url: string;
  portal: RppsPlus;
  stop(): Promise<void>;
}

export async function startRppsPlus(options: RppsPlusServerOptions): Promise<RunningRppsPlus> {
  const log = options.logger.child({ service: 'rppsPlus' });
  // The portal's own tables beside the store's (idempotent: applied once per database).
  await migrateRppsPlus(options.store);
  const portal = new RppsPlus({
    store: options.store,
    annuaire: options.annuaire,
    logger: options.logger,
    ...(options.delays ? { delays: options.delays } : {}),
  });
  await portal.repairAnnuaire();
  const web = portalWeb(portal, {
    franceconnect: options.franceconnect,
    psc: options.psc,
    logger: options.logger,
    ...(options.secureCookies === undefined ? {} : { secureCookies: options.secureCookies }),
  });
  const api = portalApi(portal, {
    titular: pscBearer({ issuer: options.psc.issuer, audience: options.psc.audience ?? 'mss-operator' }),
    scriptedApplicants: options.scriptedApplicants ?? false,
  });
  const server = http.createServer((req, res) => {
    (async () => {
      if (await api(req, res)) return;
      if (await web(req, res)) return;
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('introuvable\n');
    })().catch((err: unknown) => {
      log.error({ err, path: req.url }, 'rpps-plus: request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('erreur interne\n');
    });
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  const port = await listenOn(server, 'rppsPlus', options.host, options.port);
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  log.info({ url, delays: portal.delays }, 'rpps-plus: listening');
  return {
    url,
    portal,
    async stop() {
      clearInterval(web.sweeper);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
