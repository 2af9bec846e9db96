// Dead letters of every flow, grouped by error signature.
import { useFlows } from '../api/flows';
import type { DeadLetter } from '../api/types';
import { navigate } from '../router/route';
import { DeadLetterBrowser } from './dead-letter-browser';

export function DeadLettersPage() {
  const flows = useFlows();
  const byId = new Map((flows.data?.items ?? []).map((f) => [f.id, f]));
  const flowName = (flowId: string) => byId.get(flowId)?.name ?? `deleted flow ${flowId.slice(-8)}`;
  const nodeName = (flowId: string, nodeId: string) =>
    byId.get(flowId)?.draft.nodes.find((n) => n.id === nodeId)?.name ?? nodeId;
  const openRun = (letter: DeadLetter) => void navigate(`/flows/${letter.flowId}?run=${letter.runId}`);
  return (
    <div className="page dead-letters-page">
      <div className="page-header">
        <h1>Dead letters</h1>
      </div>
      <p className="muted">
        Steps that failed after all their retries, grouped by flow, node and error. Inspect one, edit its
        input, and redrive it, a selection or a whole group.
      </p>
      <DeadLetterBrowser flowName={flowName} nodeName={nodeName} onOpenRun={openRun} />
    </div>
  );
}
