// Code systems, identifier systems and extension URLs of the Annuaire Santé FHIR API v2, as the
// domain notes (formats-notes §4, §5) record them from the ANS documentation and IGs. Shared by
// both sides of the wire: the directory stand-in that serves them and the operator's feed that
// writes to it.

export const IDNPS_SYSTEM = 'urn:oid:1.2.250.1.71.4.2.1';
export const IDNST_SYSTEM = 'urn:oid:1.2.250.1.71.4.2.2';
export const RPPS_SYSTEM = 'http://rpps.fr';
export const ADELI_SYSTEM = 'http://adeli.fr';
export const FINESS_SYSTEM = 'https://finess.esante.gouv.fr';
/** The older spelling some profiles still use; accepted in searches, never emitted. */
export const FINESS_SYSTEM_OLD = 'http://finess.sante.gouv.fr';
export const SIRENE_SYSTEM = 'http://sirene.fr';
/** Technical identifiers of the directory: our situations d'exercice (PractitionerRole). */
export const TECHNICAL_SYSTEM = 'https://annuaire.sante.fr';
export const IDENTIFIER_TYPE_SYSTEM = 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203';

export const EMAIL_TYPE_EXTENSION = 'https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-contact-point-email-type';
export const EMAIL_TYPE_SYSTEM = 'https://mos.esante.gouv.fr/NOS/TRE_R256-TypeMessagerie/FHIR/TRE-R256-TypeMessagerie';
export const MAILBOX_METADATA_EXTENSION = 'https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-ext-mailbox-mss-metadata';
export const BAL_TYPE_SYSTEM = 'https://mos.esante.gouv.fr/NOS/TRE_R257-TypeBAL/FHIR/TRE-R257-TypeBAL';

export const PROFESSION_SYSTEM = 'https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante';
export const CATEGORY_SYSTEM = 'https://mos.esante.gouv.fr/NOS/TRE_R09-CategorieProfessionnelle/FHIR/TRE-R09-CategorieProfessionnelle';
export const SPECIALITY_SYSTEM = 'https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale';
export const MODE_SYSTEM = 'https://mos.esante.gouv.fr/NOS/TRE_R23-ModeExercice/FHIR/TRE-R23-ModeExercice';
export const SECTOR_SYSTEM = 'https://mos.esante.gouv.fr/NOS/TRE_R02-SecteurActivite/FHIR/TRE-R02-SecteurActivite';
export const SUBSETTED_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue';

// The stand-in's change feed (issue #15) says two things the v2 profiles have no element for; our
// own extensions, documented in stand-ins/annuaire/README.md ("Change feed").
/** Practitioner: what the person is in the directory (`PS`, `SECRETARY`, `MEDICAL_ASSISTANT`), valueCode. */
export const PERSON_KIND_EXTENSION = 'https://mss-operator.invalid/fhir/StructureDefinition/person-kind';
/** PractitionerRole: the professional who employs a secretary or an assistant (RPPS+), valueReference to a Practitioner. */
export const EMPLOYER_EXTENSION = 'https://mss-operator.invalid/fhir/StructureDefinition/employer';
