import { newId } from '../helpers/ids.js';

export const testId = newId;
