// One framed command → a typed Command (ast.ts). Anything the grammar refuses is a ParseError
// carrying the tag when there was a usable one, so the session answers `tag BAD text` (or
// `* BAD text`) and reads on.

import type { Command, CommandArgs, CommandName } from './ast.ts';
import { ATOM, LPAREN, SP, TAG } from './chars.ts';
import { Cursor } from './cursor.ts';
import { ParseError, shown } from './errors.ts';
import type { FramedCommand } from './framer.ts';
import {
  appendArguments,
  createArguments,
  getQuotaArguments,
  setQuotaArguments,
  listArguments,
  lsubArguments,
  mailboxArgument,
  renameArguments,
  selectArguments,
  statusArguments,
} from './parse-mailbox-commands.ts';
import { fetchArguments } from './parse-fetch.ts';
import { copyArguments, expungeArguments, storeArguments } from './parse-message-commands.ts';
import { searchArguments, sortArguments, threadArguments } from './parse-search.ts';

type ArgumentParser = (c: Cursor, uid: boolean) => CommandArgs[CommandName];

const none = (): Record<string, never> => ({});

const PARSERS: Record<CommandName, ArgumentParser> = {
  CAPABILITY: none,
  NOOP: none,
  LOGOUT: none,
  STARTTLS: none,
  AUTHENTICATE: authenticateArguments,
  LOGIN: loginArguments,
  SELECT: selectArguments,
  EXAMINE: selectArguments,
  CREATE: createArguments,
  DELETE: mailboxArgument,
  RENAME: renameArguments,
  SUBSCRIBE: mailboxArgument,
  UNSUBSCRIBE: mailboxArgument,
  LIST: listArguments,
  LSUB: lsubArguments,
  STATUS: statusArguments,
  APPEND: appendArguments,
  CHECK: none,
  CLOSE: none,
  EXPUNGE: expungeArguments,
  SEARCH: searchArguments,
  SORT: sortArguments,
  THREAD: threadArguments,
  FETCH: fetchArguments,
  STORE: storeArguments,
  COPY: copyArguments,
  MOVE: copyArguments,
  IDLE: none,
  NAMESPACE: none,
  ENABLE: enableArguments,
  ID: idArguments,
  UNSELECT: none,
  GETQUOTA: getQuotaArguments,
  GETQUOTAROOT: mailboxArgument,
  SETQUOTA: setQuotaArguments,
};

const UID_COMMANDS = new Set<string>(['COPY', 'MOVE', 'FETCH', 'SEARCH', 'SORT', 'THREAD', 'STORE', 'EXPUNGE']);

export function parseCommand(framed: FramedCommand): Command {
  const c = new Cursor(framed);
  const tag = c.run(TAG);
  if (tag.length === 0) throw new ParseError(c.atEnd() ? 'Empty command line' : 'Invalid tag');
  if (c.peek() !== SP && !c.atEnd()) throw new ParseError('Invalid tag');
  try {
    if (c.atEnd()) throw new ParseError('Missing command');
    c.sp();
    let name = c.keyword('Missing command');
    let uid = false;
    if (name === 'UID') {
      c.sp();
      name = c.keyword('Missing command after UID');
      if (!UID_COMMANDS.has(name)) throw new ParseError(`Invalid UID command ${shown(name)}`);
      uid = true;
    }
    const parser = Object.hasOwn(PARSERS, name) ? PARSERS[name as CommandName] : undefined;
    if (!parser) throw new ParseError(`Unknown command ${shown(name)}`);
    const args = parser(c, uid);
    c.end();
    return { tag, command: name, uid, args } as Command;
  } catch (error) {
    if (error instanceof ParseError) error.tag = tag;
    throw error;
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** `auth-type [SP (base64 / "=")]` (RFC 3501 §6.2.2, SASL-IR RFC 4959). */
function authenticateArguments(c: Cursor): CommandArgs['AUTHENTICATE'] {
  c.sp();
  const mechanism = c.keyword('Expected a SASL mechanism');
  let initialResponse: string | null = null;
  if (c.maybeSp()) {
    const token = c.run(ATOM);
    if (token === '=') initialResponse = '';
    else if (token.length > 0 && BASE64.test(token)) initialResponse = token;
    else throw new ParseError('Invalid SASL initial response');
  }
  return { mechanism, initialResponse };
}

function loginArguments(c: Cursor): CommandArgs['LOGIN'] {
  c.sp();
  const userid = c.astring('Expected a user name');
  c.sp();
  return { userid, password: c.astring('Expected a password') };
}

/** `1*(SP capability)` (RFC 5161). */
function enableArguments(c: Cursor): CommandArgs['ENABLE'] {
  const capabilities: string[] = [];
  do {
    c.sp();
    capabilities.push(c.keyword('Expected a capability'));
  } while (!c.atEnd());
  return { capabilities };
}

/** `SP ("(" *(string SP nstring) ")" / nil)` (RFC 2971). */
function idArguments(c: Cursor): CommandArgs['ID'] {
  c.sp();
  if (c.peek() !== LPAREN) {
    if (c.keyword('Expected a parameter list or NIL') !== 'NIL') throw new ParseError('Expected a parameter list or NIL');
    return { params: null };
  }
  const params: Array<readonly [string, string | null]> = [];
  c.list(
    () => {
      const field = c.nastring('Expected a field name');
      if (field === null) throw new ParseError('ID field name cannot be NIL');
      c.sp();
      params.push([field, c.nastring('Expected a field value')]);
    },
    true,
    'Expected a parameter list',
  );
  return { params };
}
