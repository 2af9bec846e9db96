// The Node-RED peer: phase a's flow shape as a Node-RED flow (http in → change → switch → change → http
// response), run from a temporary user folder with no editor and no admin API, and loaded like phase a.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PeerPackage } from './peer-install.js';
import type { PeerContext, PeerResult } from './peers.js';
import { answers2xx, loadPeer, pacePeer, startPeer, stopPeer } from './peers.js';
import { freePort } from './util.js';

export const NODE_RED: PeerPackage = { name: 'node-red', version: '4.1.15', timeoutMs: 5 * 60_000 };

const HOOK_PATH = '/hooks/peer';

/**
 * Webhook → set → if → set, as phase a's flow: the change node sets `tier` with the same JSONata
 * expression, the switch tests it with a JSONata expression, the second change sets `handled`. The
 * answer (202 with the item as JSON, ~80 bytes) goes out after the last node, or after the switch when the
 * item is not gold, so no request is left unanswered.
 */
export function nodeRedFlow(): object[] {
  const z = 'bench';
  return [
    { id: z, type: 'tab', label: 'bench' },
    {
      id: 'hook',
      type: 'http in',
      z,
      name: 'Hook',
      url: HOOK_PATH,
      method: 'post',
      upload: false,
      wires: [['tag']],
    },
    {
      id: 'tag',
      type: 'change',
      z,
      name: 'Tag',
      rules: [
        {
          t: 'set',
          p: 'payload.tier',
          pt: 'msg',
          to: "payload.plan = 'pro' ? 'gold' : 'basic'",
          tot: 'jsonata',
        },
      ],
      wires: [['check']],
    },
    {
      id: 'check',
      type: 'switch',
      z,
      name: 'Is gold',
      property: 'payload',
      propertyType: 'msg',
      rules: [{ t: 'jsonata_exp', v: "payload.tier = 'gold'", vt: 'jsonata' }, { t: 'else' }],
      checkall: 'false',
      outputs: 2,
      wires: [['mark'], ['respond']],
    },
    {
      id: 'mark',
      type: 'change',
      z,
      name: 'Mark',
      rules: [{ t: 'set', p: 'payload.handled', pt: 'msg', to: 'true', tot: 'bool' }],
      wires: [['respond']],
    },
    { id: 'respond', type: 'http response', z, name: 'Accepted', statusCode: '202', headers: {}, wires: [] },
  ];
}

/** settings.js: loopback only, no editor or admin API, nothing fetched or offered, warnings only. */
function settingsJs(port: number): string {
  const settings = {
    uiHost: '127.0.0.1',
    uiPort: port,
    httpAdminRoot: false,
    httpNodeRoot: '/',
    flowFile: 'flows.json',
    credentialSecret: false,
    logging: { console: { level: 'warn', metrics: false, audit: false } },
    diagnostics: { enabled: false, ui: false },
    runtimeState: { enabled: false, ui: false },
    telemetry: { enabled: false, updateNotification: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    functionExternalModules: false,
  };
  return `module.exports = ${JSON.stringify(settings, null, 2)};\n`;
}

/** Starts Node-RED from `packageDir` on a free loopback port, loads it like phase a, stops it. */
export async function nodeRedPeer(
  packageDir: string,
  installSeconds: number,
  ctx: PeerContext,
): Promise<PeerResult> {
  const userDir = mkdtempSync(join(ctx.logDir, 'node-red-'));
  const port = await freePort();
  writeFileSync(join(userDir, 'settings.js'), settingsJs(port));
  writeFileSync(join(userDir, 'flows.json'), `${JSON.stringify(nodeRedFlow(), null, 2)}\n`);
  const url = `http://127.0.0.1:${port}${HOOK_PATH}`;
  ctx.log(`Node-RED ${NODE_RED.version}: starting on 127.0.0.1:${port} (user folder ${userDir})`);
  const peer = await startPeer(
    {
      name: 'node-red',
      args: [join(packageDir, 'red.js'), '--userDir', userDir, '--settings', join(userDir, 'settings.js')],
      cwd: userDir,
      // its own NODE_RED_* settings from the caller's shell would change what is measured
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NODE_RED'))),
      logFile: join(ctx.logDir, 'node-red.log'),
      ready: () => answers2xx(url),
      timeoutMs: 60_000,
    },
    ctx,
  );
  try {
    const measured = await loadPeer(peer, url, ctx);
    const paced = await pacePeer(peer, url, ctx, measured.load.okPerSecond);
    return {
      name: 'Node-RED',
      key: 'NodeRed',
      version: NODE_RED.version,
      flow: 'http in (POST) → change (JSONata) → switch (JSONata) → change → http response 202',
      history: 'none: a message lives only while the flow runs',
      installSeconds,
      startSeconds: peer.startSeconds,
      warmup: measured.warmup,
      load: measured.load,
      cpuUsPerOk: measured.cpuUsPerOk,
      idleRssBytes: measured.idleRssBytes,
      peakRssBytes: ctx.sampler.peak(peer.name) ?? Number.NaN,
      paced,
    };
  } finally {
    await stopPeer(peer, ctx);
  }
}
