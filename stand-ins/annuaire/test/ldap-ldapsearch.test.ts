// The server seen through OpenLDAP's ldapsearch (Debian ldap-utils), as a user types it.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BAL_BASE, startTestLdap, type TestLdap } from './support/ldap-fixtures.ts';

const LDAPSEARCH = '/usr/bin/ldapsearch';
const missing = existsSync(LDAPSEARCH) ? false : `${LDAPSEARCH} is missing: install ldap-utils (Debian) to run these tests`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function ldapsearch(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(LDAPSEARCH, args, { timeout: 15_000, env: { ...process.env, LDAPNOINIT: '1' } }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** LDIF values, base64 ones (`attr:: …`) decoded. */
function values(ldif: string, attribute: string): string[] {
  const out: string[] = [];
  const unfolded = ldif.replace(/\n /g, '');
  for (const line of unfolded.split('\n')) {
    const match = /^([^:]+)(::?) ?(.*)$/.exec(line);
    if (match && match[1]!.toLowerCase() === attribute.toLowerCase())
      out.push(match[2] === '::' ? Buffer.from(match[3]!, 'base64').toString('utf8') : match[3]!);
  }
  return out;
}

describe('ldapsearch', { skip: missing }, () => {
  let ldap: TestLdap;
  before(async () => {
    ldap = await startTestLdap();
  });
  after(() => ldap.stop());

  test("ldapsearch -x -b ou=bal,o=mssante,c=fr '(sn=Martin)': 100 entries and exit code 4 (size limit exceeded)", async () => {
    const run = await ldapsearch(['-x', '-H', ldap.url, '-b', BAL_BASE, '(sn=Martin)']);
    assert.equal(run.code, 4, run.stderr);
    assert.equal(values(run.stdout, 'dn').length, 100);
    assert.ok(values(run.stdout, 'sn').every((sn) => sn === 'Martin'));
    assert.match(run.stdout, /^result: 4 Size limit exceeded$/m);
    assert.match(run.stdout, /^# numEntries: 100$/m);
    assert.deepEqual(values(run.stdout, 'telephoneNumber'), []);
    assert.deepEqual(values(run.stdout, 'mobile'), []);
  });

  test('-z 5 returns 5 entries and exit code 4; a selective filter exits 0 with UTF-8 values intact', async () => {
    const limited = await ldapsearch(['-x', '-H', ldap.url, '-b', BAL_BASE, '-z', '5', '(sn=Martin)', 'cn']);
    assert.equal(limited.code, 4);
    assert.equal(values(limited.stdout, 'dn').length, 5);
    const target = ldap.entries.find((e) => e.attributes.givenName![0] === 'Hélène')!;
    const mail = target.attributes.mail![0]!;
    const exact = await ldapsearch(['-x', '-LLL', '-H', ldap.url, '-b', BAL_BASE, `(mail=${mail})`, 'cn', 'givenName', 'telephoneNumber']);
    assert.equal(exact.code, 0, exact.stderr);
    assert.deepEqual(values(exact.stdout, 'dn'), [target.dn]);
    assert.deepEqual(values(exact.stdout, 'givenName'), ['Hélène']);
    assert.deepEqual(values(exact.stdout, 'cn'), target.attributes.cn);
    assert.deepEqual(values(exact.stdout, 'telephoneNumber'), []);
  });

  test('the root DSE with +', async () => {
    const run = await ldapsearch(['-x', '-LLL', '-H', ldap.url, '-b', '', '-s', 'base', '+']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(values(run.stdout, 'namingContexts'), ['o=mssante,c=fr']);
    assert.deepEqual(values(run.stdout, 'supportedLDAPVersion'), ['3']);
  });

  test('errors come back as ldapsearch reports them: no such object, bad filter, refused bind', async () => {
    const elsewhere = await ldapsearch(['-x', '-H', ldap.url, '-b', 'o=elsewhere', '(cn=*)']);
    assert.equal(elsewhere.code, 32);
    const deep = await ldapsearch(['-x', '-H', ldap.url, '-b', BAL_BASE, `${'(!'.repeat(100)}(cn=x)${')'.repeat(100)}`]);
    assert.equal(deep.code, 53, deep.stdout + deep.stderr);
    const bound = await ldapsearch(['-x', '-H', ldap.url, '-D', 'cn=admin,o=mssante,c=fr', '-w', 'secret', '-b', BAL_BASE, '(cn=x)']);
    assert.equal(bound.code, 49);
  });
});
