import type { CommandName, CommandOf } from '../../protocol/index.ts';
import { append } from './append.ts';
import { authenticate, login } from './auth.ts';
import { ANY_STATE, AUTHENTICATED, SELECTED, command, type CommandHandler } from './context.ts';
import { capability, id, logout, namespace, noop, starttls } from './connection.ts';
import { copyMove } from './copy-move.ts';
import { enable } from './enable.ts';
import { expunge } from './expunge.ts';
import { fetch } from './fetch.ts';
import { idle } from './idle.ts';
import { list, lsub } from './list.ts';
import { create, deleteFolder, rename, subscribe } from './mailboxes.ts';
import { getQuota, getQuotaRoot, setQuota } from './quota.ts';
import { search } from './search.ts';
import { close, select } from './select.ts';
import { sort, thread } from './sort.ts';
import { status } from './status.ts';
import { storeFlags } from './store.ts';

export type CommandTable = { readonly [N in CommandName]: CommandHandler<CommandOf<N>> };

const NOT_AUTHENTICATED = ['not-authenticated'] as const;

/**
 * Every command the parser knows, the states it is valid in (RFC 3501 §6, RFC 9051 §6) and its
 * handler. A new command is one entry here and a module beside this one.
 */
export const COMMANDS: CommandTable = {
  CAPABILITY: command(ANY_STATE, capability),
  NOOP: command(ANY_STATE, noop),
  CHECK: command(ANY_STATE, noop),
  LOGOUT: command(ANY_STATE, logout),
  ID: command(ANY_STATE, id),
  STARTTLS: command(ANY_STATE, starttls),
  AUTHENTICATE: command(NOT_AUTHENTICATED, authenticate, 'Already authenticated'),
  LOGIN: command(NOT_AUTHENTICATED, login, 'Already authenticated'),
  ENABLE: command(AUTHENTICATED, enable),
  NAMESPACE: command(AUTHENTICATED, namespace),
  SELECT: command(AUTHENTICATED, select),
  EXAMINE: command(AUTHENTICATED, select),
  CREATE: command(AUTHENTICATED, create),
  DELETE: command(AUTHENTICATED, deleteFolder),
  RENAME: command(AUTHENTICATED, rename),
  SUBSCRIBE: command(AUTHENTICATED, subscribe),
  UNSUBSCRIBE: command(AUTHENTICATED, subscribe),
  LIST: command(AUTHENTICATED, list),
  LSUB: command(AUTHENTICATED, lsub),
  STATUS: command(AUTHENTICATED, status),
  APPEND: command(AUTHENTICATED, append),
  IDLE: command(AUTHENTICATED, idle),
  GETQUOTA: command(AUTHENTICATED, getQuota),
  GETQUOTAROOT: command(AUTHENTICATED, getQuotaRoot),
  SETQUOTA: command(AUTHENTICATED, setQuota),
  CLOSE: command(SELECTED, close),
  UNSELECT: command(SELECTED, close),
  EXPUNGE: command(SELECTED, expunge),
  SEARCH: command(SELECTED, search),
  SORT: command(SELECTED, sort),
  THREAD: command(SELECTED, thread),
  FETCH: command(SELECTED, fetch),
  STORE: command(SELECTED, storeFlags),
  COPY: command(SELECTED, copyMove),
  MOVE: command(SELECTED, copyMove),
};

export function handlerOf<N extends CommandName>(name: N): CommandHandler<CommandOf<N>> {
  return COMMANDS[name];
}
