import { catalogue } from '@tributary/nodes';

export const catalogueSize = catalogue.length;
