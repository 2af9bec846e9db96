import { DEFAULT_PORT } from '@tributary/flow';

export const port = DEFAULT_PORT;
