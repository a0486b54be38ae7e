export { buildAdminApi, type AdminApiOptions } from './server.ts';
