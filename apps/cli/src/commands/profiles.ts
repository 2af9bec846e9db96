// tributary profiles list|set|remove: named servers and keys in the user's config folder.
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { configPath, parseProfile, readProfiles, writeProfiles } from '../profiles.js';

function keyHint(key: string | undefined): string {
  return key ? `${key.slice(0, 8)}…` : '-';
}

/** Runs profiles list (keys shown by their first characters only). */
export async function listProfiles(ctx: CommandContext): Promise<void> {
  const config = await readProfiles();
  const rows = Object.entries(config.profiles).map(([name, p]) => ({
    name,
    url: p.url ?? null,
    key: keyHint(p.key),
    default: config.defaultProfile === name,
  }));
  ctx.out.table(
    ['PROFILE', 'URL', 'KEY', 'DEFAULT'],
    rows.map((r) => [r.name, r.url ?? '-', r.key, r.default ? 'yes' : '']),
  );
  ctx.out.line(ctx.out.c.dim(configPath()));
  ctx.out.result({ file: configPath(), profiles: rows });
}

/** Runs profiles set: creates or changes a profile. */
export async function setProfile(
  ctx: CommandContext,
  name: string,
  options: { url?: string; key?: string; default?: boolean },
): Promise<void> {
  const config = await readProfiles();
  const profile = parseProfile({
    ...config.profiles[name],
    ...(options.url !== undefined && { url: options.url }),
    ...(options.key !== undefined && { key: options.key }),
  });
  config.profiles[name] = profile;
  if (options.default) config.defaultProfile = name;
  await writeProfiles(config);
  ctx.out.line(`Profile "${name}" saved in ${configPath()}${options.default ? ' (the default)' : ''}.`);
  ctx.out.result({
    name,
    url: profile.url ?? null,
    key: keyHint(profile.key),
    default: config.defaultProfile === name,
  });
}

/** Runs profiles remove. */
export async function removeProfile(ctx: CommandContext, name: string): Promise<void> {
  const config = await readProfiles();
  if (!config.profiles[name]) throw new UsageError(`there is no profile "${name}"`);
  delete config.profiles[name];
  if (config.defaultProfile === name) delete config.defaultProfile;
  await writeProfiles(config);
  ctx.out.line(`Profile "${name}" removed.`);
  ctx.out.result({ removed: name });
}
