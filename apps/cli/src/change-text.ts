// Flow changes as text: one summary phrase, or the full list that --dry-run prints.
import type { FieldChange, FlowChanges } from './flow-diff.js';
import { SECRET_MASK } from './flow-diff.js';
import type { Colors } from './output.js';

const MAX_VALUE = 60;

/** A value as shown in a change: JSON, cut short. */
export function shortValue(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "2 nodes added, 1 changed; 1 edge removed; settings changed" — or "" when nothing changed. */
export function changeSummary(changes: FlowChanges): string {
  const parts: string[] = [];
  const nodes = [
    changes.nodesAdded.length > 0 ? `${changes.nodesAdded.length} added` : '',
    changes.nodesChanged.length > 0 ? `${changes.nodesChanged.length} changed` : '',
    changes.nodesRemoved.length > 0 ? `${changes.nodesRemoved.length} removed` : '',
  ].filter(Boolean);
  const nodeCount = changes.nodesAdded.length + changes.nodesChanged.length + changes.nodesRemoved.length;
  if (nodes.length > 0) parts.push(`${nodeCount === 1 ? 'node' : 'nodes'} ${nodes.join(', ')}`);
  const edges = [
    changes.edgesAdded.length > 0 ? `${changes.edgesAdded.length} added` : '',
    changes.edgesChanged.length > 0 ? `${changes.edgesChanged.length} changed` : '',
    changes.edgesRemoved.length > 0 ? `${changes.edgesRemoved.length} removed` : '',
  ].filter(Boolean);
  const edgeCount = changes.edgesAdded.length + changes.edgesChanged.length + changes.edgesRemoved.length;
  if (edges.length > 0) parts.push(`${edgeCount === 1 ? 'edge' : 'edges'} ${edges.join(', ')}`);
  if (changes.fields.length > 0) parts.push(`${plural(changes.fields.length, 'flow field')} changed`);
  return parts.join('; ');
}

function fieldLine(change: FieldChange, c: Colors): string {
  const show = (value: unknown) => (change.secret ? SECRET_MASK : shortValue(value));
  if (change.kind === 'added') return `${c.green('+')} ${change.path} = ${show(change.after)}`;
  if (change.kind === 'removed') return `${c.red('-')} ${change.path} (was ${show(change.before)})`;
  return `${c.yellow('~')} ${change.path}: ${show(change.before)} → ${show(change.after)}`;
}

/** Every change, one per line, indented under the flow's line. */
export function changeLines(changes: FlowChanges, c: Colors, indent = '    '): string[] {
  const lines: string[] = [];
  for (const field of changes.fields) lines.push(fieldLine(field, c));
  for (const node of changes.nodesAdded)
    lines.push(`${c.green('+')} node ${node.id} "${node.name}" (${node.type})`);
  for (const node of changes.nodesRemoved)
    lines.push(`${c.red('-')} node ${node.id} "${node.name}" (${node.type})`);
  for (const node of changes.nodesChanged) {
    lines.push(`${c.yellow('~')} node ${node.id} "${node.name}" (${node.type})`);
    for (const field of node.fields) lines.push(`    ${fieldLine(field, c)}`);
  }
  for (const edge of changes.edgesAdded)
    lines.push(`${c.green('+')} edge ${edge.id}: ${edge.from} → ${edge.to}`);
  for (const edge of changes.edgesRemoved)
    lines.push(`${c.red('-')} edge ${edge.id}: ${edge.from} → ${edge.to}`);
  for (const edge of changes.edgesChanged) {
    lines.push(
      `${c.yellow('~')} edge ${edge.id}: ${edge.before.from} → ${edge.before.to} becomes ${edge.after.from} → ${edge.after.to}`,
    );
  }
  return lines.map((l) => `${indent}${l}`);
}
