export { buildAdminApi, type AdminApiOptions } from './server.ts';
export { adminApiDocument } from './document.ts';
