// @mss/structure-idp: a FINESS structure's own identity provider, played locally (issue #20 rule 6).
export {
  startStructureIdp,
  DEFAULT_STAFF,
  LPS_CLIENT_ID,
  type RunningStructureIdp,
  type StaffAccount,
  type StructureIdpOptions,
} from './server.ts';
export { structureIdpToken, type StructureTokenRequest } from './client.ts';
