import { runs } from '@tributary/db';
import { createEngine } from '@tributary/engine';
import { DEFAULT_PORT } from '@tributary/flow';
import { catalogue } from '@tributary/nodes';

export const app = { engine: createEngine({ flows: [], table: runs }), port: DEFAULT_PORT, catalogue };
