import { ladder, serve } from './serve';

/** L0: node:http answering every request with the precomputed bytes. */
const { answer } = ladder();
serve(() => answer);
