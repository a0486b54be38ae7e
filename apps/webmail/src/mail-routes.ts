// The mail routes of the webmail: each page asks JMAP (the operator's own endpoint) with the
// person's PSC token, for the account of the mailbox in the path; the mailbox was decided for
// this request by the decision point before (webmail.ts), and JMAP decides again.

import { searchFilter } from './search-query.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@mss/runtime';
import { FormInvalid, FormTooLarge, readMultipart } from '@mss/web-kit';
import { readHealthDocuments } from '@mss/xdm';
import { boxHref, type Viewer } from './html.ts';
import { JmapError } from './jmap-client.ts';
import {
  folders,
  message,
  saveDraft,
  send,
  setKeyword,
  threads,
  SetRefused,
  type Attachment,
  type Draft,
  type EmailAddress,
} from './mail.ts';
import { sendMdn } from './mdn.ts';
import {
  EMPTY_COMPOSE,
  addressText,
  composeContent,
  mailContent,
  messageContent,
  size,
  type ComposeValues,
  type XdmView,
} from './mail-pages.ts';
import { mailboxPage, problemPage } from './pages.ts';
import type { OpenableMailbox, WebmailSession } from './sessions.ts';

export interface MailRouteContext {
  log: Logger;
  /** Attachments per message, checked in the page before upload and here while the upload streams. */
  maxAttachmentBytes: number;
  sessionOf(req: FastifyRequest, reply: FastifyReply): Promise<WebmailSession | undefined>;
  mailboxOf(s: WebmailSession, address: string, reply: FastifyReply): Promise<OpenableMailbox | undefined>;
  html(reply: FastifyReply, status: number, body: string, remoteImages?: boolean): FastifyReply;
  redirect(reply: FastifyReply, location: string): FastifyReply;
  csrfOk(req: FastifyRequest, s: WebmailSession, token: string | undefined): boolean;
  forbidden(reply: FastifyReply, s: WebmailSession): FastifyReply;
  viewer(s: WebmailSession): Viewer;
}

/** An IHE_XDM attachment, as @mss/mime recognises one: named IHE_XDM.ZIP, or a zip type whose name says XDM. */
function looksLikeXdm(a: Attachment): boolean {
  const name = (a.name ?? '').split(/[\\/]/).pop()?.trim().toLowerCase() ?? '';
  if (name === 'ihe_xdm.zip') return true;
  return /zip/i.test(a.type) && /xdm/i.test(name);
}

const parseAddresses = (text: string): EmailAddress[] =>
  text
    .split(/[,;\n]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^(.*)<([^>]+)>\s*$/.exec(s);
      return m ? { name: m[1]!.trim().replace(/^"|"$/g, '') || null, email: m[2]!.trim() } : { name: null, email: s };
    });

const quote = (text: string): string =>
  text
    .split(/\r?\n/)
    .map((l) => `> ${l}`)
    .join('\n');

export function mailRoutes(app: FastifyInstance, ctx: MailRouteContext): void {
  // Multipart bodies are read by the route itself, within the attachment limit, while they stream.
  app.addContentTypeParser('multipart/form-data', (_req, _payload, done) => done(null, undefined));

  /** The JMAP account of the mailbox, or the page saying why there is none. */
  const accountOf = async (s: WebmailSession, box: OpenableMailbox, reply: FastifyReply): Promise<string | undefined> => {
    try {
      const id = (await s.jmap.accountFor(box.address)) ?? (await s.jmap.accountFor(box.address, true));
      if (id) return id;
    } catch (err) {
      ctx.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'webmail: JMAP session unavailable');
      await ctx.html(
        reply,
        503,
        mailboxPage(ctx.viewer(s), box, '<p role="alert" class="erreur">Le courrier est momentanément indisponible.</p>'),
      );
      return undefined;
    }
    await ctx.html(
      reply,
      403,
      mailboxPage(ctx.viewer(s), box, '<p role="alert" class="erreur">Vous n’avez plus accès au courrier de cette boîte.</p>'),
    );
    return undefined;
  };

  const failed = async (s: WebmailSession, box: OpenableMailbox, reply: FastifyReply, err: unknown) => {
    if (err instanceof JmapError) {
      const lost = err.type === 'accountNotFound' || err.type.endsWith('forbidden') || err.status === 401;
      ctx.log.info({ type: err.type }, 'webmail: JMAP refused');
      return ctx.html(
        reply,
        lost ? 403 : 502,
        mailboxPage(
          ctx.viewer(s),
          box,
          `<p role="alert" class="erreur">${lost ? 'Vous n’avez plus accès au courrier de cette boîte.' : `Le serveur de courrier a refusé la demande (${err.type}).`}</p>`,
        ),
      );
    }
    throw err;
  };

  type Params = { address: string; id?: string; blob?: string };
  const withBox = async (req: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const s = await ctx.sessionOf(req, reply);
    if (!s) return undefined;
    const box = await ctx.mailboxOf(s, req.params.address, reply);
    if (!box) return undefined;
    const accountId = await accountOf(s, box, reply);
    if (!accountId) return undefined;
    return { s, box, accountId };
  };

  app.get<{ Params: Params; Querystring: { dossier?: string; q?: string; envoye?: string; brouillon?: string } }>(
    '/webmail/bal/:address',
    { schema: { hide: true } },
    async (req, reply) => {
      const c = await withBox(req, reply);
      if (!c) return reply;
      try {
        const all = await folders(c.s.jmap, c.accountId);
        const q = (req.query.q ?? '').trim().slice(0, 200);
        const current = all.find((f) => f.id === req.query.dossier) ?? all.find((f) => f.role === 'inbox') ?? all[0];
        const filter = q ? searchFilter(q) : undefined;
        const found = await threads(c.s.jmap, c.accountId, filter ? { filter } : current ? { folderId: current.id } : {});
        const notice = req.query.envoye ? 'Votre message a été envoyé.' : req.query.brouillon ? 'Brouillon enregistré.' : undefined;
        return ctx.html(reply, 200, mailboxPage(ctx.viewer(c.s), c.box, mailContent(c.box.address, all, current, found, q), notice));
      } catch (err) {
        return failed(c.s, c.box, reply, err);
      }
    },
  );

  app.get<{ Params: Params; Querystring: { images?: string; accuse?: string } }>(
    '/webmail/bal/:address/message/:id',
    { schema: { hide: true } },
    async (req, reply) => {
      const c = await withBox(req, reply);
      if (!c) return reply;
      try {
        const found = await message(c.s.jmap, c.accountId, req.params.id ?? '');
        if (!found)
          return ctx.html(
            reply,
            404,
            problemPage(ctx.viewer(c.s), 'Message introuvable', 'Ce message n’existe pas ou plus dans cette boîte.', {
              href: boxHref(c.box.address),
              label: 'Retour au courrier',
            }),
          );
        const { email } = found;
        if (!email.seen) await setKeyword(c.s.jmap, c.accountId, email.id, '$seen', true);
        const xdm: XdmView[] = [];
        for (const a of email.attachments.filter(looksLikeXdm)) {
          const bytes = await c.s.jmap.download(c.accountId, a.blobId, a.name ?? 'IHE_XDM.ZIP', a.type);
          xdm.push({ attachment: a, reading: await readHealthDocuments(bytes.body) });
        }
        const own = email.from.some((f) => f.email.toLowerCase() === c.box.address.toLowerCase());
        const content = messageContent(ctx.viewer(c.s), c.box.address, email, found.thread, {
          images: req.query.images === '1',
          xdm,
          // RFC 8098 §2.1: only to the one address asked, and never for our own message.
          canAnswerMdn: !own && !email.draft,
        });
        return ctx.html(
          reply,
          200,
          mailboxPage(ctx.viewer(c.s), c.box, content, req.query.accuse ? 'Accusé de lecture envoyé.' : undefined),
          req.query.images === '1',
        );
      } catch (err) {
        return failed(c.s, c.box, reply, err);
      }
    },
  );

  app.get<{ Params: Params; Querystring: { nom?: string; type?: string } }>(
    '/webmail/bal/:address/piece/:blob',
    { schema: { hide: true } },
    async (req, reply) => {
      const c = await withBox(req, reply);
      if (!c) return reply;
      try {
        const name = (req.query.nom ?? 'piece-jointe').replace(/[\r\n"\\/]/g, '_').slice(0, 200);
        const res = await c.s.jmap.download(c.accountId, req.params.blob ?? '', name, req.query.type ?? 'application/octet-stream');
        return (
          reply
            .code(200)
            // Never rendered by the browser in our origin: downloaded, whatever its type says.
            .header('content-type', 'application/octet-stream')
            .header(
              'content-disposition',
              `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
            )
            .header('x-content-type-options', 'nosniff')
            .header('cache-control', 'no-store')
            .header('content-security-policy', "default-src 'none'; sandbox")
            .send(res.body)
        );
      } catch (err) {
        return failed(c.s, c.box, reply, err);
      }
    },
  );

  app.get<{ Params: Params; Querystring: { repondre?: string; tous?: string; transferer?: string; brouillon?: string; a?: string } }>(
    '/webmail/bal/:address/ecrire',
    { schema: { hide: true } },
    async (req, reply) => {
      const c = await withBox(req, reply);
      if (!c) return reply;
      try {
        let values: ComposeValues = { ...EMPTY_COMPOSE, to: req.query.a ?? '' };
        const from = req.query.repondre ?? req.query.transferer ?? req.query.brouillon;
        const original = from ? await message(c.s.jmap, c.accountId, from) : undefined;
        if (original) {
          const e = original.email;
          const me = c.box.address.toLowerCase();
          const intro = `Le ${new Date(e.sentAt ?? e.receivedAt).toLocaleString('fr-FR', { timeZone: 'Europe/Paris' })}, ${e.from.map(addressText).join(', ')} a écrit :`;
          const body = e.text ?? '';
          if (req.query.brouillon) {
            values = {
              ...values,
              to: e.to.map(addressText).join(', '),
              cc: e.cc.map(addressText).join(', '),
              subject: e.subject,
              text: body,
              inReplyTo: e.inReplyTo.join(' '),
              references: e.references.join(' '),
              draftId: e.id,
              kept: e.attachments,
            };
          } else if (req.query.repondre) {
            const to = e.replyTo.length ? e.replyTo : e.from;
            const others = req.query.tous
              ? [...e.to, ...e.cc].filter((a) => a.email.toLowerCase() !== me && !to.some((t) => t.email === a.email))
              : [];
            values = {
              ...values,
              to: to.map(addressText).join(', '),
              cc: others.map(addressText).join(', '),
              subject: /^re\s*:/i.test(e.subject) ? e.subject : `Re: ${e.subject}`,
              text: `\n\n${intro}\n${quote(body)}`,
              inReplyTo: e.messageId.join(' '),
              references: [...e.references, ...e.messageId].join(' '),
            };
          } else {
            values = {
              ...values,
              subject: /^tr\s*:/i.test(e.subject) ? e.subject : `Tr: ${e.subject}`,
              text: `\n\n-------- Message transféré --------\n${intro}\n${body}`,
              kept: e.attachments,
            };
          }
        }
        return ctx.html(
          reply,
          200,
          mailboxPage(ctx.viewer(c.s), c.box, composeContent(ctx.viewer(c.s), c.box.address, values, ctx.maxAttachmentBytes)),
        );
      } catch (err) {
        return failed(c.s, c.box, reply, err);
      }
    },
  );

  app.post<{ Params: Params }>('/webmail/bal/:address/envoyer', { schema: { hide: true } }, async (req, reply) => {
    const s = await ctx.sessionOf(req, reply);
    if (!s) return reply;
    let form: Awaited<ReturnType<typeof readMultipart>>;
    try {
      form = await readMultipart(req.raw, ctx.maxAttachmentBytes);
    } catch (err) {
      if (err instanceof FormTooLarge) {
        void reply.header('connection', 'close');
        return ctx.html(
          reply,
          413,
          problemPage(
            ctx.viewer(s),
            'Message non envoyé',
            `Les pièces jointes dépassent la taille autorisée : ${size(ctx.maxAttachmentBytes)} au plus pour l’ensemble d’un message. Rien n’a été envoyé.`,
            {
              href: boxHref(req.params.address, '/ecrire'),
              label: 'Écrire un nouveau message',
            },
          ),
        );
      }
      if (err instanceof FormInvalid)
        return ctx.html(reply, 400, problemPage(ctx.viewer(s), 'Message non envoyé', 'Le formulaire n’a pas pu être lu.'));
      throw err;
    }
    if (!ctx.csrfOk(req, s, form.fields.get('_csrf'))) return ctx.forbidden(reply, s);
    const box = await ctx.mailboxOf(s, req.params.address, reply);
    if (!box) return reply;
    const accountId = await accountOf(s, box, reply);
    if (!accountId) return reply;
    const field = (n: string) => form.fields.get(n) ?? '';
    try {
      const kept = (form.lists.get('piece_gardee') ?? []).flatMap(keptAttachment);
      const uploaded: Attachment[] = [];
      for (const f of form.files) {
        const up = await s.jmap.upload(accountId, f.content, f.contentType);
        uploaded.push({ blobId: up.blobId, type: f.contentType, name: f.filename, size: up.size });
      }
      const draft: Draft = {
        from: box.address,
        to: parseAddresses(field('a')),
        cc: parseAddresses(field('cc')),
        subject: field('objet'),
        text: field('texte'),
        inReplyTo: field('en_reponse_a').split(/\s+/).filter(Boolean),
        references: field('references').split(/\s+/).filter(Boolean),
        readReceipt: field('accuse') === '1',
        attachments: [...kept, ...uploaded],
      };
      const replaces = field('brouillon') || undefined;
      if (field('action') === 'brouillon') {
        await saveDraft(s.jmap, accountId, draft, replaces);
        return ctx.redirect(reply, boxHref(box.address, '?brouillon=1'));
      }
      if (draft.to.length + draft.cc.length === 0) {
        const values: ComposeValues = { ...EMPTY_COMPOSE, subject: draft.subject, text: draft.text, kept: draft.attachments };
        return ctx.html(
          reply,
          400,
          mailboxPage(
            ctx.viewer(s),
            box,
            `<p class="erreur" role="alert">Indiquez au moins un destinataire.</p>${composeContent(ctx.viewer(s), box.address, values, ctx.maxAttachmentBytes)}`,
          ),
        );
      }
      await send(s.jmap, accountId, draft, replaces);
      return ctx.redirect(reply, boxHref(box.address, '?envoye=1'));
    } catch (err) {
      if (err instanceof SetRefused)
        return ctx.html(
          reply,
          400,
          mailboxPage(ctx.viewer(s), box, `<p class="erreur" role="alert">Message non envoyé : ${err.message.replace(/[<>&]/g, '')}</p>`),
        );
      return failed(s, box, reply, err);
    }
  });

  app.post<{ Params: Params; Body: Record<string, string> }>(
    '/webmail/bal/:address/message/:id/accuse',
    { schema: { hide: true } },
    async (req, reply) => {
      const s = await ctx.sessionOf(req, reply);
      if (!s) return reply;
      if (!ctx.csrfOk(req, s, req.body?._csrf)) return ctx.forbidden(reply, s);
      const box = await ctx.mailboxOf(s, req.params.address, reply);
      if (!box) return reply;
      const accountId = await accountOf(s, box, reply);
      if (!accountId) return reply;
      try {
        const found = await message(s.jmap, accountId, req.params.id ?? '');
        if (found?.email.mdnTo && !found.email.mdnSent) await sendMdn(s.jmap, accountId, box.address, found.email);
        return ctx.redirect(reply, boxHref(box.address, `/message/${encodeURIComponent(req.params.id ?? '')}?accuse=1`));
      } catch (err) {
        return failed(s, box, reply, err);
      }
    },
  );
}

/**
 * An attachment kept from the original (forward, draft): `blobId|type|name|size` as the compose
 * form wrote it. The blob must be one of this account's: JMAP refuses any other (blobNotFound).
 */
function keptAttachment(value: string): Attachment[] {
  const [blobId, type, name, octets] = value.split('|');
  if (!blobId || !type) return [];
  return [{ blobId, type, name: name || null, size: Number(octets) || 0 }];
}
