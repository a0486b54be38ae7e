// The portal's JSON API, for scripted use (`mss rpps`) and tests. Titulars act with a Pro Santé
// Connect access token; the applicant's side has no non-browser FranceConnect flow, so the
// sandbox opens it without authentication when `scriptedApplicants` is set (loopback only).
// Refusals are application/problem+json (RFC 9457) with the portal's codes (docs/problems.md).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { isLoopbackAddress } from '@mss/runtime';
import { RppsPlusError } from './errors.ts';
import { identityKey, type Applicant, type RegistrationKind, type RppsPlus } from './portal.ts';
import type { RppsPlusRequestRow } from './store/index.ts';

export const API_BASE = '/api/v1';
export const PROBLEM_BASE = '/problems/rpps-plus';
const BODY_LIMIT = 16 * 1024;

export interface PortalApiOptions {
  /** Verifies a titular's bearer token and returns their IdNat. */
  titular: (authorization: string | undefined) => Promise<string>;
  /** Sandbox: applicants may file and follow requests over the API from this machine. */
  scriptedApplicants: boolean;
}

function json(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
  return true;
}

export function problem(res: ServerResponse, err: RppsPlusError): true {
  res.writeHead(err.status, {
    'content-type': 'application/problem+json; charset=utf-8',
    'cache-control': 'no-store',
    ...(err.code === 'unauthenticated' ? { 'www-authenticate': 'Bearer realm="rpps-plus"' } : {}),
  });
  res.end(JSON.stringify({ type: `${PROBLEM_BASE}/${err.code}`, title: err.code, status: err.status, detail: err.message }));
  return true;
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) throw new RppsPlusError('invalid-input', `Corps de requête trop grand (${BODY_LIMIT} octets au plus).`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new RppsPlusError('invalid-input', 'Le corps de la requête doit être un objet JSON.');
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function applicantOf(b: Record<string, unknown>): Applicant {
  return {
    civility: str(b.civility),
    lastName: str(b.lastName),
    firstNames: str(b.firstNames),
    birthDate: str(b.birthDate),
    email: str(b.email),
    phone: str(b.phone),
  };
}

function kindOf(v: unknown): RegistrationKind {
  if (v === undefined || v === 'SECRETARY') return 'SECRETARY';
  if (v === 'MEDICAL_ASSISTANT') return 'MEDICAL_ASSISTANT';
  throw new RppsPlusError('invalid-input', 'kind doit valoir SECRETARY ou MEDICAL_ASSISTANT.');
}

/** What the titular (and the API) sees of a request. */
export function requestJson(r: RppsPlusRequestRow & { events?: unknown }): Record<string, unknown> {
  return {
    id: r.id,
    status: r.status,
    origin: r.origin,
    kind: r.kind,
    civility: r.civility,
    lastName: r.last_name,
    firstNames: r.first_names,
    birthDate: r.birth_date,
    employer: r.employer_idnat,
    practice: r.employer_situation_id,
    practiceName: r.practice_name,
    createdAt: r.created_at,
    decidedAt: r.decided_at,
    decidedBy: r.decided_by,
    refusalReason: r.refusal_reason,
    idnat: r.person_idnat,
    rpps: r.person_idnat?.slice(1) ?? null,
    situation: r.situation_id,
    rppsNoticeAt: r.rpps_notice_at,
    ecpsRequestedAt: r.ecps_requested_at,
    ecpsActiveAt: r.ecps_active_at,
    endDate: r.end_date,
    ...(r.events ? { events: r.events } : {}),
  };
}

export function portalApi(portal: RppsPlus, options: PortalApiOptions) {
  const scripted = (req: IncomingMessage) => {
    if (!options.scriptedApplicants || !isLoopbackAddress(req.socket.remoteAddress))
      throw new RppsPlusError('unauthenticated', 'Les demandes se déposent sur le portail, après une connexion FranceConnect.');
  };

  const routes = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const method = req.method ?? 'GET';
    const path = url.pathname.slice(API_BASE.length);

    if (path === '/professionnels' && method === 'GET') {
      const found = await portal.findProfessionals(url.searchParams.get('q') ?? '');
      return json(
        res,
        200,
        found.map((p) => ({
          idnat: p.person.idnat,
          rpps: p.person.rpps,
          lastName: p.person.last_name,
          firstName: p.person.first_name,
          profession: p.person.profession_label,
          practices: p.practices.map((s) => ({
            id: s.id,
            name: s.practice_name,
            street: s.street,
            postalCode: s.postal_code,
            city: s.city,
          })),
        })),
      );
    }
    if (path === '/demandes' && method === 'POST') {
      scripted(req);
      const b = await body(req);
      const applicant = applicantOf(b);
      const r = await portal.submit(
        identityKey(applicant),
        applicant,
        { kind: kindOf(b.kind), employer: str(b.employer), practice: str(b.practice) || undefined },
        `api:${applicant.firstNames} ${applicant.lastName}`.trim(),
      );
      return json(res, 201, portal.applicantView(r));
    }
    const one = /^\/demandes\/(\d{1,12})(?:\/(validation|refus|fin|activation-ecps))?$/.exec(path);
    if (one) {
      const id = Number(one[1]);
      if (one[2] === undefined && method === 'GET') {
        // The titular sees everything; the scripted applicant what she would see on her page.
        if (req.headers.authorization) {
          const idnat = await options.titular(req.headers.authorization);
          const r = (await portal.titularRequests(idnat)).find((x) => x.id === id);
          if (!r) throw new RppsPlusError('no-such-request', `Aucune demande n° ${id} ne vous est adressée.`);
          return json(res, 200, requestJson(r));
        }
        scripted(req);
        return json(res, 200, portal.applicantView(await portal.request(id)));
      }
      if (one[2] === 'activation-ecps' && method === 'POST') {
        scripted(req);
        const r = await portal.request(id);
        await portal.activateEcps(r.applicant_sub ?? '', id, `api:${r.first_names} ${r.last_name}`);
        return json(res, 200, portal.applicantView(await portal.request(id)));
      }
      if (method === 'POST' && one[2] !== undefined) {
        const idnat = await options.titular(req.headers.authorization);
        const b = await body(req);
        const r =
          one[2] === 'validation'
            ? await portal.validate(idnat, id)
            : one[2] === 'refus'
              ? await portal.refuse(idnat, id, str(b.reason))
              : await portal.endSituation(idnat, id, str(b.endDate) || undefined);
        return json(res, 200, requestJson(r));
      }
    }
    if (path === '/titulaire/demandes' && method === 'GET') {
      const idnat = await options.titular(req.headers.authorization);
      return json(res, 200, (await portal.titularRequests(idnat)).map(requestJson));
    }
    if (path === '/titulaire/personnes' && method === 'POST') {
      const idnat = await options.titular(req.headers.authorization);
      const b = await body(req);
      const r = await portal.enter(idnat, applicantOf(b), { kind: kindOf(b.kind), practice: str(b.practice) || undefined });
      return json(res, 201, requestJson(r));
    }
    return false;
  };

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://rpps-plus.invalid');
    if (!url.pathname.startsWith(`${API_BASE}/`)) return false;
    try {
      return await routes(req, res, url);
    } catch (err) {
      if (err instanceof RppsPlusError) return problem(res, err);
      throw err;
    }
  };
}
