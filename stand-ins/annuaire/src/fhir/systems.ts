// The Annuaire Santé's FHIR code systems, identifier systems and extension URLs: the operator's
// feed writes with the same ones, so they live in @mss/domain.
export {
  IDNPS_SYSTEM,
  IDNST_SYSTEM,
  RPPS_SYSTEM,
  ADELI_SYSTEM,
  FINESS_SYSTEM,
  FINESS_SYSTEM_OLD,
  SIRENE_SYSTEM,
  TECHNICAL_SYSTEM,
  IDENTIFIER_TYPE_SYSTEM,
  EMAIL_TYPE_EXTENSION,
  EMAIL_TYPE_SYSTEM,
  MAILBOX_METADATA_EXTENSION,
  BAL_TYPE_SYSTEM,
  PROFESSION_SYSTEM,
  CATEGORY_SYSTEM,
  SPECIALITY_SYSTEM,
  MODE_SYSTEM,
  SECTOR_SYSTEM,
  SUBSETTED_SYSTEM,
} from '@mss/domain';
