// a test reaching into another app past its testing entry
import { app } from '@tributary/api';

export const started = app;
