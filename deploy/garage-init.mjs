// Prepares the Garage of deploy/compose.yaml for the operator nodes, through Garage's admin API
// (v2): gives its one node a role in the cluster layout, imports the operators' access key and
// creates their bucket with read and write for that key. Run once before the nodes start (the
// compose file's s3-init service, with the operator image's Node); it changes nothing on a
// second run. Written from Garage's admin API v2 specification and checked here with
// `node --check` only: no container engine or Garage on the machine it was written on.
//
// Environment: GARAGE_ADMIN_URL (http://s3:3903), GARAGE_ADMIN_TOKEN_FILE, GARAGE_BUCKET
// (mss-blobs), GARAGE_CAPACITY (bytes, default 100 GB), and the operators' own
// MSS_BLOB_STORE_ACCESS_KEY_ID (GK + 24 hex digits) and MSS_BLOB_STORE_SECRET_ACCESS_KEY (64 hex).
import { readFileSync } from 'node:fs';

const adminUrl = process.env.GARAGE_ADMIN_URL ?? 'http://s3:3903';
const token = readFileSync(process.env.GARAGE_ADMIN_TOKEN_FILE ?? '/run/secrets/garage-admin-token', 'utf8').trim();
const bucket = process.env.GARAGE_BUCKET ?? 'mss-blobs';
const capacity = Number(process.env.GARAGE_CAPACITY ?? 100e9);
const accessKeyId = process.env.MSS_BLOB_STORE_ACCESS_KEY_ID ?? '';
const secretAccessKey = process.env.MSS_BLOB_STORE_SECRET_ACCESS_KEY ?? '';
if (!/^GK[0-9a-f]{24}$/.test(accessKeyId)) fail('MSS_BLOB_STORE_ACCESS_KEY_ID must be GK followed by 24 hex digits (Garage key id)');
if (!/^[0-9a-f]{64}$/.test(secretAccessKey)) fail('MSS_BLOB_STORE_SECRET_ACCESS_KEY must be 64 hex digits (openssl rand -hex 32)');

function fail(message) {
  process.stderr.write(`garage-init: ${message}\n`);
  process.exit(2);
}

async function call(method, path, body) {
  const res = await fetch(`${adminUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

// Garage may still be starting: its admin API answers within a minute or not at all.
let status;
for (let attempt = 1; status === undefined; attempt++) {
  try {
    status = await call('GET', '/v2/GetClusterStatus');
  } catch (err) {
    if (attempt === 60) fail(`Garage's admin API at ${adminUrl} did not answer: ${err.message}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

// A node without a role stores nothing: give every node that has none one, in one zone.
const roleless = status.nodes.filter((n) => !n.role);
if (roleless.length > 0) {
  await call('POST', '/v2/UpdateClusterLayout', {
    roles: roleless.map((n) => ({ id: n.id, zone: 'dc1', capacity, tags: [] })),
  });
  const layout = await call('GET', '/v2/GetClusterLayout');
  await call('POST', '/v2/ApplyClusterLayout', { version: layout.version + 1 });
  process.stdout.write(`garage-init: layout version ${layout.version + 1}, ${roleless.length} node(s) given a role\n`);
}

const keys = await call('GET', '/v2/ListKeys');
if (!keys.some((k) => k.id === accessKeyId)) {
  await call('POST', '/v2/ImportKey', { accessKeyId, secretAccessKey, name: 'mss-operator' });
  process.stdout.write(`garage-init: key ${accessKeyId} imported\n`);
}

const buckets = await call('GET', '/v2/ListBuckets');
let bucketId = buckets.find((b) => b.globalAliases.includes(bucket))?.id;
if (!bucketId) {
  bucketId = (await call('POST', '/v2/CreateBucket', { globalAlias: bucket })).id;
  process.stdout.write(`garage-init: bucket ${bucket} created\n`);
}
// Setting permissions that are already set is harmless (AllowBucketKey only turns flags on).
await call('POST', '/v2/AllowBucketKey', { bucketId, accessKeyId, permissions: { read: true, write: true, owner: false } });
process.stdout.write(`garage-init: ${accessKeyId} may read and write ${bucket}\n`);
