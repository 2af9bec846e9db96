// Flow files the CLI tests deploy, and a helper writing them into a fresh folder.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A flow document as the tests write and edit it. */
export interface FlowDoc {
  name: string;
  slug: string;
  nodes: Array<{
    id: string;
    type: string;
    name: string;
    config: Record<string, unknown>;
    position?: { x: number; y: number };
  }>;
  edges: Array<{ id: string; source: string; target: string; sourceHandle?: string }>;
  settings?: Record<string, unknown>;
}

/** A webhook flow: tag the signup and branch on the plan (the README's example). */
export function signups(path = 'signups'): FlowDoc {
  return {
    name: 'New signups',
    slug: 'new-signups',
    nodes: [
      { id: 'hook', type: 'trigger.webhook', name: 'Signup', config: { path }, position: { x: 0, y: 0 } },
      {
        id: 'tag',
        type: 'logic.set',
        name: 'Tag',
        config: { fields: { tier: "{{ $json.body.plan = 'pro' ? 'gold' : 'basic' }}" } },
        position: { x: 240, y: 0 },
      },
      {
        id: 'pro',
        type: 'logic.if',
        name: 'Is gold',
        config: { condition: "{{ $json.tier = 'gold' }}" },
        position: { x: 480, y: 0 },
      },
    ],
    edges: [
      { id: 'e1', source: 'hook', target: 'tag' },
      { id: 'e2', source: 'tag', target: 'pro' },
    ],
  };
}

/** A manual flow that calls `url` with a credential given by name. */
export function notifier(credential: string, url = 'http://127.0.0.1:9/notify'): FlowDoc {
  return {
    name: 'Notifier',
    slug: 'notifier',
    nodes: [
      { id: 'start', type: 'trigger.manual', name: 'Start', config: {} },
      {
        id: 'call',
        type: 'action.http',
        name: 'Call',
        config: { method: 'POST', url, credential: { name: credential } },
      },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'call' }],
  };
}

/** A flow with just a manual trigger and a set node. */
export function simple(slug: string): FlowDoc {
  return {
    name: `Simple ${slug}`,
    slug,
    nodes: [
      { id: 'start', type: 'trigger.manual', name: 'Start', config: {} },
      { id: 'set', type: 'logic.set', name: 'Set', config: { fields: { ok: true } } },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'set' }],
  };
}

/** Writes `files` (name → JSON value, or text as it is) into a new temporary folder and returns it. */
export function writeFlows(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-flows-'));
  for (const [name, value] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`);
  }
  return dir;
}
