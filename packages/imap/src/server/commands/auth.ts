import { code, continuation, raw, tagged, type CommandOf } from '../../protocol/index.ts';
import { authenticateExternal, authenticateSasl, isOauthbearerAbort } from '../auth.ts';
import type { CertificateValidator } from '@mss/access';
import type { SessionContext } from './context.ts';

/**
 * RFC 3501 §6.2.2 with SASL-IR (RFC 4959): XOAUTH2 or OAUTHBEARER over TLS only (R-AUTH-1..3);
 * the token is validated and the decision taken by @mss/access's one decision point. EXTERNAL
 * (RFC 4422 appendix A) where the listener takes APP certificates: the same, with the client
 * certificate of the TLS session instead of a token.
 */
export async function authenticate(ctx: SessionContext, cmd: CommandOf<'AUTHENTICATE'>): Promise<void> {
  if (!ctx.tlsActive) {
    ctx.write(tagged(cmd.tag, 'NO', 'Authentication requires TLS: use STARTTLS first', code.simple('PRIVACYREQUIRED')));
    return;
  }
  const mechanism = cmd.args.mechanism.toUpperCase();
  const certificates = ctx.opts.certificates;
  if (mechanism === 'EXTERNAL' && certificates) return authenticateWithCertificate(ctx, cmd, certificates.validator);
  if (mechanism !== 'XOAUTH2' && mechanism !== 'OAUTHBEARER') {
    ctx.write(
      tagged(
        cmd.tag,
        'NO',
        `Unsupported mechanism ${mechanism.slice(0, 20)}: use XOAUTH2 or OAUTHBEARER${certificates ? ', or EXTERNAL with an APP certificate' : ''}`,
      ),
    );
    return;
  }
  const response = await saslResponse(ctx, cmd);
  if (response === null) return;
  const outcome = await authenticateSasl(mechanism, response, { access: ctx.opts.access, validator: ctx.opts.tokenValidator });
  if (!outcome.ok) {
    if (outcome.kind === 'token') {
      // R-AUTH-3: the mechanism's error challenge first; the client answers (empty or ^A), then NO.
      ctx.write(continuation(outcome.challenge));
      const reply = await ctx.readSaslResponse();
      if (mechanism === 'OAUTHBEARER' && !reply.cancel && !isOauthbearerAbort(reply.data))
        ctx.log.debug('client did not abort after OAUTHBEARER error challenge');
      ctx.write(tagged(cmd.tag, 'NO', 'Authentication failed', code.simple('AUTHENTICATIONFAILED')));
    } else if (outcome.kind === 'authorization') {
      ctx.write(tagged(cmd.tag, 'NO', outcome.text, code.simple('AUTHORIZATIONFAILED')));
    } else if (outcome.kind === 'temporary') {
      ctx.write(tagged(cmd.tag, 'NO', 'Cannot check the token now, try again later', code.simple('UNAVAILABLE')));
    } else {
      ctx.write(tagged(cmd.tag, 'NO', outcome.text, code.simple('AUTHENTICATIONFAILED')));
    }
    return;
  }
  const identity = {
    idnat: outcome.idnat,
    ...(outcome.principal ? { principal: outcome.principal } : {}),
    mailbox: outcome.mailbox,
    scope: outcome.scope,
    clientId: outcome.clientId,
    role: outcome.role,
  };
  await ctx.becomeAuthenticated(identity, outcome.expiresAt);
  ctx.ok(cmd.tag, `Authenticated: ${outcome.mailbox} as ${outcome.role}`, ['CAPABILITY', raw(ctx.capabilities())]);
}

/**
 * AUTHENTICATE EXTERNAL: the message is the authorization identity (empty: `=` with SASL-IR,
 * RFC 4959 §3, or an empty line after `+ `); the certificate opens its APP mailbox or nothing.
 * Refusals: the certificate (missing, of another CA, expired, revoked…) is AUTHENTICATIONFAILED
 * with the reason; a good certificate for a mailbox it may not open is AUTHORIZATIONFAILED
 * (RFC 5530: the authentication identity may not act as the authorization identity asked for).
 */
async function authenticateWithCertificate(
  ctx: SessionContext,
  cmd: CommandOf<'AUTHENTICATE'>,
  validator: CertificateValidator,
): Promise<void> {
  const response = await saslResponse(ctx, cmd);
  if (response === null) return;
  const outcome = await authenticateExternal(response, ctx.peerCertificate(), { access: ctx.opts.access, validator });
  if (!outcome.ok) {
    if (outcome.kind === 'certificate')
      ctx.write(tagged(cmd.tag, 'NO', `Authentication failed: ${outcome.text}`, code.simple('AUTHENTICATIONFAILED')));
    else if (outcome.kind === 'authorization') ctx.write(tagged(cmd.tag, 'NO', outcome.text, code.simple('AUTHORIZATIONFAILED')));
    else if (outcome.kind === 'temporary')
      ctx.write(tagged(cmd.tag, 'NO', `Cannot check the certificate now: ${outcome.text}; try again later`, code.simple('UNAVAILABLE')));
    else ctx.write(tagged(cmd.tag, 'NO', outcome.text, code.simple('AUTHENTICATIONFAILED')));
    return;
  }
  const identity = {
    idnat: `certificate:${outcome.principal.serial}`,
    principal: outcome.principal,
    mailbox: outcome.mailbox,
    scope: outcome.scope,
    clientId: null,
    role: outcome.role,
  };
  await ctx.becomeAuthenticated(identity, outcome.expiresAt);
  ctx.ok(cmd.tag, `Authenticated: ${outcome.mailbox} as ${outcome.role}`, ['CAPABILITY', raw(ctx.capabilities())]);
}

/**
 * RFC 3501 §6.2.3. Refused on every listener of the operator (LOGINDISABLED): a password would
 * skip the token and the decision point. Only a listener given a `login` hook (the bench's)
 * accepts it.
 */
export async function login(ctx: SessionContext, cmd: CommandOf<'LOGIN'>): Promise<void> {
  const hook = ctx.opts.login;
  if (!hook) {
    ctx.write(
      tagged(cmd.tag, 'NO', 'LOGIN is disabled: use AUTHENTICATE XOAUTH2 or OAUTHBEARER after STARTTLS', code.simple('PRIVACYREQUIRED')),
    );
    return;
  }
  const granted = await hook(cmd.args.userid, cmd.args.password);
  if (!granted) {
    ctx.write(tagged(cmd.tag, 'NO', 'Authentication failed', code.simple('AUTHENTICATIONFAILED')));
    return;
  }
  await ctx.becomeAuthenticated(granted.identity, granted.expiresAt);
  ctx.ok(cmd.tag, granted.text ?? 'LOGIN completed', ['CAPABILITY', raw(ctx.capabilities())]);
}

/**
 * The client's SASL response: the initial one (SASL-IR, RFC 4959) or one asked for with `+ `;
 * null when the client cancelled (`*`, RFC 3501 §6.2.2), which has been answered BAD.
 */
async function saslResponse(ctx: SessionContext, cmd: CommandOf<'AUTHENTICATE'>): Promise<string | null> {
  if (cmd.args.initialResponse !== null) return cmd.args.initialResponse;
  ctx.write(continuation());
  const r = await ctx.readSaslResponse();
  if (r.cancel) {
    ctx.write(tagged(cmd.tag, 'BAD', 'Authentication cancelled'));
    return null;
  }
  return r.data;
}
