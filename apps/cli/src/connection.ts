// Which server and key a command uses: --url/--key, then --profile, then TRIBUTARY_URL/TRIBUTARY_API_KEY,
// then TRIBUTARY_PROFILE or the config file's default profile, then http://localhost:3000.
import type { CliEnv } from './env.js';
import { UsageError } from './errors.js';
import type { Profile, ProfilesFile } from './profiles.js';

/** The server URL used when nothing names one. */
export const DEFAULT_URL = 'http://localhost:3000';

/** Where a command connects, and with which key. */
export interface Connection {
  url: string;
  key: string | undefined;
  /** The profile that gave the URL or key, if one did. */
  profile: string | undefined;
}

/** The global options that bear on the connection. */
export interface ConnectionFlags {
  url?: string | undefined;
  key?: string | undefined;
  profile?: string | undefined;
}

function pickProfile(name: string, config: ProfilesFile, from: string): Profile {
  const profile = config.profiles[name];
  if (profile) return profile;
  const known = Object.keys(config.profiles);
  throw new UsageError(
    `there is no profile "${name}" (${from}); ${known.length > 0 ? `known: ${known.join(', ')}` : 'none is set up yet: tributary profiles set <name> --url … --key …'}`,
  );
}

/** Resolves the connection from flags, the environment and the profiles, in that order of precedence. */
export function resolveConnection(flags: ConnectionFlags, env: CliEnv, config: ProfilesFile): Connection {
  const explicit = flags.profile ? pickProfile(flags.profile, config, '--profile') : undefined;
  const implicitName = env.profile ?? config.defaultProfile;
  const implicit =
    implicitName === undefined
      ? undefined
      : pickProfile(
          implicitName,
          config,
          env.profile ? 'TRIBUTARY_PROFILE' : 'defaultProfile in the config file',
        );
  const url = flags.url ?? explicit?.url ?? env.url ?? implicit?.url ?? DEFAULT_URL;
  const key = flags.key ?? explicit?.key ?? env.key ?? implicit?.key;
  const used = explicit ? flags.profile : implicit ? implicitName : undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // new URL throws a TypeError with no more to say than this
    throw new UsageError(`"${url}" is not a URL (e.g. ${DEFAULT_URL})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`"${url}" must start with http:// or https://`);
  }
  return { url: url.replace(/\/+$/, ''), key, profile: used };
}
