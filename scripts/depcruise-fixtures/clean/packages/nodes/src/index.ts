import { DEFAULT_PORT } from '@tributary/flow';

export const catalogue = [{ type: 'set', port: DEFAULT_PORT }];
