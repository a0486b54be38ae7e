import { readFileSync } from 'node:fs';
import { SAMPLE_DOCUMENTS } from '../../src/index.ts';

export const DISCHARGE_LETTER = readFileSync(SAMPLE_DOCUMENTS.dischargeLetter);
export const LAB_REPORT = readFileSync(SAMPLE_DOCUMENTS.labReport);
export const SPECIALIST_LETTER = readFileSync(SAMPLE_DOCUMENTS.specialistLetter);
export const LAB_PDF = readFileSync(SAMPLE_DOCUMENTS.labPdf);
