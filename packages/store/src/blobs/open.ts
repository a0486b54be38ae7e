import path from 'node:path';
import type { BlobStoreSetting } from '@mss/runtime';
import type { BlobStore } from './blob-store.ts';
import { FileBlobStore } from './file-store.ts';
import { S3BlobStore } from './s3-store.ts';

/**
 * The blob store a configuration names: files under `root` (default), or an S3-compatible bucket
 * (whose bodies too large to hold in memory while they arrive are spooled under `root/tmp`).
 */
export function openBlobStore(
  setting: BlobStoreSetting | undefined,
  root: string,
  options: { syncWorkers?: number | undefined } = {},
): BlobStore {
  if (!setting || setting.kind === 'file') return new FileBlobStore(root, { syncWorkers: options.syncWorkers });
  return new S3BlobStore(setting, { spoolDir: path.join(root, 'tmp') });
}
