// Flow definitions that tests create through the API when building them by hand is not the point.
import { api } from './api';

export interface CreatedFlow {
  id: string;
  slug: string;
  name: string;
}

/** A webhook trigger followed by one HTTP request node called "Call" (no retries). */
export function webhookToHttp(slug: string, url: string | undefined) {
  return {
    name: `Hook ${slug}`,
    slug,
    description: '',
    nodes: [
      { id: 'hook', type: 'trigger.webhook', name: 'Hook', config: { path: slug }, position: { x: 0, y: 0 } },
      {
        id: 'call',
        type: 'action.http',
        name: 'Call',
        config:
          url === undefined
            ? { method: 'POST' }
            : { method: 'POST', url, body: { email: '{{ $json.body.email }}' } },
        retry: { attempts: 1 },
        position: { x: 320, y: 0 },
      },
    ],
    edges: [{ id: 'e1', source: 'hook', sourceHandle: 'main', target: 'call', targetHandle: 'main' }],
    settings: {},
  };
}

/** A webhook trigger at `slug` followed by one node (its id, type, name and config as given). */
export function webhookThen(
  slug: string,
  node: {
    id: string;
    type: string;
    name: string;
    config: Record<string, unknown>;
    retry?: Record<string, unknown>;
  },
) {
  return {
    name: `${node.name} ${slug}`,
    slug,
    description: '',
    nodes: [
      { id: 'hook', type: 'trigger.webhook', name: 'Hook', config: { path: slug }, position: { x: 0, y: 0 } },
      { ...node, position: { x: 320, y: 0 } },
    ],
    edges: [{ id: 'e1', source: 'hook', sourceHandle: 'main', target: node.id, targetHandle: 'main' }],
    settings: {},
  };
}

/** Creates a flow (problems allowed) and optionally publishes it. */
export async function createFlow(
  definition: { slug: string; name: string },
  publish = false,
): Promise<CreatedFlow> {
  const flow = await api<CreatedFlow>('POST', '/flows?allowInvalid=true', definition);
  if (publish) await api('POST', `/flows/${flow.id}/publish`);
  return flow;
}
