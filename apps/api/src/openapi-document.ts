// The management API's OpenAPI document, built from the routes alone: no database, Redis or configuration.
import type { Engine } from '@tributary/engine';
import { TributaryError } from '@tributary/flow';
import type { AppDeps } from './app-env.js';
import type { Config } from './config.js';
import { managementApi, OPENAPI_CONFIG } from './management-api.js';

function describeOnly(): never {
  throw new TributaryError('describe_only', 'these routes were built to describe the API, not to answer it');
}

/** Dependencies of routes that are only described: building them reads none of these, answering would. */
const describeOnlyDeps: AppDeps = {
  get engine(): Engine {
    return describeOnly();
  },
  get config(): Config {
    return describeOnly();
  },
};

/** The OpenAPI document the server serves at /api/v1/openapi.json. */
export function openApiDocument() {
  return managementApi(describeOnlyDeps).getOpenAPI31Document(OPENAPI_CONFIG);
}
