export { cookie, randomToken, sameToken, setCookie, type CookieOptions } from './cookies.ts';
export { FormInvalid, FormTooLarge, readMultipart, readUrlEncoded, type MultipartForm, type UploadedFile } from './forms.ts';
export { hasRemoteImages, sanitizeMessageHtml, type SanitizeOptions } from './sanitize.ts';
export {
  claimText,
  OidcRelyingParty,
  ProviderUnavailable,
  type PendingAuthorization,
  type RelyingPartyOptions,
  type RelyingPartySettings,
  type TokenResponse,
} from './relying-party.ts';
