/**
 * Seeding benchmark: `mss seed`'s loader (kysely, multi-row upserts, history, holders) against a
 * peer measured in the same run — the same generated rows written into the same schema with raw
 * node:sqlite prepared statements (one INSERT per row, one transaction per batch), which is about
 * the fastest way to put them into SQLite. The ratio shows what our layers cost.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Store } from '@mss/store';
import { generateDirectory, seedDirectory, type SeedBatch } from '@mss/seed';

const N = Number(process.env.BENCH_PROFESSIONALS ?? 200_000);
const DOMAIN = 'operateur-a.mssante.fr';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mss-bench-seed-'));
}

async function ours(): Promise<{ seconds: number; persons: number }> {
  const dir = tmp();
  const store = await Store.open({ dataDir: dir, databaseUrl: undefined });
  try {
    const s = await seedDirectory(store, { seed: 1, professionals: N, operatorDomain: DOMAIN });
    return { seconds: s.seconds, persons: s.persons };
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function generationOnly(): Promise<number> {
  const t = performance.now();
  let n = 0;
  for (const b of generateDirectory({ seed: 1, professionals: N, operatorDomain: DOMAIN })) n += b.persons.length;
  if (n === 0) throw new Error('generator produced nothing');
  return (performance.now() - t) / 1000;
}

async function peerRawSqlite(): Promise<number> {
  const dir = tmp();
  // Same schema, created by our migrations, then closed: the peer only writes rows.
  const s = await Store.open({ dataDir: dir, databaseUrl: undefined });
  await s.close();
  const db = new DatabaseSync(path.join(dir, 'mss.sqlite'));
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
  const now = new Date().toISOString();
  const person = db.prepare('INSERT INTO persons VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)');
  const structure = db.prepare('INSERT INTO structures VALUES (?,?,?,?,?,?,?,?,?,?,?,?)');
  const situation = db.prepare('INSERT INTO situations VALUES (?,?,?,?,?,?,?,?,?,?,?,?)');
  const mailbox = db.prepare(
    'INSERT INTO mailboxes (address,address_key,type,status,owner_idnat,situation_id,liste_rouge,description,service,digitization,created_at,updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id',
  );
  const holder = db.prepare('INSERT INTO mailbox_holders VALUES (?,?,?,?,?)');
  const ids = new Map<string, number>();
  const t = performance.now();
  for (const b of generateDirectory({ seed: 1, professionals: N, operatorDomain: DOMAIN }) as Iterable<SeedBatch>) {
    db.exec('BEGIN');
    for (const p of b.persons)
      person.run(
        p.idnat,
        p.kind,
        p.idType,
        p.rpps,
        p.civility,
        p.lastName,
        p.firstName,
        p.professionCode,
        p.professionLabel,
        p.categoryCode,
        p.specialityCode,
        p.specialityLabel,
        now,
        now,
      );
    for (const x of b.structures)
      structure.run(x.idnat, x.idType, x.finess, x.siret, x.name, x.sectorCode, x.street, x.postalCode, x.city, x.departement, now, now);
    for (const x of b.situations)
      situation.run(
        x.id,
        x.personIdnat,
        x.structureIdnat,
        x.practiceName,
        x.mode,
        x.roleLabel,
        x.street,
        x.postalCode,
        x.city,
        x.departement,
        x.startDate,
        x.endDate,
      );
    for (const m of b.mailboxes) {
      const r = mailbox.get(
        m.address,
        m.address.toLowerCase(),
        m.type,
        'active',
        m.ownerIdnat,
        m.situationId,
        m.listeRouge ? 1 : 0,
        m.description,
        m.service,
        m.digitization ? 1 : 0,
        now,
        now,
      ) as { id: number };
      ids.set(m.address, r.id);
    }
    for (const h of b.holders) holder.run(ids.get(h.mailboxAddress) ?? 0, h.personIdnat, h.role, now, 'seed');
    db.exec('COMMIT');
  }
  const seconds = (performance.now() - t) / 1000;
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return seconds;
}

export async function runSeedBench(): Promise<string[]> {
  process.stderr.write(`seed bench: ${N} professionals\n`);
  const gen = await generationOnly();
  process.stderr.write(`  generation only: ${gen.toFixed(2)} s\n`);
  const peer = await peerRawSqlite();
  process.stderr.write(`  peer (raw node:sqlite inserts): ${peer.toFixed(2)} s\n`);
  const our = await ours();
  process.stderr.write(`  mss seed loader: ${our.seconds.toFixed(2)} s\n`);
  return [
    ['seed', 'kind', 'professionals', 'seconds', 'professionals_per_s', 'ratio_vs_peer'].join('\t'),
    ['seed', 'generation-only', N, gen.toFixed(2), Math.round(N / gen), '-'].join('\t'),
    ['seed', 'peer-raw-sqlite', N, peer.toFixed(2), Math.round(N / peer), '1.00'].join('\t'),
    ['seed', 'mss-seed-sqlite', N, our.seconds.toFixed(2), Math.round(N / our.seconds), (peer / our.seconds).toFixed(2)].join('\t'),
  ];
}
