// a test may start another app through its testing entry
import { app } from '@tributary/api/testing';

export const started = app;
