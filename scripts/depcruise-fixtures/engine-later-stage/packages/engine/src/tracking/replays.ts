import { replay } from '../control/index.js';

export const replays = replay;
