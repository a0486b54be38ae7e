export { webmail, type WebmailOptions } from './webmail.ts';
export { PscLogin, type PscSettings } from './psc-login.ts';
