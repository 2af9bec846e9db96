import { app } from '@tributary/api';
import { createEngine } from '@tributary/engine';

export const serve = { app, createEngine };
