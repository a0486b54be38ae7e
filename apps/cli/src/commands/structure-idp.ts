import { DEFAULT_STAFF, structureIdpToken } from '@mss/structure-idp';
import { MssError, loadClientEnvironment, loadConfig } from '@mss/runtime';
import { requireString, type Command } from '../cli.ts';

/** `mss structure-idp token`: a staff member's token from the sandbox hospital's own identity provider (issue #20 rule 6). */
export const structureIdpCommand: Command = {
  name: 'structure-idp',
  summary: "The sandbox hospital's own identity provider: tokens for its staff (structure-local identities)",
  subcommands: [
    {
      name: 'token',
      summary: 'Print a fresh access token for a staff member (a real code + PKCE login with their identifier and password)',
      description:
        'Example: TOKEN=$(npx mss structure-idp token --user secr-cardio-01)  — then XOAUTH2 on cardiologie.ch-lilas@… over IMAP/SMTP, ' +
        'or the admin API. The sandbox staff passwords are used when --password is not given.',
      options: {
        issuer: { type: 'string', description: 'Issuer URL of the identity provider (default: the sandbox’s)', valueName: 'url' },
        'port-base': { type: 'string', description: 'Port base the sandbox was started with', valueName: 'port' },
        user: { type: 'string', description: "The structure's identifier of the person (e.g. secr-cardio-01)", valueName: 'id' },
        password: { type: 'string', description: 'Their password (else MSS_STRUCTURE_IDP_PASSWORD, else the sandbox’s)', valueName: 'pw' },
        json: { type: 'boolean', description: 'Print the whole token response as JSON' },
      },
      async run(ctx) {
        const user = requireString(ctx, 'user');
        if (!user) throw new MssError('USAGE', '--user is required', { exitCode: 2 });
        const password =
          requireString(ctx, 'password') ??
          loadClientEnvironment().structureIdpPassword ??
          DEFAULT_STAFF.find((s) => s.localId === user)?.password;
        if (!password) throw new MssError('USAGE', `--password is required for ${user}`, { exitCode: 2 });
        const config = loadConfig({ portBase: requireString(ctx, 'port-base') });
        const issuer = (requireString(ctx, 'issuer') ?? `http://${config.host}:${config.ports.structureIdp}`).replace(/\/$/, '');
        const t = await structureIdpToken({ issuer, username: user, password });
        ctx.stdout.write(ctx.values.json ? `${JSON.stringify(t)}\n` : `${t.access_token}\n`);
        return 0;
      },
    },
  ],
};
