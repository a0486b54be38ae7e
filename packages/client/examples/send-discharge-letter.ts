// An LPS in about 50 lines: Dr Martin's software finds Dr Lambert in the Annuaire Santé, sends her
// a discharge letter (CDA in IHE_XDM, with the Ref. #2 headers) and waits for her answer.
//   npm start   # in another terminal, then:   npx node packages/client/examples/send-discharge-letter.ts
import { readFile } from 'node:fs/promises';
import { approveOnSandboxEcps, environmentFromEnv, FhirDirectory, MssClient, searchLdap } from '@mss/client';
import { SAMPLE_DOCUMENTS } from '@mss/xdm';

const environment = environmentFromEnv(process.env);
const client = await MssClient.connect({
  environment,
  psc: { clientId: 'mss-lps-sandbox', clientSecret: 'mss-lps-sandbox-secret' },
  nil: 'DEV935997', // X-MSS-NIL: the software's product reference
  tokens: {
    ciba: { bindingMessage: 'Lettre de liaison' },
    onApprovalRequested: async (idnat, request) => {
      console.log(`${idnat}: validez « ${request.bindingMessage} » sur votre e-CPS`);
      if (process.env.MSS_ECPS_AUTO_APPROVE === '1') await approveOnSandboxEcps(environment, request.authReqId);
    },
  },
});
const doctor = client.person(process.env.LPS_IDNAT ?? '810000001056');
const mailbox = doctor.mailbox(process.env.LPS_MAILBOX ?? 'paul.martin@operateur-a.mssante.fr');

// 1. The correspondent, in the directory: FHIR by name, then LDAP as an address book would.
const directory = new FhirDirectory(environment);
const [specialist] = await directory.searchPractitioners({ family: 'Lambert', given: 'Anne', withMailbox: true }, 1);
const address = specialist?.mailboxes.find((m) => m.type === 'PER')?.address;
if (!address) throw new Error('Dr Lambert has no personal MSSanté mailbox in the directory');
const { entries } = await searchLdap(environment, { mailPrefix: address });
console.log(`destinataire : ${entries[0]?.cn ?? specialist?.family} <${address}>`);

// 2. The letter: IHE_XDM.ZIP, X-MSS-CODECDA and X-MSS-INS derived from the CDA; a read receipt asked.
const sent = await mailbox.send({
  to: [address],
  subject: 'Lettre de liaison — sortie du 12/11',
  text: 'Chère consœur,\n\nVous trouverez ci-joint la lettre de liaison de notre patiente.\n\nDr Paul Martin',
  documents: [{ cda: await readFile(SAMPLE_DOCUMENTS.dischargeLetter) }],
  readReceipt: true,
});
console.log(`envoyé ${sent.messageId} : ${sent.response}`);

// 3. Her answer: IMAP (IDLE) until a message replying to ours arrives; its documents, if any.
const answer = await mailbox.withImap((imap) =>
  imap.waitFor((m) => m.inReplyTo === sent.messageId && m.mdn === null, { timeoutMs: Number(process.env.LPS_WAIT_MS ?? 120_000) }),
);
const { message } = answer;
console.log(`réponse de ${message.from?.address} : ${message.subject}`);
for (const d of message.documents) console.log(`  document ${d.typeCode} « ${d.title} », INS ${d.ins ?? 'non qualifié'}`);
