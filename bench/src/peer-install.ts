// Installs a peer (another automation tool the bench measures beside Tributary) from the npm registry into
// its own folder of the bench's cache on first use, bounded in time; later runs reuse it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tail } from './server.js';
import { stopChild } from './util.js';

/** One pinned package to install, with the package.json of the folder it is installed into. */
export interface PeerPackage {
  /** the npm package, e.g. `node-red` */
  name: string;
  /** exact version */
  version: string;
  /** extra package.json fields of the install folder (e.g. `overrides`) */
  manifest?: Record<string, unknown>;
  /** npm install is killed (and the bench fails) after this long */
  timeoutMs: number;
}

/** Where a peer is installed and whether this run installed it. */
export interface InstalledPeer {
  /** the npm package */
  name: string;
  /** the install folder (`<cache>/<name>-<version>`) */
  prefix: string;
  /** the package's own folder in its node_modules */
  packageDir: string;
  /** seconds npm took in this run; 0 when the cache already held it */
  installSeconds: number;
}

/** Raised when npm fails or times out; the message names the log with npm's output. */
export class PeerInstallError extends Error {
  readonly code = 'peer_install_failed';
}

/** Written once npm has finished, so a half-finished install (Ctrl-C, timeout) is never taken as done. */
const MARKER = '.installed';

/** The install folder's package.json, as npm would write it (biome scans the cache folder too). */
function manifestOf(peer: PeerPackage): string {
  const manifest = {
    name: `tributary-bench-peer-${peer.name}`,
    private: true,
    description: 'Installed by the Tributary bench (npm run bench -- --peers); safe to delete.',
    dependencies: { [peer.name]: peer.version },
    ...peer.manifest,
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Runs `npm install` in the install folder unless a finished install of the same manifest is there. */
export async function ensurePeerInstalled(
  cacheDir: string,
  peer: PeerPackage,
  log: (message: string) => void,
): Promise<InstalledPeer> {
  const prefix = resolve(cacheDir, `${peer.name}-${peer.version}`);
  const packageDir = join(prefix, 'node_modules', peer.name);
  const manifest = manifestOf(peer);
  const marker = join(prefix, MARKER);
  if (
    existsSync(marker) &&
    readFileSync(marker, 'utf8') === manifest &&
    installedVersion(packageDir) === peer.version
  ) {
    return { name: peer.name, prefix, packageDir, installSeconds: 0 };
  }
  mkdirSync(prefix, { recursive: true });
  writeFileSync(join(prefix, 'package.json'), manifest);
  const logFile = join(prefix, 'install.log');
  log(
    `peers: installing ${peer.name}@${peer.version} into ${prefix} (first use; npm's output in ${logFile}, at most ${Math.round(peer.timeoutMs / 60_000)} min)`,
  );
  const started = Date.now();
  const out = openSync(logFile, 'w');
  // npm run passes its own npm_* settings to scripts (local prefix, user agent, …): the install gets none
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')),
  );
  const child = spawn(
    'npm',
    [
      'install',
      '--prefix',
      prefix,
      '--workspaces=false',
      '--omit=dev',
      // no lockfile: the versions are pinned above, and a lockfile of thousands of lines in the repo tree
      // would only slow the linter down
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--loglevel=warn',
    ],
    { cwd: prefix, env, stdio: ['ignore', out, out] },
  );
  const outcome = await new Promise<{ code: number | null; signal: string | null; timedOut: boolean }>(
    (resolve) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        void stopChild(child, 10_000);
      }, peer.timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        writeFileSync(logFile, `could not run npm: ${err.message}\n`, { flag: 'a' });
        resolve({ code: null, signal: null, timedOut });
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, timedOut });
      });
    },
  );
  const seconds = (Date.now() - started) / 1000;
  if (outcome.timedOut || outcome.code !== 0 || installedVersion(packageDir) !== peer.version) {
    const why = outcome.timedOut
      ? `timed out after ${Math.round(seconds)} s`
      : outcome.code !== 0
        ? `npm exited with ${outcome.code ?? outcome.signal ?? 'an error'}`
        : `npm finished but ${packageDir} does not hold version ${peer.version}`;
    throw new PeerInstallError(
      `installing ${peer.name}@${peer.version} from the npm registry failed: ${why}. The last lines of ${logFile}:\n${tail(logFile, 20)}`,
    );
  }
  writeFileSync(marker, manifest);
  log(`peers: installed ${peer.name}@${peer.version} in ${Math.round(seconds)} s`);
  return { name: peer.name, prefix, packageDir, installSeconds: Math.round(seconds) };
}

function installedVersion(packageDir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version?: string })
      .version;
  } catch {
    return undefined; // not installed (yet)
  }
}
