// variables/: the instance's variables (`$vars.NAME` in expressions) — the store, who reads each one, and the
// values a step's expressions see.
export type { VariableInput, VariableView } from './store.js';
export {
  checkVariableName,
  deleteVariable,
  getVariable,
  listVariables,
  setVariable,
  variableNames,
  variableValues,
} from './store.js';
