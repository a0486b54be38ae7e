// The kit around the sandbox: recording proxies in front of the services the software under test
// uses (PSC, the Annuaire's HTTP API and LDAP, the operator's submission and IMAP), a scenario's
// setup played with @mss/client against the services themselves, and the judgement at the end.

import { readFile } from 'node:fs/promises';
import { approveOnSandboxEcps, type MailboxHandle, MssClient, type MssEnvironment } from '@mss/client';
import { SAMPLE_DOCUMENTS } from '@mss/xdm';
import { type ExpectationResult, judgeExpectations } from './expectations.ts';
import { startHttpProxy } from './proxy/http-proxy.ts';
import { startLdapProxy } from './proxy/ldap-proxy.ts';
import { type RunningProxy, startMailProxy } from './proxy/mail-proxy.ts';
import { Recording } from './recording.ts';
import { judge, type RequirementResult } from './requirements.ts';
import type { Actor, Scenario } from './scenario.ts';

export interface KitOptions {
  /** Operator A as the software would reach it without the kit. */
  readonly upstream: MssEnvironment;
  /** Operator B (for setup actions of actors there). */
  readonly upstreamB: MssEnvironment;
  /** Operator A's TLS certificate and key, presented by the proxies after STARTTLS. */
  readonly tls: { readonly cert: string; readonly key: string; readonly ca: string };
  readonly host: string;
  /** First of 5 consecutive ports (PSC, Annuaire HTTP, submission, IMAP, LDAP); 0: any free ports. */
  readonly portBase: number;
  /** What only the sandbox's process can do (a patient writing from Mon Espace Santé). */
  readonly hooks?: { patientWrites?(ins: string, to: string, subject: string, text: string): Promise<void> };
}

export interface Kit {
  /** What to give the software under test: every service through the kit. */
  readonly environment: MssEnvironment;
  readonly recording: Recording;
  stop(): Promise<void>;
}

const PSC_SANDBOX_CLIENT = { clientId: 'mss-lps-sandbox', clientSecret: 'mss-lps-sandbox-secret' };

const hostPort = (url: string): { host: string; port: number } => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
};

export async function startKit(o: KitOptions): Promise<Kit> {
  const recording = new Recording();
  const port = (i: number): number => (o.portBase === 0 ? 0 : o.portBase + i);
  const proxies: RunningProxy[] = [];
  try {
    const psc = await startHttpProxy({ channel: 'psc', host: o.host, port: port(0), upstream: o.upstream.pscIssuer, recording });
    proxies.push(psc);
    const fhir = await startHttpProxy({ channel: 'fhir', host: o.host, port: port(1), upstream: o.upstream.fhir, recording });
    proxies.push(fhir);
    const common = { host: o.host, recording, cert: o.tls.cert, key: o.tls.key, ca: o.tls.ca };
    const smtp = await startMailProxy({ ...common, channel: 'smtp', port: port(2), upstream: hostPort(o.upstream.smtp) });
    proxies.push(smtp);
    const imap = await startMailProxy({ ...common, channel: 'imap', port: port(3), upstream: hostPort(o.upstream.imap) });
    proxies.push(imap);
    const ldap = await startLdapProxy({ host: o.host, port: port(4), upstream: hostPort(o.upstream.ldap), recording });
    proxies.push(ldap);
    const via = (url: string, proxy: RunningProxy): string => {
      const u = new URL(url);
      return `${u.protocol}//${o.host}:${proxy.port}${u.pathname === '/' ? '' : u.pathname}`;
    };
    const environment: MssEnvironment = {
      ...o.upstream,
      pscIssuer: via(o.upstream.pscIssuer, psc),
      fhir: via(o.upstream.fhir, fhir),
      ...(o.upstream.resolver ? { resolver: via(o.upstream.resolver, fhir) } : {}),
      smtp: smtp.url,
      imap: imap.url,
      ldap: ldap.url,
    };
    return {
      environment,
      recording,
      async stop() {
        await Promise.all(proxies.map((p) => p.stop()));
      },
    };
  } catch (err) {
    await Promise.all(proxies.map((p) => p.stop()));
    throw err;
  }
}

/** Plays a scenario's setup; returns what keeps running (auto-replies) until the scenario ends. */
export async function playSetup(o: KitOptions, scenario: Scenario): Promise<{ stop(): Promise<void> }> {
  const clients = new Map<string, MssClient>();
  const client = async (operator: 'a' | 'b' = 'a'): Promise<MssClient> => {
    let c = clients.get(operator);
    if (!c) {
      const environment = operator === 'b' ? o.upstreamB : o.upstream;
      c = await MssClient.connect({
        environment,
        psc: PSC_SANDBOX_CLIENT,
        nil: 'MSS-CONFORMANCE',
        tokens: { onApprovalRequested: (_i, r) => approveOnSandboxEcps(o.upstream, r.authReqId) },
      });
      clients.set(operator, c);
    }
    return c;
  };
  const handle = async (a: Actor): Promise<MailboxHandle> => (await client(a.operator)).person(a.idnat).mailbox(a.mailbox);
  const background: Promise<unknown>[] = [];
  const sessions: { close(): Promise<void> }[] = [];
  let stopping = false;
  for (const action of scenario.setup) {
    if (action.action === 'deliver') {
      const docs = action.document ? [{ cda: await readFile(SAMPLE_DOCUMENTS[action.document as keyof typeof SAMPLE_DOCUMENTS]) }] : [];
      await (await handle(action.from)).send({ to: [action.to], subject: action.subject, text: action.text, documents: docs });
    } else if (action.action === 'patient-writes') {
      if (!o.hooks?.patientWrites) throw new Error('this kit cannot make a patient write (no Mon Espace Santé hook)');
      await o.hooks.patientWrites(action.ins, action.to, action.subject, action.text);
    } else if (action.action === 'auto-reply') {
      const box = await handle(action.as);
      const imap = await box.imap();
      sessions.push(imap);
      const persona = scenario.persona.mailbox.toLowerCase();
      background.push(
        imap
          .waitFor((m) => m.from?.address.toLowerCase() === persona && m.mdn === null, { timeoutMs: 3_600_000 })
          .then(async ({ message }) => {
            if (stopping || !message.messageId) return;
            await box.send({
              to: [scenario.persona.mailbox],
              subject: `Re: ${message.subject}`,
              text: action.text,
              inReplyTo: message.messageId,
              references: [message.messageId],
            });
          })
          .catch(() => undefined),
      );
    }
  }
  return {
    async stop() {
      stopping = true;
      await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
      // A reply being sent finishes; a wait that outlives its closed session does not hold the kit.
      await Promise.race([Promise.all(background), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    },
  };
}

export interface ScenarioReport {
  readonly scenario: Pick<Scenario, 'id' | 'title' | 'description' | 'persona' | 'steps'>;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly environment: MssEnvironment;
  readonly run: { readonly command: string; readonly exitCode: number | null } | null;
  readonly requirements: readonly RequirementResult[];
  readonly expectations: readonly ExpectationResult[];
  /** Every `must` requirement not failed and every expectation met. */
  readonly passed: boolean;
  readonly failed: readonly string[];
}

export async function judgeScenario(kit: Kit, scenario: Scenario, run: ScenarioReport['run']): Promise<ScenarioReport> {
  const requirements = await judge(kit.recording);
  const expectations = judgeExpectations(kit.recording, scenario.expect);
  const failed = [
    ...requirements.filter((r) => r.status === 'fail' && r.level === 'must').map((r) => r.id),
    ...expectations.filter((e) => e.status === 'fail').map((e) => `expect:${e.observe}`),
  ];
  const { ca: _ca, ...environment } = kit.environment;
  return {
    scenario: {
      id: scenario.id,
      title: scenario.title,
      description: scenario.description,
      persona: scenario.persona,
      steps: scenario.steps,
    },
    startedAt: new Date(kit.recording.startedAt).toISOString(),
    finishedAt: new Date().toISOString(),
    environment,
    run,
    requirements,
    expectations,
    passed: failed.length === 0,
    failed,
  };
}
