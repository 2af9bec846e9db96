// What every command gets: the output printer and, on first use, a client of the server the flags, the
// environment and the profiles point at.
import { ApiClient } from './api-client.js';
import { type Connection, resolveConnection } from './connection.js';
import type { CliEnv } from './env.js';
import { Output } from './output.js';
import { readProfiles } from './profiles.js';

/** The global options (before or after the command name). */
export interface GlobalOptions {
  url?: string;
  key?: string;
  profile?: string;
  json?: boolean;
  color?: boolean;
}

/** One command's run. */
export class CommandContext {
  readonly out: Output;
  readonly env: CliEnv;
  readonly options: GlobalOptions;
  /** Whether a person can answer questions on stdin. */
  readonly interactive: boolean;
  #client: ApiClient | undefined;
  #connection: Connection | undefined;

  constructor(options: GlobalOptions, env: CliEnv) {
    this.options = options;
    this.env = env;
    this.out = new Output({
      json: options.json === true,
      noColor: env.noColor || options.color === false,
      forceColor: env.forceColor,
    });
    this.interactive = process.stdin.isTTY === true;
  }

  /** Where commands connect (resolved once). */
  async connection(): Promise<Connection> {
    this.#connection ??= resolveConnection(this.options, this.env, await readProfiles());
    return this.#connection;
  }

  /** The API client (made once). */
  async api(): Promise<ApiClient> {
    this.#client ??= new ApiClient(await this.connection());
    return this.#client;
  }
}
