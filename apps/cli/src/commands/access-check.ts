import { AccessControl, TokenError, createTrustedIssuers, principalOf, type Principal } from '@mss/access';
import { isMailboxAction, ACTIONS, type MailboxAction } from '@mss/domain';
import { MssError, loadClientEnvironment, loadConfig } from '@mss/runtime';
import { STORE_OPTIONS, requireString, type Command } from '../cli.ts';
import { operatorStore } from '../sandbox/store-location.ts';
import { openExistingStore } from '../existing-store.ts';
import { sandboxStructureIssuer, trustedStructures } from '../sandbox/structure-idp-service.ts';

/**
 * What the operator would answer to this token for this mailbox: the same validation and the
 * same decision point as SMTP and IMAP (and the same audit trail, channel `cli`).
 */
export const accessCheck: Command = {
  name: 'check',
  summary: 'Would this access token open this mailbox? (validation + decision, audited; exit 0 allowed, 1 denied)',
  options: {
    ...STORE_OPTIONS,
    token: {
      type: 'string',
      description: "The Pro Santé Connect access token, or a structure's own identity provider's (or MSS_TOKEN)",
      valueName: 'jwt',
    },
    mailbox: { type: 'string', description: 'The mailbox address, as in XOAUTH2 user=', valueName: 'address' },
    action: { type: 'string', description: `One of ${ACTIONS.join(', ')}`, default: 'read', valueName: 'action' },
    issuer: { type: 'string', description: 'Token issuer (default: the sandbox PSC)', valueName: 'url' },
    'port-base': { type: 'string', description: 'Port base the sandbox was started with', valueName: 'port' },
    json: { type: 'boolean', description: 'Print the decision as JSON' },
  },
  async run(ctx) {
    const token = requireString(ctx, 'token') ?? loadClientEnvironment().token;
    const mailbox = requireString(ctx, 'mailbox');
    if (!token || !mailbox) throw new MssError('USAGE', '--token and --mailbox are required', { exitCode: 2 });
    const action = requireString(ctx, 'action') ?? 'read';
    if (!isMailboxAction(action)) throw new MssError('USAGE', `--action: "${action}" is not one of ${ACTIONS.join(', ')}`, { exitCode: 2 });
    const config = loadConfig({
      dataDir: requireString(ctx, 'data-dir'),
      databaseUrl: requireString(ctx, 'database-url'),
      portBase: requireString(ctx, 'port-base'),
    });
    const issuer = requireString(ctx, 'issuer') ?? `http://${config.host}:${config.ports.psc}/auth/realms/esante-wallet`;
    const store = await openExistingStore(operatorStore(config));
    try {
      const access = new AccessControl({ store, publicBaseUrl: `http://${config.host}:${config.ports.adminApi}` });
      let idnat: string;
      let clientId: string | null;
      let principal: Principal;
      try {
        // Trusted like SMTP and IMAP do: PSC, the configured structures, the sandbox hospital's.
        const structures = trustedStructures(config, await sandboxStructureIssuer(config, store));
        const t = await createTrustedIssuers({ psc: { issuer }, structures }).validate(token);
        idnat = t.idnat;
        clientId = t.clientId ?? null;
        principal = principalOf(t);
      } catch (err) {
        const code = err instanceof TokenError ? err.code : 'error';
        await access.recordTokenFailure({ mailbox, channel: 'cli', code });
        ctx.stdout.write(
          ctx.values.json
            ? `${JSON.stringify({ allowed: false, reason: `invalid-token:${code}` })}\n`
            : `denied: token refused (${code})\n`,
        );
        return 1;
      }
      const d = await access.decide({
        principal,
        mailbox,
        action: action as MailboxAction,
        channel: 'cli',
        clientId,
      });
      // The capability an allowed decision carries is for code, not for the user.
      const { scope: _scope, ...shown } = d.allowed ? d : { ...d, scope: undefined };
      if (ctx.values.json) ctx.stdout.write(`${JSON.stringify({ idnat, ...shown })}\n`);
      else if (d.allowed) ctx.stdout.write(`allowed: ${idnat} may ${action} ${d.address} as ${d.role}\n`);
      else
        ctx.stdout.write(
          `denied: ${idnat} may not ${action} ${mailbox}: ${d.reason}${d.cguUrl ? ` — accept the terms at ${d.cguUrl}` : ''}\n`,
        );
      return d.allowed ? 0 : 1;
    } finally {
      await store.close();
    }
  },
};
