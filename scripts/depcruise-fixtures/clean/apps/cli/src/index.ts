import { portsOf } from '@tributary/flow';

export const ports = portsOf({ name: 'cli', nodes: [] });
