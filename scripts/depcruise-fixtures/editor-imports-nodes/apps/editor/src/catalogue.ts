import type { catalogue } from '@tributary/nodes';

export type Catalogue = typeof catalogue;
