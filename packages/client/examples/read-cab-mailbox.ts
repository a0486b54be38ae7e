// A nurse's software: Sophie Moreau, cotitulaire of the practice's CAB mailbox, opens it with her own
// PSC token, reads the discharge letter the hospital sent (its CDA), files it by UID and answers the
// read receipt if one was asked (scenario cab-cotitulaire of `mss conformance`).
import { approveOnSandboxEcps, environmentFromEnv, MssClient } from '@mss/client';

const environment = environmentFromEnv(process.env);
const client = await MssClient.connect({
  environment,
  psc: { clientId: 'mss-lps-sandbox', clientSecret: 'mss-lps-sandbox-secret' },
  nil: 'DEV935997',
  tokens: {
    ciba: { bindingMessage: 'Cabinet infirmier' },
    onApprovalRequested: async (_idnat, r) => {
      if (process.env.MSS_ECPS_AUTO_APPROVE === '1') await approveOnSandboxEcps(environment, r.authReqId);
    },
  },
});
const cab = client
  .person(process.env.LPS_IDNAT ?? '810000001395')
  .mailbox(process.env.LPS_MAILBOX ?? 'cabinet.infirmiers-des-lilas@operateur-a.mssante.fr');

await cab.withImap(async (imap) => {
  const { uid, message } = await imap.waitFor((m) => m.documents.length > 0, { timeoutMs: 60_000 });
  console.log(`${message.subject} — de ${message.from?.address}`);
  for (const d of message.documents) console.log(`  ${d.typeCode} « ${d.title} », patient INS ${d.ins ?? 'non qualifié'}`);
  await imap.flow.mailboxCreate('Traités').catch(() => undefined); // already there: fine
  await imap.markSeen(uid);
  await imap.move(uid, 'Traités');
  if (message.readReceiptTo) await cab.sendReadReceipt(message);
  console.log('classé dans Traités');
});
