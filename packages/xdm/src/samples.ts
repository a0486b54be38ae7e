// The synthetic CDA documents shipped with the package (samples/): written by us from the public
// CDA R2 header structure, for fictitious patients with valid test INS (INS-NIR TEST OID), for
// vendors' tests and ours. Paths, so that the CLI can be shown them too.
import { fileURLToPath } from 'node:url';

const at = (name: string): string => fileURLToPath(new URL(`../samples/${name}`, import.meta.url));

export const SAMPLE_DOCUMENTS = {
  /** Lettre de liaison à la sortie (LOINC 11490-0), structured body, qualified test INS 279035121518989. */
  dischargeLetter: at('lettre-de-liaison-11490-0.xml'),
  /** Compte rendu d'examens biologiques (11502-2), embedded PDF body, qualified test INS 169097505612363. */
  labReport: at('compte-rendu-biologie-11502-2.xml'),
  /** Specialist's letter (11488-4), structured body, identity not qualified (local identifier, no INS). */
  specialistLetter: at('courrier-specialiste-11488-4.xml'),
  /** A one-page PDF to travel beside a CDA (`mss xdm build --pdf`). */
  labPdf: at('compte-rendu-biologie.pdf'),
} as const;
