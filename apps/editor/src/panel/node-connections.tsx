// The node's connections as a list: connect and disconnect ports without a pointer (keyboard access).
import { X } from 'lucide-react';
import type { FlowCanvasNode } from '../canvas/node-data';
import { DEFAULT_PORT, portsOf } from '../canvas/ports';
import { useCanvas } from '../canvas/store';
import { toast } from '../ui/toasts';

export function NodeConnections({ node, readOnly }: { node: FlowCanvasNode; readOnly: boolean }) {
  const info = useCanvas((s) => s.catalogue.get(node.data.type));
  const nodes = useCanvas((s) => s.nodes);
  const edges = useCanvas((s) => s.edges);
  const connect = useCanvas((s) => s.connect);
  const deleteEdge = useCanvas((s) => s.deleteEdge);
  const ports = portsOf(info, node.data);
  const nameOf = (id: string) => nodes.find((n) => n.id === id)?.data.name ?? id;
  const incoming = edges.filter((e) => e.target === node.id);
  const candidates = nodes.filter((n) => n.id !== node.id && n.type !== 'trigger');

  const add = (port: string, target: string) => {
    const verdict = connect({ source: node.id, sourceHandle: port, target, targetHandle: DEFAULT_PORT });
    if (!verdict.ok) toast('error', `Connection refused: ${verdict.reason}`);
  };

  return (
    <fieldset className="connections">
      <legend>Connections</legend>
      {ports.inputs.length > 0 ? (
        <div className="connection-group">
          <div className="muted">Input</div>
          {incoming.length === 0 ? <p className="muted">Nothing connects into this node yet.</p> : null}
          <ul>
            {incoming.map((edge) => (
              <li key={edge.id}>
                from <strong>{nameOf(edge.source)}</strong> <code>{edge.sourceHandle ?? DEFAULT_PORT}</code>
                {readOnly ? null : (
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Disconnect ${nameOf(edge.source)} from ${node.data.name}`}
                    onClick={() => deleteEdge(edge.id)}
                  >
                    <X size={14} />
                  </button>
                )}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {ports.outputs.map((port) => {
        const outgoing = edges.filter(
          (e) => e.source === node.id && (e.sourceHandle ?? DEFAULT_PORT) === port,
        );
        const selectId = `connect-${node.id}-${port}`;
        return (
          <div key={port} className="connection-group">
            <div className="muted">
              Output <code>{port}</code>
            </div>
            <ul>
              {outgoing.map((edge) => (
                <li key={edge.id}>
                  to <strong>{nameOf(edge.target)}</strong>
                  {readOnly ? null : (
                    <button
                      type="button"
                      className="icon-button"
                      aria-label={`Disconnect ${port} from ${nameOf(edge.target)}`}
                      onClick={() => deleteEdge(edge.id)}
                    >
                      <X size={14} />
                    </button>
                  )}
                </li>
              ))}
            </ul>
            {readOnly || candidates.length === 0 ? null : (
              <>
                <label className="sr-only" htmlFor={selectId}>
                  Connect {port} to
                </label>
                <select
                  id={selectId}
                  value=""
                  onChange={(e) => {
                    if (e.target.value) add(port, e.target.value);
                  }}
                >
                  <option value="">Connect {port} to…</option>
                  {candidates.map((n) => (
                    <option key={n.id} value={n.id}>
                      {n.data.name}
                    </option>
                  ))}
                </select>
              </>
            )}
          </div>
        );
      })}
    </fieldset>
  );
}
