// FHIR ids allow [A-Za-z0-9.-]{1,64}. A person's IdNat may hold a `/` (type 3/5/6: structure +
// internal number) and never a `.`, so `/` ↔ `.` is a reversible mapping; structure IdNats and
// situation ids are used as they are.

export function practitionerId(idnat: string): string {
  return idnat.replaceAll('/', '.');
}

export function idnatOfPractitionerId(id: string): string {
  return id.replaceAll('.', '/');
}

export const FHIR_ID = /^[A-Za-z0-9.-]{1,64}$/;
