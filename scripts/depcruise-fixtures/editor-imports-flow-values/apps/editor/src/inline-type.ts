// only a type, but written inline: under verbatimModuleSyntax this stays `import {} from '@tributary/flow'`
import { type FlowDefinition } from '@tributary/flow';

export const empty: FlowDefinition = { name: '', nodes: [] };
