// The operator's Prometheus series (prom-client). Counters are fed by the listeners and the
// decision point as they work (ServiceEvents); gauges are read at scrape time — connections from
// the listeners, the queue and the directory outbox from the store — so a scrape costs three
// small queries and nothing is counted twice.

import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ServiceEvents } from '@mss/runtime';
import type { Store } from '@mss/store';

// Label values come from clients (an SMTP verb is whatever was typed): only known names are kept.
const SMTP_VERBS = new Set([
  'EHLO',
  'HELO',
  'LHLO',
  'MAIL',
  'RCPT',
  'DATA',
  'BDAT',
  'RSET',
  'NOOP',
  'QUIT',
  'VRFY',
  'EXPN',
  'HELP',
  'AUTH',
  'STARTTLS',
]);
const IMAP_COMMAND = /^[A-Z]{2,16}$/;

export interface ConnectionSource {
  service: string;
  count(): number;
}

export class OperatorMetrics implements ServiceEvents {
  readonly registry = new Registry();
  private readonly commands: Counter<'service' | 'command'>;
  private readonly acceptedMessages: Counter<'service'>;
  private readonly acceptedRecipients: Counter<'service'>;
  private readonly decisions: Counter<'channel' | 'outcome'>;
  private readonly quickAcks: Counter<'service' | 'outcome'>;
  private readonly sources: ConnectionSource[] = [];

  constructor(options: { domain: string; store: Store }) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ operator: options.domain });
    // Process metrics, among them nodejs_eventloop_lag_seconds (and its percentiles).
    collectDefaultMetrics({ register: this.registry, prefix: 'mss_' });
    this.commands = new Counter({
      name: 'mss_commands_total',
      help: 'Protocol commands read, by listener and command (SMTP verbs, IMAP commands; others as OTHER)',
      labelNames: ['service', 'command'],
      registers,
    });
    this.acceptedMessages = new Counter({
      name: 'mss_messages_accepted_total',
      help: 'Messages accepted with a durable 250 after DATA, by listener',
      labelNames: ['service'],
      registers,
    });
    this.acceptedRecipients = new Counter({
      name: 'mss_deliveries_total',
      help: 'Recipients of accepted messages (local copies and queue rows), by listener',
      labelNames: ['service'],
      registers,
    });
    this.decisions = new Counter({
      name: 'mss_access_decisions_total',
      help: 'Access decisions audited, by channel and outcome',
      labelNames: ['channel', 'outcome'],
      registers,
    });
    this.quickAcks = new Counter({
      name: 'mss_tcp_quick_acks_total',
      help: 'Literals acknowledged at once so that a client with Nagle on sends its line end (sent), or that could not be (unavailable: no koffi or not Linux)',
      labelNames: ['service', 'outcome'],
      registers,
    });
    const sources = this.sources;
    new Gauge({
      name: 'mss_connections',
      help: 'Open connections, by listener',
      labelNames: ['service'],
      registers,
      collect() {
        for (const s of sources) this.set({ service: s.service }, s.count());
      },
    });
    const store = options.store;
    new Gauge({
      name: 'mss_queue_messages',
      help: 'Rows of the outbound queue (recipients at other operators), by status',
      labelNames: ['status'],
      registers,
      // Every worker reads the same database: the cluster's figure is one of them, not their sum.
      aggregator: 'max',
      async collect() {
        const counts = await store.queue.counts();
        for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
      },
    });
    new Gauge({
      name: 'mss_queue_oldest_age_seconds',
      help: 'Age of the oldest recipient still queued for another operator (0 when none)',
      registers,
      aggregator: 'max',
      async collect() {
        const [oldest] = await store.queue.list({ status: 'queued', limit: 1 });
        this.set(oldest ? Math.max(0, (Date.now() - Date.parse(oldest.created_at)) / 1000) : 0);
      },
    });
    new Gauge({
      name: 'mss_directory_feed_lag_seconds',
      help: 'Age of the oldest change not yet accepted by the Annuaire (0 when the outbox is drained)',
      registers,
      aggregator: 'max',
      async collect() {
        const [oldest] = await store.outbox.pending(1);
        this.set(oldest ? Math.max(0, (Date.now() - Date.parse(oldest.at)) / 1000) : 0);
      },
    });
  }

  /** Counts the connections of a listener at each scrape. */
  watch(source: ConnectionSource): void {
    this.sources.push(source);
  }

  command(service: string, command: string): void {
    const known = service.startsWith('imap') ? IMAP_COMMAND.test(command) : SMTP_VERBS.has(command);
    this.commands.inc({ service, command: known ? command : 'OTHER' });
  }

  accepted(service: string, recipients: number): void {
    this.acceptedMessages.inc({ service });
    this.acceptedRecipients.inc({ service }, recipients);
  }

  quickAck(service: string, sent: boolean): void {
    this.quickAcks.inc({ service, outcome: sent ? 'sent' : 'unavailable' });
  }

  decision(channel: string, outcome: 'allowed' | 'denied'): void {
    this.decisions.inc({ channel, outcome });
  }
}
