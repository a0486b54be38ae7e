// Issue #19, R-AUTH-2: IMAP protocol code reaches a mailbox only through the MailboxScope the decision point
// returned at login, and a folder's messages only through a FolderHandle that scope made. The
// context a command handler gets holds no store: checked on the types (npm run typecheck fails
// if one comes back) and on the live context of a real session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MailboxScope, OutOfScopeError, Store } from '@mss/store';
import { COMMANDS } from '../src/server/commands/index.ts';
import type { CommandHandler, SessionContext } from '../src/server/commands/context.ts';
import type { SharedMail } from '../src/server/shared-mail.ts';
import type { SessionState } from '../src/server/state.ts';
import type { CommandOf } from '../src/protocol/index.ts';
import { CAB, GP, PER, startImapWorld, type ImapWorld } from './support/imap-world.ts';
import { command, openAuthenticated, type Conversation } from './support/conversation.ts';

type HasKey<T, K extends string> = K extends keyof T ? true : false;
// Each line fails to type-check if the key appears.
const contextHasNoStore: HasKey<SessionContext, 'store'> = false;
const optionsHaveNoStore: HasKey<SessionContext['opts'], 'store'> = false;
const sharedHasNoStore: HasKey<SharedMail, 'store'> = false;

let w: ImapWorld;
let a: Conversation;
before(async () => {
  w = await startImapWorld();
  a = await openAuthenticated(w.imap.port, PER, await w.token(GP));
});
after(async () => {
  a.socket.destroy();
  await w.close();
});

/** Runs `NOOP` on a real session with a handler that hands back what the session gave it. */
async function contextOfNoop(c: Conversation, tag: string): Promise<{ ctx: SessionContext; state: SessionState }> {
  const table = COMMANDS as unknown as { NOOP: CommandHandler<CommandOf<'NOOP'>> };
  const real = table.NOOP;
  let seen: { ctx: SessionContext; state: SessionState } | undefined;
  table.NOOP = {
    states: real.states,
    run(ctx, cmd, state) {
      seen = { ctx, state };
      return real.run(ctx, cmd, state);
    },
  };
  try {
    assert.match(await command(c, tag, 'NOOP'), new RegExp(`${tag} OK`));
  } finally {
    table.NOOP = real;
  }
  assert.ok(seen);
  return seen;
}

const holdsStore = (o: object) => 'store' in o || Object.values(o).some((v) => v instanceof Store);

test('the context of a command handler holds no store; the session reaches its mailbox through its scope only', async () => {
  assert.deepEqual([contextHasNoStore, optionsHaveNoStore, sharedHasNoStore], [false, false, false]);
  assert.match(await command(a, 's1', 'SELECT INBOX'), /s1 OK/);
  const { ctx, state } = await contextOfNoop(a, 'n1');
  assert.equal(holdsStore(ctx), false, 'the session object');
  assert.equal(holdsStore(ctx.opts), false, 'its options');
  assert.equal(holdsStore(ctx.shared), false, 'the mailbox-less services');
  assert.equal(state.kind, 'selected');
  if (state.kind !== 'selected') return;
  const scope = state.identity.scope;
  assert.ok(scope instanceof MailboxScope);
  assert.equal(scope.address, PER);
  assert.equal(state.selected.folder.mailboxId, scope.mailboxId, 'the selected folder is a handle of the session’s own scope');
  // The same scope refuses a folder of another mailbox (the CAB's INBOX), by id or by handle.
  const cab = new MailboxScope(w.store, (await w.store.mailboxes.byAddress(CAB))!);
  await cab.ensureFolder('INBOX');
  const cabInbox = (await cab.openFolder('INBOX'))!;
  await assert.rejects(scope.openFolderById(cabInbox.id), (e) => e instanceof OutOfScopeError && e.code === 'OUT_OF_SCOPE');
  assert.throws(
    () => scope.bind(cabInbox),
    (e) => e instanceof OutOfScopeError && e.code === 'OUT_OF_SCOPE',
  );
  await assert.rejects(
    state.selected.folder.transaction((f) => f.copyTo([1], cabInbox)),
    (e) => e instanceof OutOfScopeError,
  );
  assert.match(await command(a, 'u1', 'UNSELECT'), /u1 OK/);
});
