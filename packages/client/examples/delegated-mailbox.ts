// A medical secretary's software: Julie Bernard opens Dr Martin's personal mailbox with her own PSC
// token (a delegation, R-DEL-1), reads it, and writes from it — the sender is the mailbox
// (R-DEL-3). Scenario delegated-mailbox of `mss conformance`.
import { approveOnSandboxEcps, environmentFromEnv, MssClient } from '@mss/client';

const environment = environmentFromEnv(process.env);
const client = await MssClient.connect({
  environment,
  psc: { clientId: 'mss-lps-sandbox', clientSecret: 'mss-lps-sandbox-secret' },
  nil: 'DEV935997',
  tokens: {
    ciba: { bindingMessage: 'Secrétariat Dr Martin' },
    onApprovalRequested: async (_idnat, r) => {
      if (process.env.MSS_ECPS_AUTO_APPROVE === '1') await approveOnSandboxEcps(environment, r.authReqId);
    },
  },
});
const julie = client.person(process.env.LPS_IDNAT ?? '810000001478');
const gp = julie.mailbox(process.env.LPS_MAILBOX ?? 'paul.martin@operateur-a.mssante.fr');

const inbox = await gp.withImap((imap) => imap.fetch('INBOX'));
for (const { message } of inbox) console.log(`${message.from?.address} : ${message.subject}`);
const sent = await gp.send({
  to: ['cabinet.infirmiers-des-lilas@operateur-a.mssante.fr'],
  subject: 'Rendez-vous confirmé',
  text: 'Bonjour, le Dr Martin recevra M. Dupont mardi à 10 h.\n\nJulie Bernard, secrétariat du Dr Martin',
});
console.log(`envoyé ${sent.messageId} : ${sent.response}`);
