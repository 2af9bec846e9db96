// Input and output ports of a node, from its type (and, for a switch, its rules).
import type { NodeTypeInfo } from '../api/types';

export const DEFAULT_PORT = 'main';
export const ERROR_PORT = 'error';
/** The port a sending node takes instead of sending when its person is at a frequency cap. */
export const CAPPED_PORT = 'capped';

export interface Ports {
  inputs: string[];
  outputs: string[];
}

function rulePorts(config: Record<string, unknown>): string[] {
  const rules = Array.isArray(config.rules) ? config.rules : [];
  const ports: string[] = [];
  for (const rule of rules) {
    // a non-null object may be read for an optional field; its type is checked below
    const port = typeof rule === 'object' && rule !== null ? (rule as { port?: unknown }).port : undefined;
    if (typeof port === 'string' && port && !ports.includes(port)) ports.push(port);
  }
  return ports;
}

/** What of a node decides its ports: its config, and its channel tag and onCap (the capped port). */
export interface PortSource {
  config: Record<string, unknown>;
  channel?: string | undefined;
  onCap?: 'port' | 'wait' | undefined;
}

/** The ports a node shows; unknown types get one input and one output so their edges stay visible. */
export function portsOf(type: NodeTypeInfo | undefined, { config, channel, onCap }: PortSource): Ports {
  if (!type) return { inputs: [DEFAULT_PORT], outputs: [DEFAULT_PORT] };
  const outputs = type.dynamicOutputs ? [...rulePorts(config), 'default'] : [...type.outputs];
  if (type.errorPort && !outputs.includes(ERROR_PORT)) outputs.push(ERROR_PORT);
  if (channel && (onCap ?? 'port') === 'port' && !outputs.includes(CAPPED_PORT)) outputs.push(CAPPED_PORT);
  return { inputs: [...type.inputs], outputs };
}
