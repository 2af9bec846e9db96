// Named profiles (server URL and API key) in the user's config folder: $XDG_CONFIG_HOME/tributary/config.json
// on Linux, ~/Library/Preferences/tributary on macOS, %APPDATA%\tributary\Config on Windows.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import envPaths from 'env-paths';
import { z } from 'zod';
import { messageOf, systemCode, UsageError } from './errors.js';

const profileSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }).optional(),
    key: z.string().min(1).optional(),
  })
  .strict();

const configSchema = z
  .object({
    defaultProfile: z.string().min(1).optional(),
    profiles: z.record(z.string().min(1), profileSchema).default({}),
  })
  .strict();

/** One profile: where the server is and the key to use there. */
export type Profile = z.infer<typeof profileSchema>;
/** The config file's content. */
export type ProfilesFile = z.infer<typeof configSchema>;

/** The config file's path. */
export function configPath(): string {
  return join(envPaths('tributary', { suffix: '' }).config, 'config.json');
}

/** Reads the config file; a missing file is an empty one, a malformed one a usage error naming it. */
export async function readProfiles(path = configPath()): Promise<ProfilesFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return { profiles: {} };
    throw new UsageError(`cannot read ${path}: ${messageOf(err)}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${path} is not valid JSON: ${messageOf(err)}`, { cause: err });
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new UsageError(`${path} is not a valid config file: ${where.join('; ')}`);
  }
  return parsed.data;
}

/** Writes the config file, readable by its owner only (it holds API keys). */
export async function writeProfiles(config: ProfilesFile, path = configPath()): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // an existing file keeps its mode on write: make sure it is private
  await chmod(path, 0o600);
}

/** Checks a profile's fields as the config file would (a bad URL is a usage error). */
export function parseProfile(input: Profile): Profile {
  const parsed = profileSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new UsageError(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
}
