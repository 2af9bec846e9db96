// Maps the API's problems about a credential (422 `problems[].path`) onto the fields of the credential form.
import type { ErrorSchema } from '@rjsf/utils';
import type { Problem } from '../api/types';

/** Problems sorted by the form field they belong to. */
export interface CredentialProblems {
  name: string[];
  allowedHosts: string[];
  /** Problems of data fields, shaped for RJSF's `extraErrors`. */
  data: ErrorSchema;
  /** Problems of nothing the form shows one field for (the type, the data as a whole). */
  general: string[];
}

/** `json.allowedHosts.0`, `allowedHosts[0]`, `data.token` → their segments, without the `json` of the body. */
function segmentsOf(path: string): string[] {
  const segments = path.split(/[.[\]"]+/).filter((s) => s !== '');
  return segments[0] === 'json' ? segments.slice(1) : segments;
}

/** Sorts problems onto the form's fields; `hosts` are the hosts sent, to name the one a problem is about. */
export function credentialProblems(
  problems: readonly Problem[],
  hosts: readonly string[],
): CredentialProblems {
  const result: CredentialProblems = { name: [], allowedHosts: [], data: {}, general: [] };
  const data: Record<string, { __errors: string[] }> = {};
  for (const problem of problems) {
    const [top, field] = segmentsOf(problem.path);
    if (top === 'name') {
      result.name.push(problem.message);
    } else if (top === 'allowedHosts') {
      const host = field === undefined ? undefined : hosts[Number(field)];
      result.allowedHosts.push(host === undefined ? problem.message : `“${host}”: ${problem.message}`);
    } else if (top === 'data' && field !== undefined) {
      const entry = data[field] ?? { __errors: [] };
      entry.__errors.push(problem.message);
      data[field] = entry;
    } else {
      result.general.push(problem.message);
    }
  }
  // a map of field names to { __errors } is the shape of a flat ErrorSchema
  result.data = data as ErrorSchema;
  return result;
}
