// The README's examples run as vendors would run them, against `mss sandbox`: the example LPS
// (examples/send-discharge-letter.ts) finds Dr Lambert in the directory, sends her a discharge
// letter in IHE_XDM and waits for her answer; Dr Lambert's side, at the second operator, is the SDK
// too (she reads the letter and its CDA, sends the read receipt and a reply between operators).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { approveOnSandboxEcps, MssClient } from '@mss/client';
import { PSC_LPS, startSandbox, type TestSandbox } from './support/sandbox.ts';

const ANNE = { idnat: '810000001635', mailbox: 'anne.lambert@operateur-b.mssante.fr' };

let s: TestSandbox;
before(async () => {
  s = await startSandbox();
});
after(() => s.stop());

function runExample(name: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = fileURLToPath(new URL(`../examples/${name}`, import.meta.url));
  const child = spawn(process.execPath, [file], { env: { ...process.env, ...s.childEnv, MSS_ECPS_AUTO_APPROVE: '1', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

test('the example LPS: directory, CDA in IHE_XDM to a professional at another operator, her answer read', async () => {
  const lps = runExample('send-discharge-letter.ts', { LPS_WAIT_MS: '120000' });

  // Dr Lambert, at operator B, with her own software (the SDK on B's submission and IMAP).
  const b = await MssClient.connect({
    environment: s.envB,
    psc: PSC_LPS,
    nil: 'DEV935997',
    tokens: { onApprovalRequested: (_i, r) => approveOnSandboxEcps(s.env, r.authReqId) },
  });
  const anne = b.person(ANNE.idnat).mailbox(ANNE.mailbox);
  const letter = await anne.withImap((imap) => imap.waitFor((m) => m.subject.startsWith('Lettre de liaison'), { timeoutMs: 120_000 }));
  assert.equal(letter.message.from?.address, 'paul.martin@operateur-a.mssante.fr');
  assert.deepEqual(
    letter.message.documents.map((d) => [d.typeCode, d.ins]),
    [['11490-0', '279035121518989']],
  );
  assert.deepEqual(letter.message.mss.codeCda, ['11490-0']);
  assert.equal(letter.message.mss.ins, 'O');
  assert.equal(letter.message.mss.nil, 'DEV935997');
  await anne.sendReadReceipt(letter.message);
  await anne.send({
    to: ['paul.martin@operateur-a.mssante.fr'],
    subject: `Re: ${letter.message.subject}`,
    text: 'Bien reçu, je la vois la semaine prochaine.',
    inReplyTo: letter.message.messageId!,
    references: [letter.message.messageId!],
  });

  const r = await lps;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /destinataire : .*<anne\.lambert@operateur-b\.mssante\.fr>/);
  assert.match(r.stdout, /envoyé <[^>]+> : 250 /);
  assert.match(r.stdout, /réponse de anne\.lambert@operateur-b\.mssante\.fr : Re: Lettre de liaison/);
});
