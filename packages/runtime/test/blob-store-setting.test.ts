// MSS_BLOB_STORE (issue #17): files under the data directory by default, or an S3-compatible
// bucket; a bad value is one line naming the variable and the problem, secrets never printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MssError, describeConfig, loadBlobStoreSetting, loadConfig } from '../src/index.ts';

function problem(env: Record<string, string>): string {
  try {
    loadBlobStoreSetting(env);
  } catch (err) {
    assert.ok(err instanceof MssError);
    assert.equal(err.code, 'CONFIG_INVALID');
    assert.equal(err.exitCode, 2);
    assert.doesNotMatch(err.message, /\n/, 'one line');
    return err.message;
  }
  assert.fail('expected a configuration error');
}

test('MSS_BLOB_STORE unset or file: files under the data directory', () => {
  assert.deepEqual(loadBlobStoreSetting({}), { kind: 'file' });
  assert.deepEqual(loadBlobStoreSetting({ MSS_BLOB_STORE: 'file' }), { kind: 'file' });
  assert.match(describeConfig(loadConfig({}, {})), / blobStore=file /);
});

test('MSS_BLOB_STORE s3://: bucket, prefix, endpoint, region, path style, credentials from their own variables', () => {
  const s = loadBlobStoreSetting({
    MSS_BLOB_STORE: 's3://mss-blobs/node-a?endpoint=http://127.0.0.1:9000/&region=eu-west-3',
    MSS_BLOB_STORE_ACCESS_KEY_ID: 'key',
    MSS_BLOB_STORE_SECRET_ACCESS_KEY: 'very-secret',
  });
  assert.deepEqual(s, {
    kind: 's3',
    bucket: 'mss-blobs',
    prefix: 'node-a/',
    endpoint: 'http://127.0.0.1:9000',
    region: 'eu-west-3',
    forcePathStyle: true,
    credentials: { accessKeyId: 'key', secretAccessKey: 'very-secret' },
  });
  // AWS itself: no endpoint, virtual-hosted buckets, the SDK's default credentials.
  assert.deepEqual(loadBlobStoreSetting({ MSS_BLOB_STORE: 's3://mss-blobs' }), {
    kind: 's3',
    bucket: 'mss-blobs',
    prefix: '',
    endpoint: undefined,
    region: 'us-east-1',
    forcePathStyle: false,
    credentials: undefined,
  });
  const line = describeConfig(
    loadConfig(
      {},
      {
        MSS_BLOB_STORE: 's3://b-1?endpoint=https://s3.example:443',
        MSS_BLOB_STORE_ACCESS_KEY_ID: 'k',
        MSS_BLOB_STORE_SECRET_ACCESS_KEY: 'very-secret',
      },
    ),
  );
  assert.match(line, / blobStore=s3:\/\/b-1\/@https:\/\/s3\.example /);
  assert.doesNotMatch(line, /very-secret/);
});

test('a bad MSS_BLOB_STORE names the variable and the problem', () => {
  assert.match(problem({ MSS_BLOB_STORE: 'minio' }), /^MSS_BLOB_STORE: "minio" is not "file" nor an s3:\/\/ URL/);
  assert.match(problem({ MSS_BLOB_STORE: 'gs://bucket' }), /scheme "gs:" is not supported/);
  assert.match(problem({ MSS_BLOB_STORE: 's3://Bad_Bucket' }), /"Bad_Bucket" is not an S3 bucket name/);
  assert.match(problem({ MSS_BLOB_STORE: 's3://key:secret@bucket' }), /credentials do not go in the URL/);
  assert.doesNotMatch(problem({ MSS_BLOB_STORE: 's3://key:secret@bucket' }), /secret@/);
  assert.match(problem({ MSS_BLOB_STORE: 's3://bucket?endpont=http://x' }), /unknown parameter "endpont"/);
  assert.match(problem({ MSS_BLOB_STORE: 's3://bucket?endpoint=ftp://x' }), /endpoint "ftp:\/\/x" is not http\(s\)/);
  assert.match(problem({ MSS_BLOB_STORE: 's3://bucket?path_style=yes' }), /path_style "yes" is not true or false/);
  assert.match(problem({ MSS_BLOB_STORE: 's3://bucket', MSS_BLOB_STORE_ACCESS_KEY_ID: 'k' }), /set both or neither/);
  assert.match(problem({ MSS_BLOB_STORE_SECRET_ACCESS_KEY: 's' }), /MSS_BLOB_STORE is not an s3:\/\/ URL/);
});
