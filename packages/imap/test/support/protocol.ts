// Helpers for the protocol tests: run bytes through a framer as a well-behaved server would
// (accepting every literal request unless told otherwise), and parse single commands.

import assert from 'node:assert/strict';
import {
  type Command,
  type CommandName,
  type CommandOf,
  type FramerEvent,
  type FramerLimits,
  Framer,
  ParseError,
  parseCommand,
} from '../../src/index.ts';

export type Chunk = string | Buffer;

const bytes = (c: Chunk): Buffer => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c);

/** Pushes every chunk, draining after each; literal requests are accepted unless `reject`. */
export function frameAll(
  chunks: Chunk | readonly Chunk[],
  limits: Partial<FramerLimits> = {},
  reject: (event: Extract<FramerEvent, { type: 'literal-request' }>) => boolean = () => false,
): FramerEvent[] {
  const framer = new Framer(limits);
  const events: FramerEvent[] = [];
  const drain = (): void => {
    for (let e = framer.next(); e !== null; e = framer.next()) {
      events.push(e);
      if (e.type === 'literal-request') {
        if (reject(e)) framer.rejectLiteral();
        else framer.acceptLiteral();
      }
    }
  };
  for (const c of Array.isArray(chunks) ? chunks : [chunks]) {
    framer.push(bytes(c as Chunk));
    drain();
  }
  return events;
}

/** Frames `text` (CRLF added if missing) and parses the one command it holds. */
export function parse(text: Chunk): Command {
  const input = typeof text === 'string' && !text.endsWith('\n') ? `${text}\r\n` : text;
  const commands = frameAll(input).filter((e) => e.type === 'command');
  assert.equal(commands.length, 1, 'expected exactly one command');
  return parseCommand((commands[0] as Extract<FramerEvent, { type: 'command' }>).command);
}

/** The ParseError that parsing `text` raises. */
export function parseError(text: Chunk): ParseError {
  try {
    parse(text);
  } catch (error) {
    assert.ok(error instanceof ParseError, `expected a ParseError, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(String(text))} to be refused`);
}

/** JSON with bigints and Buffers made comparable. */
export function plain<T>(value: T): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === 'bigint') return `${v}n`;
      if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer') {
        return Buffer.from((v as { data: number[] }).data).toString('latin1');
      }
      return v;
    }),
  );
}

export function commandsOf(events: readonly FramerEvent[]): Array<Extract<FramerEvent, { type: 'command' }>['command']> {
  return events.flatMap((e) => (e.type === 'command' ? [e.command] : []));
}

/** The arguments of the one command in `text`, checking it is a `name` command. */
export function argsOf<K extends CommandName>(name: K, text: Chunk): CommandOf<K>['args'] {
  const command = parse(text);
  assert.equal(command.command, name);
  return (command as CommandOf<K>).args as CommandOf<K>['args'];
}
