// One of two processes writing the same store at once (issue #17, several nodes): appends
// messages to a folder, or claims queue rows, as fast as it can, and prints what it got as JSON.
// `deliver` stores them as SMTP delivery does (`delivery.file` in group commits of eight).
// Usage: concurrent-writer.ts append|deliver|claim DATABASE_URL|'' DATA_DIR FOLDER_ID|FOLDER_ID:MAILBOX_ID|NODE COUNT IDNAT
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
  } else if (mode === 'deliver') {
    const [folderId, mailboxId] = target.split(':').map(Number) as [number, number];
    const blob = await store.ingest(Buffer.from(`From: <a@operateur-a.mssante.fr>\r\nSubject: ${process.pid}\r\n\r\nx\r\n`));
    const uids: number[] = [];
    for (let i = 0; i < count; i += 8) {
      // Called in one turn: the eight share a group commit, one after the other on its connection.
      const batch = await Promise.all(
        Array.from({ length: Math.min(8, count - i) }, () =>
          store.groupTransaction((tx) => tx.delivery.file({ ...blob, authorIdnat: idnat }, [{ folderId, mailboxId }])),
        ),
      );
      uids.push(...batch.map(([copy]) => copy!.uid));
    }
    const rows = await store.mail.messagesByUid(folderId, uids);
    const modseq = new Map(rows.map((r) => [Number(r.uid), Number(r.modseq)]));
    process.stdout.write(JSON.stringify(uids.map((uid) => ({ uid, modseq: modseq.get(uid) }))));
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
