import { PORT_BASE_ORDER, SERVICE_PORTS, createLogger, loadConfig } from '@mss/runtime';
import { STORE_OPTIONS, parseIntOption, requireString, type Command } from '../cli.ts';
import { describeSandbox, startSandbox } from '../sandbox/sandbox.ts';

/** Help text in lines of at most 100 characters, broken only between the pieces given. */
function wrap(pieces: string[], width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of pieces) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line].join('\n');
}

export const sandboxCommand: Command = {
  name: 'sandbox',
  summary: 'Start the whole trust space on loopback (seeds the demo directory on first start)',
  description: wrap([
    ...'Every service listens on 127.0.0.1. Default ports:'.split(' '),
    ...PORT_BASE_ORDER.map((key, i) => `${key} ${SERVICE_PORTS[key]}${i < PORT_BASE_ORDER.length - 1 ? ',' : '.'}`),
    ...'With --port-base N they take N, N+1, … in that order. Logs are JSON lines on stderr.'.split(' '),
  ]),
  options: {
    ...STORE_OPTIONS,
    json: {
      type: 'boolean',
      description: 'Print exactly one JSON line on stdout once ready: {"ready":true,"endpoints":{…},"personas":[…]}',
    },
    'port-base': { type: 'string', description: 'First port of a contiguous range for all services', valueName: 'port' },
    host: { type: 'string', description: 'Address to listen on', default: '127.0.0.1' },
    professionals: {
      type: 'string',
      description: 'Size of the synthetic directory seeded on first start',
      default: '10000',
      valueName: 'n',
    },
    seed: { type: 'string', description: 'Seed of the synthetic directory', default: '1', valueName: 'n' },
    'log-level': { type: 'string', description: 'fatal, error, warn, info, debug', default: 'info', valueName: 'level' },
  },
  async run(ctx) {
    const config = loadConfig({
      dataDir: requireString(ctx, 'data-dir'),
      databaseUrl: requireString(ctx, 'database-url'),
      portBase: requireString(ctx, 'port-base'),
      host: requireString(ctx, 'host'),
      logLevel: requireString(ctx, 'log-level'),
    });
    const logger = createLogger({ level: config.logLevel });
    const sandbox = await startSandbox(config, logger, {
      professionals: parseIntOption(requireString(ctx, 'professionals'), 'professionals', 10_000, 0, 2_000_000),
      seed: parseIntOption(requireString(ctx, 'seed'), 'seed', 1),
      progress: !ctx.values.json && process.stderr.isTTY === true,
    });
    if (ctx.values.json) ctx.stdout.write(`${JSON.stringify({ ready: true, endpoints: sandbox.endpoints, personas: sandbox.personas })}\n`);
    else ctx.stdout.write(`${describeSandbox(sandbox)}\n`);
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'stopping');
        sandbox
          .stop()
          .catch((err: unknown) => logger.error({ err }, 'stop failed'))
          .finally(resolve);
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
    logger.flush();
    return 0;
  },
};
