// Export: a flow definition as a downloaded JSON file (secrets stay masked as the API shows them).
import type { FlowDefinition } from '../api/types';

/** Starts a download of `definition` as `<slug>.json`. */
export function downloadDefinition(definition: FlowDefinition): void {
  const blob = new Blob([`${JSON.stringify(definition, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = `${definition.slug || 'flow'}.json`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
