// One of two processes writing the same store at once (issue #17, several nodes): appends
// messages to a folder, or claims queue rows, as fast as it can, and prints what it got as JSON.
// Usage: concurrent-writer.ts append|claim DATABASE_URL|'' DATA_DIR FOLDER_ID|NODE COUNT IDNAT
import { Store } from '../../src/index.ts';

const [mode, url, dataDir, target, countRaw, idnat] = process.argv.slice(2) as [string, string, string, string, string, string];
const store = await Store.open({ databaseUrl: url || undefined, dataDir, migrate: false });
const count = Number(countRaw);
try {
  if (mode === 'append') {
    const folderId = Number(target);
    const blob = await store.ingest(Buffer.from(`From: <a@operateur-a.mssante.fr>\r\nSubject: ${process.pid}\r\n\r\nx\r\n`));
    const rows: { uid: number; modseq: number }[] = [];
    // Eight at a time: the transactions of this process overlap each other's and the other process's.
    for (let i = 0; i < count; i += 8) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(8, count - i) }, () =>
          store.transaction((tx) => tx.mail.appendMessage(folderId, { ...blob, authorIdnat: idnat })),
        ),
      );
      rows.push(...batch.map((m) => ({ uid: Number(m.uid), modseq: Number(m.modseq) })));
    }
    process.stdout.write(JSON.stringify(rows));
  } else {
    const ids: number[] = [];
    for (;;) {
      const claimed = await store.queue.claimDue(count, 600_000, target);
      if (claimed.length === 0) break;
      ids.push(...claimed.map((r) => r.id));
    }
    process.stdout.write(JSON.stringify(ids));
  }
} finally {
  await store.close();
}
