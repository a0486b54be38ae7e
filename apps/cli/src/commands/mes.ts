import { checkIns } from '@mss/domain';
import { MonEspaceSante, MesError, type Conversation } from '@mss/mes';
import { loadConfig, MssError, silentLogger } from '@mss/runtime';
import { STORE_OPTIONS, requireString, type Command, type CommandContext } from '../cli.ts';
import { openExistingStore } from '../existing-store.ts';
import { mesStore } from '../sandbox/mes-service.ts';

function line(c: Conversation): string {
  const write = c.write.allowed ? 'may write' : `may not write (${c.write.rule}: ${c.write.code})`;
  return [
    c.professional,
    c.state.padEnd(5),
    write,
    `${c.messages} message${c.messages === 1 ? '' : 's'} (${c.unread} unread)`,
    `since ${c.openedAt}`,
    `updated ${c.updatedAt}`,
  ].join('  ');
}

const conversations: Command = {
  name: 'conversations',
  summary: 'A patient’s conversations in Mon Espace Santé and whether they may write (R-MES-1, R-MES-2)',
  args: '<INS>',
  description:
    'One line per professional address: state (open, or ended by [FIN] / X-MSS-MES: FIN), whether the patient may write and why not, messages. ' +
    'With --history, every event of each conversation.',
  options: {
    ...STORE_OPTIONS,
    history: { type: 'boolean', description: 'Also list each conversation’s events (messages, end, reopening, read receipts)' },
    json: { type: 'boolean', description: 'One JSON object per conversation' },
  },
  async run(ctx: CommandContext) {
    const arg = ctx.positionals[0];
    if (arg === undefined || ctx.positionals.length > 1)
      throw new MssError('USAGE', 'mss mes conversations takes one INS', { exitCode: 2 });
    const ins = checkIns(arg);
    // R-DOC-3: an INS is validated before use.
    if (!ins.ok) throw new MssError('INVALID_IDENTIFIER', ins.error.message, { exitCode: 2 });
    const config = loadConfig({ dataDir: requireString(ctx, 'data-dir'), databaseUrl: requireString(ctx, 'database-url') });
    const store = await openExistingStore(mesStore(config));
    try {
      const mes = new MonEspaceSante({ store, logger: silentLogger() });
      const patient = await mes.patient(ins.value.ins);
      if (!patient) throw new MssError('NOT_FOUND', `no patient with INS ${ins.value.ins} in Mon Espace Santé`);
      if (!ctx.values.json)
        ctx.stdout.write(`${patient.displayName} <${patient.address}> — Mon Espace Santé ${patient.active ? 'active' : 'closed'}\n`);
      if (!patient.active) return 0;
      const list = await mes.listConversations(patient.ins);
      for (const c of list) {
        const history = ctx.values.history ? await mes.history(patient.ins, c.professional) : undefined;
        if (ctx.values.json) {
          ctx.stdout.write(`${JSON.stringify(history ? { ...c, history } : c)}\n`);
          continue;
        }
        ctx.stdout.write(`${line(c)}\n`);
        for (const e of history ?? [])
          ctx.stdout.write(`    ${e.at}  ${e.event.padEnd(18)}  ${e.state.padEnd(5)}${e.detail ? `  ${e.detail}` : ''}\n`);
      }
      if (!ctx.values.json) ctx.stderr.write(`${list.length} conversation${list.length === 1 ? '' : 's'}\n`);
      return 0;
    } catch (err) {
      if (err instanceof MesError) throw new MssError('MES', err.message);
      throw err;
    } finally {
      await store.close();
    }
  },
};

/** Runs `fn` with Mon Espace Santé over the sandbox's MES store (never a new one), as the patient `ins`. */
async function withPatient<T>(
  ctx: CommandContext,
  insArg: string | undefined,
  fn: (mes: MonEspaceSante, ins: string) => Promise<T>,
): Promise<T> {
  if (insArg === undefined) throw new MssError('USAGE', 'an INS is required', { exitCode: 2 });
  const ins = checkIns(insArg);
  if (!ins.ok) throw new MssError('INVALID_IDENTIFIER', ins.error.message, { exitCode: 2 });
  const config = loadConfig({ dataDir: requireString(ctx, 'data-dir'), databaseUrl: requireString(ctx, 'database-url') });
  const store = await openExistingStore(mesStore(config));
  try {
    // No queue here: the sandbox's MES queue polls the store and sends what this command queued.
    return await fn(new MonEspaceSante({ store, logger: silentLogger() }), ins.value.ins);
  } catch (err) {
    if (err instanceof MesError) throw new MssError('MES', `${err.rule ? `${err.rule}: ` : ''}${err.message}`);
    throw err;
  } finally {
    await store.close();
  }
}

const messages: Command = {
  name: 'messages',
  summary: 'The messages between a patient and one professional address, with their ids',
  args: '<INS> <professional address>',
  options: { ...STORE_OPTIONS, json: { type: 'boolean', description: 'One JSON object per message' } },
  async run(ctx) {
    if (ctx.positionals.length !== 2)
      throw new MssError('USAGE', 'mss mes messages takes an INS and a professional address', { exitCode: 2 });
    return withPatient(ctx, ctx.positionals[0], async (mes, ins) => {
      for (const m of await mes.messages(ins, ctx.positionals[1]!)) {
        if (ctx.values.json) ctx.stdout.write(`${JSON.stringify(m)}\n`);
        else
          ctx.stdout.write(
            `${String(m.id).padStart(6)}  ${m.direction === 'in' ? '<-' : '->'}  ${m.date}  ${m.seen ? 'seen  ' : 'unseen'}  ${m.subject ?? ''}` +
              `${m.mdnRequested ? '  [read receipt asked]' : ''}${m.mdnSent ? '  [read receipt sent]' : ''}${m.ended ? `  [ended: ${m.ended}]` : ''}\n`,
          );
      }
      return 0;
    });
  },
};

const send: Command = {
  name: 'send',
  summary: 'Send a message as the patient, as the web mailbox does (R-MES-1, R-MES-2 apply; MES writes From:)',
  args: '<INS>',
  options: {
    ...STORE_OPTIONS,
    to: { type: 'string', description: 'The professional address', valueName: 'address' },
    subject: { type: 'string', description: 'Subject', valueName: 'text' },
    body: { type: 'string', description: 'Text of the message', valueName: 'text' },
    'in-reply-to': { type: 'string', description: 'Id of the message answered (mss mes messages shows them)', valueName: 'id' },
  },
  async run(ctx) {
    const to = requireString(ctx, 'to');
    if (!to || ctx.positionals.length !== 1)
      throw new MssError('USAGE', 'mss mes send <INS> --to <address> --subject … --body …', { exitCode: 2 });
    const reply = requireString(ctx, 'in-reply-to');
    if (reply !== undefined && !/^\d{1,15}$/.test(reply))
      throw new MssError('USAGE', `--in-reply-to: "${reply}" is not a message id`, { exitCode: 2 });
    return withPatient(ctx, ctx.positionals[0], async (mes, ins) => {
      const sent = await mes.send(ins, {
        to,
        subject: requireString(ctx, 'subject') ?? '',
        body: requireString(ctx, 'body') ?? '',
        ...(reply !== undefined ? { inReplyTo: Number(reply) } : {}),
      });
      ctx.stdout.write(`queued as message ${sent.id}: the sandbox's Mon Espace Santé sends it within a few seconds\n`);
      return 0;
    });
  },
};

const read: Command = {
  name: 'read',
  summary: 'Open a message as the patient; with --mdn, send the read receipt its sender asked for (R-MES-4)',
  args: '<INS> <message id>',
  options: { ...STORE_OPTIONS, mdn: { type: 'boolean', description: 'The patient agrees to send the read receipt' } },
  async run(ctx) {
    const id = ctx.positionals[1];
    if (ctx.positionals.length !== 2 || !/^\d{1,15}$/.test(id ?? ''))
      throw new MssError('USAGE', 'mss mes read takes an INS and a message id', { exitCode: 2 });
    return withPatient(ctx, ctx.positionals[0], async (mes, ins) => {
      const m = await mes.message(ins, Number(id));
      const opened = await mes.markRead(ins, m.id);
      ctx.stdout.write(
        `From: ${m.from.name ? `${m.from.name} ` : ''}<${m.from.address}>\nSubject: ${m.subject ?? ''}\nDate: ${m.date}\n\n${m.text ?? ''}\n`,
      );
      for (const a of m.attachments)
        ctx.stdout.write(`[attachment ${a.part}: ${a.filename ?? 'unnamed'}, ${a.contentType}, ${a.size} bytes]\n`);
      if (opened.mdnRequested && ctx.values.mdn) {
        await mes.sendMdn(ins, m.id);
        ctx.stderr.write(`read receipt queued for ${opened.mdnTo}\n`);
      } else if (opened.mdnRequested) ctx.stderr.write(`the sender asks for a read receipt: run again with --mdn to send it\n`);
      return 0;
    });
  },
};

export const mesCommand: Command = {
  name: 'mes',
  summary: 'Mon Espace Santé (the patients’ messaging): conversations, messages, send, read',
  subcommands: [conversations, messages, send, read],
};
