// an app's testing entry: what tests of other workspaces may start
export { app } from '../app.js';
