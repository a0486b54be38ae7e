// Form bodies of the web mailboxes: url-encoded for small forms, multipart (@fastify/busboy, the
// streaming parser fastify uses) for a message with attachments. Limits are checked while
// reading, so an oversized upload is refused without being held in memory whole.

import type { IncomingMessage } from 'node:http';
import { Busboy } from '@fastify/busboy';

/** The message's text fields (subject, body, address, tokens) in all: generous for a letter. */
const FIELDS_LIMIT = 256 * 1024;
const MAX_FILES = 20;

/** A file of a multipart form, held in memory (bounded by the reader's limit). */
export interface UploadedFile {
  filename: string;
  contentType: string;
  content: Buffer;
}

export class FormTooLarge extends Error {}
export class FormInvalid extends Error {}

export async function readUrlEncoded(req: IncomingMessage, limit = 16 * 1024): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new FormTooLarge('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export interface MultipartForm {
  /** The first value of each field. */
  fields: Map<string, string>;
  /** Every value of each field, in order (checkboxes sharing a name). */
  lists: Map<string, string[]>;
  files: UploadedFile[];
}

/**
 * Reads a multipart form whose files may take `maxFileBytes` in all. Past that (or past the
 * Content-Length announced), FormTooLarge — the caller answers 413 and closes the connection
 * rather than read the rest.
 */
export function readMultipart(req: IncomingMessage, maxFileBytes: number): Promise<MultipartForm> {
  const announced = Number(req.headers['content-length'] ?? '0');
  if (announced > maxFileBytes + FIELDS_LIMIT) {
    req.resume();
    return Promise.reject(new FormTooLarge('announced body too large'));
  }
  const type = req.headers['content-type'];
  if (typeof type !== 'string' || !type.toLowerCase().startsWith('multipart/form-data'))
    return Promise.reject(new FormInvalid('not multipart/form-data'));
  return new Promise<MultipartForm>((resolve, reject) => {
    const fields = new Map<string, string>();
    const lists = new Map<string, string[]>();
    const files: UploadedFile[] = [];
    let total = 0;
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      req.resume();
      reject(err);
    };
    const parser = new Busboy({
      headers: { ...req.headers, 'content-type': type },
      limits: { fileSize: maxFileBytes + 1, files: MAX_FILES, fields: 20, fieldSize: FIELDS_LIMIT },
    });
    parser.on('field', (name: string, value: string, _nameTruncated: boolean, valueTruncated: boolean) => {
      if (valueTruncated) return fail(new FormTooLarge(`field ${name} too large`));
      if (!fields.has(name)) fields.set(name, value);
      lists.set(name, [...(lists.get(name) ?? []), value]);
    });
    parser.on('file', (_field, stream, filename, _encoding, mimeType) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > maxFileBytes) return fail(new FormTooLarge('attachments too large'));
        chunks.push(chunk);
      });
      stream.on('limit', () => fail(new FormTooLarge('attachment too large')));
      stream.on('end', () => {
        // An empty file input sends a part with no name and no content: not an attachment.
        if (!filename && chunks.length === 0) return;
        files.push({
          filename: filename || 'piece-jointe',
          contentType: mimeType || 'application/octet-stream',
          content: Buffer.concat(chunks),
        });
      });
    });
    parser.on('filesLimit', () => fail(new FormTooLarge(`more than ${MAX_FILES} attachments`)));
    parser.on('error', (err: Error) => fail(new FormInvalid(err.message)));
    parser.on('finish', () => {
      if (!failed) resolve({ fields, lists, files });
    });
    req.pipe(parser);
  });
}
