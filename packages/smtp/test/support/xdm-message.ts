// A message as a hospital's software sends a CDA: text part, IHE_XDM.ZIP attachment (base64),
// and the Ref. #2 headers it chooses (domain reference §9).
export function xdmMessage(o: { from: string; to: string[]; subject: string; headers: Record<string, string>; zip?: Buffer }): Buffer {
  const lines = [
    `From: <${o.from}>`,
    `To: ${o.to.map((t) => `<${t}>`).join(', ')}`,
    `Subject: ${o.subject}`,
    `Message-ID: <${Math.random().toString(36).slice(2)}@lps.example>`,
    ...Object.entries(o.headers).map(([k, v]) => `${k}: ${v}`),
    'MIME-Version: 1.0',
  ];
  if (!o.zip) return Buffer.from([...lines, 'Content-Type: text/plain; charset=utf-8', '', 'Bonjour.', ''].join('\r\n'));
  const b64 = o.zip.toString('base64').replace(/.{1,76}/g, '$&\r\n');
  return Buffer.from(
    [
      ...lines,
      'Content-Type: multipart/mixed; boundary="sep"',
      '',
      '--sep',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Veuillez trouver ci-joint le document.',
      '--sep',
      'Content-Type: application/zip; name="IHE_XDM.ZIP"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="IHE_XDM.ZIP"',
      '',
      `${b64}--sep--`,
      '',
    ].join('\r\n'),
  );
}
