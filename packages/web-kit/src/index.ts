export { cookie, randomToken, sameToken, setCookie, type CookieOptions } from './cookies.ts';
export { FormInvalid, FormTooLarge, readMultipart, readUrlEncoded, type MultipartForm, type UploadedFile } from './forms.ts';
export { hasRemoteImages, sanitizeMessageHtml, type SanitizeOptions } from './sanitize.ts';
