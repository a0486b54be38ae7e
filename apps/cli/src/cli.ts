import { parseArgs } from 'node:util';
import { MssError } from '@mss/runtime';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  description: string;
  /** Shown in help; the command applies defaults itself. */
  default?: string;
  valueName?: string;
}

export interface CommandContext {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** A leaf command runs; a group only dispatches to its sub-commands. */
export interface Command {
  name: string;
  summary: string;
  /** Positional arguments as shown in usage, e.g. `<value>`. */
  args?: string;
  description?: string;
  options?: Record<string, OptionSpec>;
  subcommands?: Command[];
  run?: (ctx: CommandContext) => Promise<number>;
  /** A command whose module is imported only when it is chosen (see `lazyCommand`). */
  load?: () => Promise<Command>;
}

/** A command known by its name and summary until chosen; then its module is imported and it runs. */
export function lazyCommand(name: string, summary: string, load: () => Promise<Command>): Command {
  return { name, summary, load };
}

function helpFor(path: string[], cmd: Command): string {
  const lines: string[] = [];
  const name = ['mss', ...path].join(' ');
  if (cmd.subcommands) {
    lines.push(`Usage: ${name} <command> [options]`, '', cmd.summary, '', 'Commands:');
    const width = Math.max(...cmd.subcommands.map((c) => c.name.length));
    for (const c of cmd.subcommands) lines.push(`  ${c.name.padEnd(width)}  ${c.summary}`);
    lines.push('', `Run "${name} <command> --help" for the options of a command.`);
    return lines.join('\n');
  }
  lines.push(`Usage: ${name}${cmd.options ? ' [options]' : ''}${cmd.args ? ` ${cmd.args}` : ''}`, '', cmd.summary);
  if (cmd.description) lines.push('', cmd.description);
  const opts = Object.entries({
    ...(cmd.options ?? {}),
    help: { type: 'boolean', short: 'h', description: 'Show this help' } as OptionSpec,
  });
  lines.push('', 'Options:');
  const labels = opts.map(
    ([k, o]) => `${o.short ? `-${o.short}, ` : '    '}--${k}${o.type === 'string' ? ` <${o.valueName ?? 'value'}>` : ''}`,
  );
  const width = Math.max(...labels.map((l) => l.length));
  opts.forEach(([, o], i) =>
    lines.push(`  ${labels[i]!.padEnd(width)}  ${o.description}${o.default !== undefined ? ` (default: ${o.default})` : ''}`),
  );
  return lines.join('\n');
}

/** Resolves argv to a command, parses its options strictly, and runs it. Returns the exit code. */
export async function dispatch(
  root: Command,
  argv: string[],
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
): Promise<number> {
  let cmd = root;
  const path: string[] = [];
  let rest = argv;
  while (cmd.subcommands) {
    const next = rest[0];
    if (next === undefined || next === '--help' || next === '-h' || next === 'help') {
      io.stdout.write(`${helpFor(path, cmd)}\n`);
      return next === undefined ? 2 : 0;
    }
    let sub = cmd.subcommands.find((c) => c.name === next);
    if (sub?.load) sub = await sub.load();
    if (!sub) {
      throw new MssError(
        'USAGE',
        `unknown command "${[...path, next].join(' ')}"; run "mss ${path.join(' ')}${path.length ? ' ' : ''}--help"`,
        { exitCode: 2 },
      );
    }
    cmd = sub;
    path.push(next);
    rest = rest.slice(1);
  }
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [k, o] of Object.entries(cmd.options ?? {})) options[k] = o.short ? { type: o.type, short: o.short } : { type: o.type };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new MssError('USAGE', `${msg} (mss ${path.join(' ')} --help)`, { exitCode: 2 });
  }
  if (parsed.values.help) {
    io.stdout.write(`${helpFor(path, cmd)}\n`);
    return 0;
  }
  if (!cmd.run) throw new Error(`command ${path.join(' ')} has no action`);
  return cmd.run({
    values: parsed.values as Record<string, string | boolean | undefined>,
    positionals: parsed.positionals,
    stdout: io.stdout,
    stderr: io.stderr,
  });
}

export function requireString(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function parseIntOption(raw: string | undefined, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined) return fallback;
  if (!/^[0-9]+$/.test(raw)) throw new MssError('USAGE', `--${name}: "${raw}" is not a whole number`, { exitCode: 2 });
  const n = Number(raw);
  if (n < min || n > max) throw new MssError('USAGE', `--${name}: ${n} is out of range (${min}-${max})`, { exitCode: 2 });
  return n;
}

/** Options shared by every command that opens the store. */
export const STORE_OPTIONS: Record<string, OptionSpec> = {
  'data-dir': {
    type: 'string',
    description: 'Data directory (SQLite database, message blobs, PKI)',
    default: './.mss-data (or MSS_DATA_DIR)',
    valueName: 'dir',
  },
  'database-url': {
    type: 'string',
    description: 'postgres://… to use PostgreSQL instead of the embedded SQLite',
    default: 'MSS_DATABASE_URL',
    valueName: 'url',
  },
};
