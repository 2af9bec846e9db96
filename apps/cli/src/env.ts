// The environment the CLI reads, parsed once: connection settings, the profile to use, and colour choices.
import { z } from 'zod';

const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const envSchema = z.object({
  /** The Tributary server; default http://localhost:3000. */
  TRIBUTARY_URL: optional,
  /** An API key sent as `Authorization: Bearer <key>`. */
  TRIBUTARY_API_KEY: optional,
  /** A named profile of the config file. */
  TRIBUTARY_PROFILE: optional,
  /** Any value turns colour off (https://no-color.org). */
  NO_COLOR: z.string().optional(),
  /** Any value but `0` turns colour on even when the output is not a terminal. */
  FORCE_COLOR: z.string().optional(),
});

/** What the CLI takes from the environment. */
export interface CliEnv {
  url: string | undefined;
  key: string | undefined;
  profile: string | undefined;
  noColor: boolean;
  forceColor: boolean;
}

/** Reads the CLI's settings from an environment (process.env by default). */
export function readEnv(source: NodeJS.ProcessEnv = process.env): CliEnv {
  const env = envSchema.parse(source);
  return {
    url: env.TRIBUTARY_URL,
    key: env.TRIBUTARY_API_KEY,
    profile: env.TRIBUTARY_PROFILE,
    noColor: env.NO_COLOR !== undefined && env.NO_COLOR !== '',
    forceColor: env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0',
  };
}
