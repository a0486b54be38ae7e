import { MssError } from './errors.ts';
import type { Environment } from './env.ts';

/**
 * Where message bodies live (docs/choices.md "Message blobs in an S3-compatible store"): files
 * under the data directory (the default), or an S3-compatible bucket shared by every node.
 */
export type BlobStoreSetting =
  | { kind: 'file' }
  | {
      kind: 's3';
      bucket: string;
      /** Prepended to every key (`mss/` → `mss/sha256/ab/cd/<hash>`); empty for none. */
      prefix: string;
      /** `http(s)://host:port` of a store other than AWS (MinIO, Ceph RGW, Garage); undefined: AWS's own endpoints. */
      endpoint: string | undefined;
      region: string;
      /** Bucket in the path (`host/bucket/key`) rather than the host name: what most self-hosted stores need. */
      forcePathStyle: boolean;
      /** MSS_BLOB_STORE_ACCESS_KEY_ID and …_SECRET_ACCESS_KEY; undefined: the AWS SDK's default chain (AWS_* variables, profiles, instance roles). */
      credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
    };

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const QUERY_KEYS = new Set(['endpoint', 'region', 'path_style']);

function invalid(problem: string): MssError {
  return new MssError('CONFIG_INVALID', `MSS_BLOB_STORE: ${problem}`, { exitCode: 2 });
}

/**
 * MSS_BLOB_STORE: unset or `file` for files under the data directory; or
 * `s3://BUCKET[/PREFIX]?endpoint=http://127.0.0.1:9000&region=us-east-1&path_style=true`
 * (endpoint unset: AWS; region default `us-east-1`; path_style default true when an endpoint is
 * given, false on AWS).
 */
export function loadBlobStoreSetting(env: Environment): BlobStoreSetting {
  const raw = env.MSS_BLOB_STORE?.trim();
  const accessKeyId = env.MSS_BLOB_STORE_ACCESS_KEY_ID || undefined;
  const secretAccessKey = env.MSS_BLOB_STORE_SECRET_ACCESS_KEY || undefined;
  if (!raw || raw === 'file') {
    if (accessKeyId || secretAccessKey)
      throw new MssError('CONFIG_INVALID', 'MSS_BLOB_STORE_ACCESS_KEY_ID: set, but MSS_BLOB_STORE is not an s3:// URL', { exitCode: 2 });
    return { kind: 'file' };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(`"${raw}" is not "file" nor an s3:// URL (s3://bucket?endpoint=http://host:port)`);
  }
  if (url.protocol !== 's3:') throw invalid(`scheme "${url.protocol}" is not supported (file, or s3://bucket?endpoint=…)`);
  if (url.username || url.password)
    throw invalid('credentials do not go in the URL: use MSS_BLOB_STORE_ACCESS_KEY_ID and _SECRET_ACCESS_KEY');
  const bucket = url.hostname;
  if (!BUCKET.test(bucket)) throw invalid(`"${bucket}" is not an S3 bucket name (3-63 of a-z, 0-9, '.', '-')`);
  for (const key of url.searchParams.keys()) {
    if (!QUERY_KEYS.has(key)) throw invalid(`unknown parameter "${key}" (endpoint, region, path_style)`);
  }
  const endpointRaw = url.searchParams.get('endpoint') ?? undefined;
  let endpoint: string | undefined;
  if (endpointRaw !== undefined) {
    let e: URL;
    try {
      e = new URL(endpointRaw);
    } catch {
      throw invalid(`endpoint "${endpointRaw}" is not a URL (http://host:port)`);
    }
    if (e.protocol !== 'http:' && e.protocol !== 'https:') throw invalid(`endpoint "${endpointRaw}" is not http(s)`);
    endpoint = e.origin;
  }
  const pathStyleRaw = url.searchParams.get('path_style');
  if (pathStyleRaw !== null && pathStyleRaw !== 'true' && pathStyleRaw !== 'false')
    throw invalid(`path_style "${pathStyleRaw}" is not true or false`);
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new MssError(
      'CONFIG_INVALID',
      'MSS_BLOB_STORE_ACCESS_KEY_ID and MSS_BLOB_STORE_SECRET_ACCESS_KEY: set both or neither (neither: the AWS SDK default chain)',
      { exitCode: 2 },
    );
  }
  const prefix = decodeURIComponent(url.pathname.replace(/^\/+/, ''));
  return {
    kind: 's3',
    bucket,
    prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`,
    endpoint,
    region: url.searchParams.get('region') || 'us-east-1',
    forcePathStyle: pathStyleRaw === null ? endpoint !== undefined : pathStyleRaw === 'true',
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
  };
}

/** For the start-up line: never the secret. */
export function describeBlobStore(setting: BlobStoreSetting): string {
  if (setting.kind === 'file') return 'file';
  return `s3://${setting.bucket}/${setting.prefix}${setting.endpoint ? `@${setting.endpoint}` : ''}`;
}
