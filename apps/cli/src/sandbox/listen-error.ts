export { listenError } from '@mss/runtime';
