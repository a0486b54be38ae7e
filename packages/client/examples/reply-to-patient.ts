// A GP's software answers a patient who wrote from Mon Espace Santé (X-MSS-Usager: O, R-MES-3),
// and ends the exchange with X-MSS-MES: FIN (R-MES-2) — scenario reply-to-patient of `mss conformance`.
import { approveOnSandboxEcps, environmentFromEnv, MssClient } from '@mss/client';

const environment = environmentFromEnv(process.env);
const client = await MssClient.connect({
  environment,
  psc: { clientId: 'mss-lps-sandbox', clientSecret: 'mss-lps-sandbox-secret' },
  nil: 'DEV935997',
  tokens: {
    ciba: { bindingMessage: 'Messagerie patients' },
    onApprovalRequested: async (_idnat, r) => {
      if (process.env.MSS_ECPS_AUTO_APPROVE === '1') await approveOnSandboxEcps(environment, r.authReqId);
    },
  },
});
const mailbox = client
  .person(process.env.LPS_IDNAT ?? '810000001056')
  .mailbox(process.env.LPS_MAILBOX ?? 'paul.martin@operateur-a.mssante.fr');

const { message } = await mailbox.withImap((imap) => imap.waitFor((m) => m.fromPatient, { timeoutMs: 60_000 }));
console.log(`message de ${message.from?.name} <${message.from?.address}> : ${message.subject}`);
const sent = await mailbox.send({
  to: [message.from!.address],
  subject: `Re: ${message.subject}`,
  text: 'Bonjour, non, ce n’est pas nécessaire. Bonne journée.',
  inReplyTo: message.messageId!,
  references: [...message.references, message.messageId!],
  endPatientExchange: true,
});
console.log(`répondu ${sent.messageId} : ${sent.response}`);
