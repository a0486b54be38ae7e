// Extraction_Correspondance_MSSante files: streamed ZIP checked by Debian's unzip, the 31
// columns read back strictly, liste rouge and cotitulaires absent, rows pulled page by page.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CURL, UNZIP, curlMissing, persona, run, startHttpWorld, unzipMissing, type HttpWorld } from './support/http-world.ts';
import {
  EXTRACTION_COLUMNS,
  extractionBaseName,
  extractionText,
  extractionZip,
  writeExtractionFile,
  type DirectoryData,
  AnnuaireRepos,
} from '../src/index.ts';
import { splitStreet } from '../src/extraction/columns.ts';
import { zipSingleEntry } from '../src/extraction/zip.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-extraction-test-'));
let w: HttpWorld;

/** A strict reader of the file: header as published, 31 fields on every line, known values. */
function readExtraction(text: string): Record<string, string>[] {
  assert.ok(text.endsWith('\n'));
  const lines = text.slice(0, -1).split('\n');
  assert.deepEqual(lines[0]!.split('|'), EXTRACTION_COLUMNS);
  return lines.slice(1).map((line, i) => {
    const fields = line.split('|');
    assert.equal(fields.length, 31, `line ${i + 2} has ${fields.length} fields: ${line}`);
    const row = Object.fromEntries(EXTRACTION_COLUMNS.map((c, j) => [c, fields[j]!]));
    assert.match(row['Type de BAL']!, /^(PER|ORG|APP|CAB)$/);
    assert.match(row['Adresse BAL']!, /^[^@\s]+@[^@\s]+$/);
    assert.match(row['Dématérialisation']!, /^(True|False)$/);
    assert.match(row['Code postal structure BAL']!, /^(\d[\dAB]\d{3})?$/);
    if (row['Type de BAL'] === 'PER' || row['Type de BAL'] === 'CAB') {
      assert.match(row['Identification nationale PP']!, /^\d/);
      assert.equal(row['Identification nationale PP'], row['Type Identifiant PP']! + row['Identifiant PP']!);
    } else {
      assert.equal(row['Identification nationale PP'], '');
      assert.match(row['Identification Structure']!, /^[13]\d+$/);
    }
    return row;
  });
}

async function download(url: string, file: string): Promise<{ headers: string }> {
  const r = await run(CURL, ['-sS', '-D', '-', '-o', file, url]);
  assert.equal(r.code, 0, r.stderr);
  return { headers: r.stdout };
}

async function unzipText(file: string): Promise<{ name: string; text: string }> {
  const test = await run(UNZIP, ['-t', file]);
  assert.equal(test.code, 0, test.stdout + test.stderr);
  const list = await run(UNZIP, ['-Z1', file]);
  assert.equal(list.code, 0, list.stderr);
  const names = list.stdout.trim().split('\n');
  assert.equal(names.length, 1);
  const body = await run(UNZIP, ['-p', file, names[0]!]);
  assert.equal(body.code, 0, body.stderr);
  return { name: names[0]!, text: body.stdout };
}

async function publishedCount(): Promise<number> {
  let n = 0;
  let afterId: number | undefined;
  for (;;) {
    const page = await new AnnuaireRepos(w.store).publication.publishedMailboxes({ afterId, limit: 5000 });
    n += page.length;
    if (page.length < 5000) return n;
    afterId = page.at(-1)!.id;
  }
}

before(async () => {
  w = await startHttpWorld({ professionals: 200, extractionDir: path.join(tmp, 'daily') });
});
after(async () => {
  await w?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('extraction over HTTP', { skip: curlMissing || unzipMissing }, () => {
  test('GET /extractions/latest: a zip named Extraction_Correspondance_MSSante_AAAAMMJJhhmm holding the .txt', async () => {
    const file = path.join(tmp, 'latest.zip');
    const { headers } = await download(`${w.http.url}/extractions/latest`, file);
    assert.match(headers, /content-type: application\/zip/i);
    const m = /content-disposition: attachment; filename=(Extraction_Correspondance_MSSante_(\d{12})\.zip)/i.exec(headers);
    assert.ok(m, headers);
    const { name, text } = await unzipText(file);
    assert.equal(name, m[1]!.replace(/\.zip$/, '.txt'));
    const rows = readExtraction(text);
    assert.equal(rows.length, await publishedCount());
    assert.equal(new Set(rows.map((r) => r['Adresse BAL'])).size, rows.length, 'one line per mailbox');
  });

  test('the demo mailboxes, column by column; the CAB on its owner only; no delegate, no cotitulaire', async () => {
    const file = path.join(tmp, 'demo.zip');
    await download(`${w.http.url}/extractions/latest`, file);
    const rows = readExtraction((await unzipText(file)).text);
    const by = new Map(rows.map((r) => [r['Adresse BAL'], r]));
    const gp = by.get(persona(w, 'gp').mailboxes[0]!)!;
    assert.deepEqual(
      [
        gp['Type de BAL'],
        gp['Type Identifiant PP'],
        gp['Identifiant PP'],
        gp['Identification nationale PP'],
        gp["Nom d'exercice"],
        gp["Prénom d'exercice"],
        gp['Code Profession'],
        gp['Code savoir-faire'],
        gp['Catégorie profession'],
        gp['Libellé de catégorie profession'],
      ],
      ['PER', '8', persona(w, 'gp').idnat.slice(1), persona(w, 'gp').idnat, 'Martin', 'Paul', '10', 'SM54', 'C', 'Civil'],
    );
    assert.deepEqual(
      [
        gp['L4NUMEROVOIE structure BAL'],
        gp['NL4TYPEVOIE structure BAL'],
        gp['L4LIBELLEVOIE structure BAL'],
        gp['L6LIGNEACHEMINEMENT structure BAL'],
        gp['Code postal structure BAL'],
        gp['Département structure BAL'],
      ],
      ['27', 'BD', 'de la Liberté', '93260 LES LILAS', '93260', '93'],
    );
    const cab = by.get(persona(w, 'cab-owner').mailboxes[0]!)!;
    assert.equal(cab['Identification nationale PP'], persona(w, 'cab-owner').idnat);
    const org = by.get(persona(w, 'hospital-admin').mailboxes[0]!)!;
    assert.deepEqual(
      [
        org['Type de BAL'],
        org['Type identifiant structure'],
        org['Identification Structure'],
        org['Service de rattachement'],
        org['Raison Sociale structure BAL'],
      ],
      ['ORG', '1', '1930000013', 'Cardiologie', 'Centre hospitalier des Lilas'],
    );
    const people = new Set(rows.map((r) => r['Identification nationale PP']));
    for (const key of ['cab-cotitulaire', 'cab-cotitulaire-2', 'secretary', 'patient']) assert.ok(!people.has(persona(w, key).idnat), key);
  });

  test('liste rouge mailboxes are not in the file; they come back when taken off it', async () => {
    const addr = persona(w, 'cab-owner').mailboxes[0]!;
    const m = (await w.store.mailboxes.byAddress(addr))!;
    await w.store.mailboxes.update(m.id, { liste_rouge: 1 });
    const file = path.join(tmp, 'lr.zip');
    await download(`${w.http.url}/extractions/latest`, file);
    const rows = readExtraction((await unzipText(file)).text);
    assert.ok(!rows.some((r) => r['Adresse BAL'] === addr));
    assert.equal(rows.length, await publishedCount());
    await w.store.mailboxes.update(m.id, { liste_rouge: 0 });
  });

  test("HEAD gives the headers only; the real service's path serves the same file", async () => {
    const head = await run(CURL, ['-sS', '-I', `${w.http.url}/extractions/latest`]);
    assert.match(head.stdout, /^HTTP\/1\.1 200/);
    assert.match(head.stdout, /content-disposition: attachment; filename=Extraction_Correspondance_MSSante_\d{12}\.zip/i);
    const file = path.join(tmp, 'legacy.zip');
    await download(`${w.http.url}/annuaire-sante-webservices/V300/services/extraction/Extraction_Correspondance_MSSante`, file);
    readExtraction((await unzipText(file)).text);
    const post = await run(CURL, ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST', `${w.http.url}/extractions/latest`]);
    assert.equal(post.stdout, '405');
  });

  test('daily files written to the extraction directory are listed and served as they were written', async () => {
    const at = new Date('2026-03-05T03:00:00.000Z');
    const written = await writeExtractionFile(w.data, path.join(tmp, 'daily'), at);
    assert.equal(path.basename(written), 'Extraction_Correspondance_MSSante_202603050300.zip');
    const list = (await (await fetch(`${w.http.url}/extractions`)).json()) as any;
    assert.deepEqual(
      list.files.map((f: any) => f.name),
      ['Extraction_Correspondance_MSSante_202603050300.zip'],
    );
    const file = path.join(tmp, 'daily-copy.zip');
    await download(list.files[0].url, file);
    assert.deepEqual(fs.readFileSync(file), fs.readFileSync(written));
    const { name, text } = await unzipText(file);
    assert.equal(name, 'Extraction_Correspondance_MSSante_202603050300.txt');
    readExtraction(text);
    const missing = await run(CURL, [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      `${w.http.url}/extractions/Extraction_Correspondance_MSSante_209901010000.zip`,
    ]);
    assert.equal(missing.stdout, '404');
    assert.deepEqual(
      fs.readdirSync(path.join(tmp, 'daily')),
      ['Extraction_Correspondance_MSSante_202603050300.zip'],
      'no temporary file left',
    );
  });
});

describe('streaming', () => {
  test('rows are read page by page, only as the consumer reads', async () => {
    const calls: (number | undefined)[] = [];
    const data = {
      async publishedMailboxPage(afterId: number | undefined, limit: number) {
        calls.push(afterId);
        const start = afterId ?? 0;
        if (start >= 10 * limit) return [];
        return Array.from({ length: limit }, (_, i) => ({
          ...sample,
          id: start + i + 1,
          address: `bal${start + i + 1}@operateur-a.mssante.fr`,
        }));
      },
    } as unknown as DirectoryData;
    const { chunks } = extractionZip(data, new Date(), 100);
    await chunks.next(); // the local file header: no row read yet
    assert.equal(calls.length, 0);
    await chunks.return(undefined);
    const text = extractionText(data, 100);
    await text.next(); // header line
    await text.next(); // first page
    assert.deepEqual(calls, [undefined]);
    await text.return(undefined);
  });

  test('a multi-page extraction through our zip writer reads back with unzip', { skip: unzipMissing }, async () => {
    const pages = 12;
    const data = {
      async publishedMailboxPage(afterId: number | undefined, limit: number) {
        const start = afterId ?? 0;
        if (start >= pages * limit) return [];
        return Array.from({ length: limit }, (_, i) => ({
          ...sample,
          id: start + i + 1,
          address: `bal${start + i + 1}@operateur-a.mssante.fr`,
        }));
      },
    } as unknown as DirectoryData;
    const file = path.join(tmp, 'pages.zip');
    const { chunks } = extractionZip(data, new Date('2026-01-02T03:04:00Z'), 500);
    await pipeline(Readable.from(chunks), fs.createWriteStream(file));
    const { name, text } = await unzipText(file);
    assert.equal(name, `${extractionBaseName(new Date('2026-01-02T03:04:00Z'))}.txt`);
    const rows = readExtraction(text);
    assert.equal(rows.length, pages * 500);
    assert.equal(rows.at(-1)!['Adresse BAL'], `bal${pages * 500}@operateur-a.mssante.fr`);
  });

  test('zip writer: an empty entry and a non-ASCII name', { skip: unzipMissing }, async () => {
    const file = path.join(tmp, 'empty.zip');
    await pipeline(Readable.from(zipSingleEntry('données é.txt', new Date(), (async function* () {})())), fs.createWriteStream(file));
    const t = await run(UNZIP, ['-t', file]);
    assert.equal(t.code, 0, t.stdout + t.stderr);
    assert.equal((await run(UNZIP, ['-Z1', file])).stdout.trim(), 'données é.txt');
  });
});

describe('columns', () => {
  test('street split into number, complement, type code, name', () => {
    assert.deepEqual(splitStreet('27 boulevard de la Liberté'), { number: '27', complement: '', type: 'BD', name: 'de la Liberté' });
    assert.deepEqual(splitStreet('3 bis rue des Écoles'), { number: '3', complement: 'BIS', type: 'R', name: 'des Écoles' });
    assert.deepEqual(splitStreet('Allée des Tilleuls'), { number: '', complement: '', type: 'ALL', name: 'des Tilleuls' });
    assert.deepEqual(splitStreet('Lieu-dit Le Bourg'), { number: '', complement: '', type: '', name: 'Lieu-dit Le Bourg' });
  });

  test('a separator or a line break inside a value never breaks the line', async () => {
    const { extractionRow } = await import('../src/index.ts');
    const row = extractionRow({ ...sample, description: null, service: 'A|B\nC' } as never);
    assert.equal(row.length, 31);
    assert.equal(row[7], 'A B C');
  });
});

const sample = {
  id: 1,
  address: 'x@operateur-a.mssante.fr',
  type: 'PER',
  owner_idnat: '810000001056',
  description: null,
  service: null,
  digitization: 1,
  civility: 'M',
  last_name: 'Martin',
  first_name: 'Paul',
  rpps: '10000001056',
  profession_code: '10',
  profession_label: 'Médecin',
  category_code: 'C',
  speciality_code: null,
  speciality_label: null,
  practice_name: 'Cabinet',
  situation_street: '1 rue de Paris',
  situation_postal_code: '93260',
  situation_city: 'Les Lilas',
  situation_departement: '93',
  structure_idnat: null,
  structure_name: null,
  structure_street: null,
  structure_postal_code: null,
  structure_city: null,
  structure_departement: null,
};
