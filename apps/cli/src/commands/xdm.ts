// `mss xdm build|inspect` and `mss message check`: the document layer (R-DOC-1, R-DOC-2) for
// vendors, offline. Inspect and check print every check's outcome and exit 1 when the archive is
// unsafe or inconsistent, or the message's headers disagree with its documents.

import fs from 'node:fs';
import { headerAddresses, parseMessage } from '@mss/mime';
import { MssError } from '@mss/runtime';
import {
  buildXdm,
  type CdaHeader,
  checkMessageDocuments,
  describeOutcome,
  isConsistent,
  isUnsafeArchiveError,
  readXdm,
  XdmBuildError,
  type XdmInspection,
} from '@mss/xdm';
import type { Command, CommandContext } from '../cli.ts';

function readInput(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new MssError(
      'USAGE',
      `${what} ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      {
        exitCode: 2,
      },
    );
  }
}

function onePositional(ctx: CommandContext, usage: string): string {
  const [file] = ctx.positionals;
  if (file === undefined || ctx.positionals.length > 1) throw new MssError('USAGE', usage, { exitCode: 2 });
  return file;
}

const build: Command = {
  name: 'build',
  summary: 'Build IHE_XDM.ZIP from a CDA R2 document (METADATA.XML, INDEX.HTM, README.TXT generated)',
  description:
    'The CDA is stored unchanged as IHE_XDM/SUBSET01/DOC0001.XML; --pdf adds a PDF beside it (DOC0002.PDF, its own\n' +
    'document entry). The CDA must have a type code and a patient identifier; an INS with a bad key is refused.\n' +
    'Synthetic CDA documents to try it with ship in packages/xdm/samples/.',
  options: {
    cda: { type: 'string', description: 'the CDA R2 document (XML)', valueName: 'file' },
    pdf: { type: 'string', description: 'a PDF to travel beside it', valueName: 'file' },
    out: { type: 'string', description: 'where to write the archive', valueName: 'file', default: 'IHE_XDM.ZIP' },
    'source-id': { type: 'string', description: "the submission set's sourceId (an OID of your software)", valueName: 'oid' },
  },
  async run(ctx) {
    const cdaFile = ctx.values.cda;
    if (typeof cdaFile !== 'string') throw new MssError('USAGE', 'mss xdm build needs --cda <file>', { exitCode: 2 });
    const pdfFile = ctx.values.pdf;
    const out = typeof ctx.values.out === 'string' ? ctx.values.out : 'IHE_XDM.ZIP';
    const sourceId = ctx.values['source-id'];
    let zip: Buffer;
    try {
      zip = await buildXdm({
        cda: readInput(cdaFile, '--cda'),
        ...(typeof pdfFile === 'string' ? { pdf: readInput(pdfFile, '--pdf') } : {}),
        ...(typeof sourceId === 'string' ? { sourceId } : {}),
      });
    } catch (err) {
      if (err instanceof XdmBuildError) throw new MssError('XDM_BUILD', `${cdaFile}: ${err.message}`, { exitCode: 1 });
      throw err;
    }
    fs.writeFileSync(out, zip);
    ctx.stdout.write(`${out}: ${zip.length} bytes\n`);
    return 0;
  },
};

function cdaLines(cda: CdaHeader): string[] {
  const p = cda.patient;
  const ins = p.ins ? `${p.ins} (qualified, OID ${p.insOid})` : 'none (identity not qualified)';
  return [
    `    type        ${cda.typeCode ? `${cda.typeCode.code}${cda.typeCode.displayName ? ` ${cda.typeCode.displayName}` : ''}` : '(none)'}`,
    `    title       ${cda.title ?? '(none)'}`,
    `    date        ${cda.effectiveTime ?? '(none)'}   confidentiality ${cda.confidentiality?.code ?? '(none)'}`,
    `    patient     INS ${ins}; ${[p.birthName, ...p.givenNames].filter(Boolean).join(' ')}, ${p.gender ?? '?'}, born ${p.birthTime ?? '?'}${p.birthPlace ? ` at ${p.birthPlace}` : ''}`,
    `    author      ${cda.author?.idnat ?? '(no IdNat)'}${cda.author && !cda.author.idnatValid ? ' (invalid IdNat)' : ''} ${cda.author?.name ?? ''}${cda.author?.organization?.name ? `, ${cda.author.organization.name}` : ''}`,
    `    custodian   ${cda.custodian?.name ?? '(none)'}`,
    `    body        ${cda.body.kind}${cda.body.mediaType ? ` (${cda.body.mediaType})` : ''}`,
  ];
}

function inspectionLines(x: XdmInspection): string[] {
  const lines = [`  entries: ${x.entries.join(', ')}`];
  for (const d of x.documents) {
    lines.push(`  ${d.path}  ${d.mimeType ?? '?'}  ${d.size} bytes  sha1 ${d.sha1}${d.metadata ? '' : '  (not in METADATA.XML)'}`);
    if (d.cda) lines.push(...cdaLines(d.cda));
  }
  if (x.findings.length === 0) lines.push('  ✔ METADATA.XML agrees with the documents (hash, size, type code, patient)');
  for (const f of x.findings) lines.push(`  ${f.severity === 'error' ? '✘' : '!'} ${f.kind}${f.entry ? ` ${f.entry}` : ''}: ${f.detail}`);
  return lines;
}

const inspect: Command = {
  name: 'inspect',
  summary: 'Read IHE_XDM.ZIP safely and print its CDA headers and every check (exit 1 unsafe or inconsistent)',
  args: '<IHE_XDM.ZIP>',
  options: { json: { type: 'boolean', description: 'Print the inspection as JSON' } },
  async run(ctx) {
    const file = onePositional(ctx, 'mss xdm inspect takes one archive');
    const bytes = readInput(file, 'archive');
    let x: XdmInspection;
    try {
      x = await readXdm(bytes);
    } catch (err) {
      if (!isUnsafeArchiveError(err)) throw err;
      if (ctx.values.json)
        ctx.stdout.write(`${JSON.stringify({ safe: false, limit: err.limit, entry: err.entry, detail: err.message })}\n`);
      else ctx.stdout.write(`${file}: ✘ unsafe (R-DOC-1), refused: ${err.message}\n`);
      return 1;
    }
    const consistent = isConsistent(x);
    if (ctx.values.json) ctx.stdout.write(`${JSON.stringify({ safe: true, consistent, ...x })}\n`);
    else
      ctx.stdout.write(
        `${[`${file}: ✔ safe (R-DOC-1), ${consistent ? '✔ consistent' : '✘ inconsistent'}`, ...inspectionLines(x)].join('\n')}\n`,
      );
    return consistent ? 0 : 1;
  },
};

const messageCheck: Command = {
  name: 'check',
  summary: 'Run the API LPS submission checks (R-DOC-1, R-DOC-2) on a whole message offline (exit 1 on any mismatch)',
  args: '<message.eml>',
  description: 'Recipients for the X-MSS-MES rule are taken from To, Cc and Bcc unless --rcpt names them (repeat by commas).',
  options: {
    rcpt: { type: 'string', description: 'envelope recipients, comma-separated', valueName: 'addresses' },
    json: { type: 'boolean', description: 'Print the outcome as JSON' },
  },
  async run(ctx) {
    const file = onePositional(ctx, 'mss message check takes one message file');
    const raw = readInput(file, 'message');
    const root = parseMessage(raw);
    const recipients =
      typeof ctx.values.rcpt === 'string'
        ? ctx.values.rcpt
            .split(',')
            .map((r) => r.trim())
            .filter((r) => r !== '')
        : ['to', 'cc', 'bcc'].flatMap((h) => headerAddresses(root, h).map((a) => a.address));
    try {
      const { outcome, archives } = await checkMessageDocuments(raw, root, { recipients });
      const ok = outcome.mismatches.length === 0;
      if (ctx.values.json) {
        ctx.stdout.write(`${JSON.stringify({ safe: true, consistent: ok, outcome, archives })}\n`);
      } else {
        const lines = [`${file}: ${ok ? '✔' : '✘'} ${describeOutcome(outcome)}`];
        for (const m of outcome.mismatches) lines.push(`  ✘ ${m.kind}: ${m.detail}`);
        for (const a of archives)
          lines.push(`  attachment ${a.part} ${a.filename ?? ''}`, ...inspectionLines(a.inspection).map((l) => `  ${l}`));
        ctx.stdout.write(`${lines.join('\n')}\n`);
      }
      return ok ? 0 : 1;
    } catch (err) {
      if (!isUnsafeArchiveError(err)) throw err;
      if (ctx.values.json)
        ctx.stdout.write(`${JSON.stringify({ safe: false, limit: err.limit, entry: err.entry, detail: err.message })}\n`);
      else ctx.stdout.write(`${file}: ✘ unsafe IHE_XDM attachment (R-DOC-1), refused with 554 5.6.0: ${err.message}\n`);
      return 1;
    }
  },
};

export const xdmCommand: Command = {
  name: 'xdm',
  summary: 'IHE_XDM archives of CDA documents: build one, inspect one safely',
  subcommands: [build, inspect],
};

export const messageCommand: Command = {
  name: 'message',
  summary: 'Messages as the API LPS judges them',
  subcommands: [messageCheck],
};
