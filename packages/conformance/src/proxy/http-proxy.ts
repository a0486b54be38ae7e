// A recording reverse proxy for the HTTP services the software calls: the Annuaire's FHIR API
// (and its resolver) and Pro Santé Connect. URLs of the upstream service in answers (Bundle
// `next` links, PSC's discovery endpoints) are rewritten to the proxy so that the client stays
// on it; PSC's `issuer` is left as it is, since tokens carry it. Secrets are redacted when read.

import http from 'node:http';
import type net from 'node:net';
import type { HttpExchange, Recording } from '../recording.ts';
import type { RunningProxy } from './mail-proxy.ts';

const SECRET_FIELDS = new Set([
  'client_secret',
  'refresh_token',
  'code',
  'code_verifier',
  'token',
  'access_token',
  'id_token',
  'client_assertion',
  'password',
]);
const KEPT_RESPONSE_FIELDS = [
  'error',
  'error_description',
  'interval',
  'expires_in',
  'refresh_expires_in',
  'auth_req_id',
  'scope',
  'token_type',
  'total',
];

function redactedForm(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(body)) out[k] = SECRET_FIELDS.has(k) ? '<redacted>' : v;
  return out;
}

export function startHttpProxy(o: {
  channel: 'fhir' | 'psc';
  host: string;
  port: number;
  upstream: string;
  recording: Recording;
}): Promise<RunningProxy> {
  const upstream = new URL(o.upstream).origin;
  const sockets = new Set<net.Socket>();
  let self = '';
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = req.url ?? '/';
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || ['host', 'connection', 'content-length', 'transfer-encoding', 'accept-encoding'].includes(k)) continue;
      headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    }
    const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    const exchange: HttpExchange = {
      at: Date.now(),
      channel: o.channel,
      method: req.method ?? 'GET',
      url,
      headers: {
        apiKey: typeof req.headers['esante-api-key'] === 'string' && req.headers['esante-api-key'] !== '',
        authorization: req.headers.authorization?.split(' ')[0] ?? null,
      },
      form: isForm ? redactedForm(body.toString('utf8')) : null,
      status: 0,
      response: {},
    };
    o.recording.http.push(exchange);
    try {
      const up = await fetch(`${upstream}${url}`, {
        method: req.method ?? 'GET',
        headers,
        redirect: 'manual',
        ...(body.length > 0 && req.method !== 'GET' && req.method !== 'HEAD' ? { body } : {}),
      });
      let payload = Buffer.from(await up.arrayBuffer());
      const type = up.headers.get('content-type') ?? '';
      exchange.status = up.status;
      if (type.includes('json')) {
        const textBody = payload.toString('utf8');
        try {
          const json = JSON.parse(textBody) as Record<string, unknown> & { link?: { relation: string; url: string }[]; issuer?: unknown };
          const summary: Record<string, unknown> = {};
          for (const k of KEPT_RESPONSE_FIELDS) if (json[k] !== undefined) summary[k] = json[k];
          const next = json.link?.find((l) => l.relation === 'next')?.url;
          if (next) summary.next = next.replace(upstream, self);
          exchange.response = summary;
          const issuer = json.issuer;
          const rewritten = JSON.parse(textBody.replaceAll(upstream, self)) as Record<string, unknown>;
          if (issuer !== undefined) rewritten.issuer = issuer;
          payload = Buffer.from(JSON.stringify(rewritten));
        } catch {
          // not JSON after all: passed on as it is
        }
      }
      const out: Record<string, string> = {};
      up.headers.forEach((v, k) => {
        if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive'].includes(k)) out[k] = v;
      });
      const location = up.headers.get('location');
      if (location) out.location = location.replace(upstream, self);
      res.writeHead(up.status, out);
      res.end(payload);
    } catch {
      exchange.status = 502;
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('conformance proxy: upstream unreachable');
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      const port = (server.address() as net.AddressInfo).port;
      self = `http://${o.host}:${port}`;
      resolve({
        url: self,
        port,
        stop: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
