import { retryDelay } from '../steps/retry-policy.js';

export const firstRetry = retryDelay(1);
