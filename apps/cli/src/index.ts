// Public surface of @tributary/cli: run the CLI in-process, and the canonical flow file format it writes.
export { canonicalFlow, flowFileText } from './canonical.js';
export { EXIT, run } from './main.js';
