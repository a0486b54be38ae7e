import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DirectoryData } from '../directory/data.ts';
import { EXTRACTION_PREFIX, extractionZip } from './extraction.ts';

export const EXTRACTION_FILE = /^Extraction_Correspondance_MSSante_(\d{12})\.zip$/;

/**
 * Writes the extraction taken `at` into `dir` (the daily full file), streamed to a temporary file
 * then renamed, so a listing never shows a half-written archive. Returns the file's path.
 */
export async function writeExtractionFile(data: DirectoryData, dir: string, at: Date = new Date()): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const { fileName, chunks } = extractionZip(data, at);
  const final = path.join(dir, fileName);
  const tmp = `${final}.${process.pid}.part`;
  try {
    await pipeline(Readable.from(chunks, { highWaterMark: 1 }), fs.createWriteStream(tmp));
    fs.renameSync(tmp, final);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  return final;
}

export interface StoredExtraction {
  name: string;
  size: number;
  /** AAAAMMJJhhmm, from the name. */
  stamp: string;
}

/** The extraction files in `dir`, newest first. */
export function listExtractionFiles(dir: string | undefined): StoredExtraction[] {
  if (!dir || !fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .flatMap((name) => {
      const m = EXTRACTION_FILE.exec(name);
      return m ? [{ name, size: fs.statSync(path.join(dir, name)).size, stamp: m[1]! }] : [];
    })
    .sort((a, b) => (a.stamp < b.stamp ? 1 : a.stamp > b.stamp ? -1 : 0));
}

export { EXTRACTION_PREFIX };
