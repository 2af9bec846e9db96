export { runs } from './schema.js';
