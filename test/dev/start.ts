/**
 * `npm start`: the whole package running locally with no cloud account.
 *
 *  1. starts the vendor emulators on loopback (Alibaba Live on 127.0.0.1:18080, or EMULATOR_PORT);
 *  2. starts a real Node-RED on 127.0.0.1:1880 (or PORT) with the persistent user
 *     directory .tmp/node-red, in which this checkout is linked as an installed package;
 *  3. deploys every examples/**\/*.json flow, pointed at the emulator, and prints
 *     what to click. Ctrl-C stops Node-RED and the emulators.
 */
import fs from 'fs';
import path from 'path';
import {
  startEmulators,
  AGORA_DEFAULTS,
  DEFAULT_CREDENTIALS,
  UNISOUND_DEFAULTS,
  type RunningEmulators,
} from '../emulator';
import {
  HOST,
  REPO_ROOT,
  createUserDir,
  linkPackage,
  startNodeRed,
  type FlowNode,
  type NodeRedProcess,
} from '../e2e/node-red-process';
import {
  imsTemplatesFor,
  mergeFlows,
  pointAtEmulator,
  readExamples,
  type ExampleFile,
  type LocalTargets,
} from '../e2e/example-flows';

const AUTH_KEY = 'local-dev-authkey';
/** The NCS secret of the demo's agora-stt-events nodes; the Agora emulator signs its notifications with it. */
const NCS_SECRET = 'local-dev-ncs-secret';
const DEMO_TOKEN_LIFETIME_MS = 60_000;
/** Where the Unisound and WebVTT examples read and write, as their comments say (the tests move it: withFilesIn). */
const FILES_DIR = '/tmp';
/** Node types the package registers: every node set with an editor (speech-common only holds a catalogue). */
const EXPECTED_TYPES = Object.keys(
  require(path.join(REPO_ROOT, 'package.json'))['node-red'].nodes as Record<string, string>,
).filter((set) => fs.existsSync(path.join(REPO_ROOT, 'nodes', `${set}.html`)));

/**
 * Examples are imported one at a time, so each carries its own config nodes (own ids: importing
 * several never raises Node-RED's "nodes already exist" prompt). Deployed together, configs of
 * one type with the same settings are one: the first is kept and the others' users point at it,
 * so the demo has one Alibaba and one Unisound account. References are rewritten as values
 * equal to a dropped config's id (config references are plain id strings in Node-RED flows).
 */
export function shareConfigNodes(examples: ExampleFile[]): ExampleFile[] {
  const kept = new Map<string, string>(); // type + settings -> id kept
  const replaced = new Map<string, string>(); // dropped id -> id kept
  const settings = (n: FlowNode): string => {
    const { id: _id, ...rest } = n;
    return `${n.type}:${JSON.stringify(rest)}`;
  };
  const deduped = examples.map((e) => ({
    ...e,
    flows: e.flows.filter((n) => {
      if (n.z || n.type === 'tab') return true;
      const key = settings(n);
      const first = kept.get(key);
      if (first === undefined) {
        kept.set(key, n.id);
        return true;
      }
      if (first !== n.id) replaced.set(n.id, first);
      return false;
    }),
  }));
  return deduped.map((e) => ({
    ...e,
    flows: e.flows.map((n) => {
      const copy: FlowNode = { ...n };
      for (const [k, v] of Object.entries(copy))
        if (typeof v === 'string' && replaced.has(v)) copy[k] = replaced.get(v);
      return copy;
    }),
  }));
}

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name}=${raw} is not a port number`);
  return n;
}

function log(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Prints emulator traffic as it happens: every API call, sentence ends, and failed callback pushes. */
function watchEmulator(emus: RunningEmulators): () => void {
  const emu = emus.aliyun;
  let nextRequest = 0;
  let nextCallback = 0;
  const perTask = new Map<string, { ok: number; failed: number }>();
  const refusedReported = new Set<string>();
  const knownTasks = new Set<string>();
  const tick = () => {
    while (nextRequest < emu.requests.length) {
      const r = emu.requests[nextRequest];
      if (r.status === 0 && !r.fault && Date.now() - r.at < 15000) break; // not answered yet
      nextRequest++;
      const task = r.params.TaskId ? ` TaskId=${r.params.TaskId}` : '';
      log(
        `[emulator] ${r.action ?? r.method ?? '?'} (${r.scheme ?? 'unsigned'}) -> ${r.status || r.fault}${r.code ? ` ${r.code}` : ''}${task}`,
      );
    }
    for (const t of emu.tasks.values()) {
      if (knownTasks.has(t.taskId)) continue;
      knownTasks.add(t.taskId);
      log(
        `[emulator] task created: ${t.taskId} (mode ${t.mode}, language ${t.language}, CallbackURL ${t.callbackUrl})`,
      );
    }
    while (nextCallback < emu.callbackLog.length) {
      const d = emu.callbackLog[nextCallback++];
      const counts = perTask.get(d.taskId) ?? { ok: 0, failed: 0 };
      perTask.set(d.taskId, counts);
      const ok = typeof d.status === 'number' && d.status >= 200 && d.status < 300;
      if (ok) counts.ok++;
      else counts.failed++;
      if (d.status === 'refused-non-loopback') {
        if (!refusedReported.has(d.taskId)) {
          refusedReported.add(d.taskId);
          log(
            `[emulator] task ${d.taskId}: CallbackURL ${d.url} is not a loopback address, so no transcript is pushed (the emulator never calls the internet)`,
          );
        }
        continue;
      }
      if (!ok) {
        log(`[emulator] callback ${d.event ?? ''} for ${d.taskId} -> ${d.url} failed: ${d.status}`);
      } else if (
        d.event === 'SentenceEnd' ||
        d.event === 'TranscriptionStarted' ||
        d.event === 'TranscriptionCompleted' ||
        counts.ok === 1
      ) {
        let text: string;
        try {
          text = String(JSON.parse(JSON.parse(d.body).content).payload.result ?? '');
        } catch {
          text = '';
        }
        log(
          `[emulator] callback ${d.event} -> ${d.url} ${d.status}${text ? ` "${text}"` : ''} (${counts.ok} delivered for ${d.taskId})`,
        );
      }
    }
  };
  const timer = setInterval(tick, 250);
  return () => {
    clearInterval(timer);
    tick();
  };
}

function banner(
  red: NodeRedProcess,
  emus: RunningEmulators,
  flows: FlowNode[],
  exampleNames: string[],
  callbackUrls: string[],
): void {
  const [[keyId, keySecret]] = Object.entries(DEFAULT_CREDENTIALS);
  const rule = '─'.repeat(78);
  log('');
  log(rule);
  log(` Node-RED editor:   ${red.adminUrl}/`);
  log(' LOCAL EMULATORS (nothing here talks to any cloud service); every account config');
  log(' of the examples was pointed at them on deploy, with these built-in credentials:');
  log(` Alibaba Live API:  ${emus.aliyun.url}  (not live.aliyuncs.com)`);
  log(`   AccessKey ID ${keyId}, AccessKey secret ${keySecret}`);
  log(` Agora STT API:     ${emus.agora.url}  (not api.agora.io)`);
  log(`   App ID ${AGORA_DEFAULTS.appId}, customer ID ${AGORA_DEFAULTS.customerId},`);
  log(`   customer secret ${AGORA_DEFAULTS.customerSecret}, App Certificate ${AGORA_DEFAULTS.appCertificate}`);
  log(` Unisound MaaS API: ${emus.unisound.url}  (not maas-api.unisound.com)`);
  log(`   API key ${UNISOUND_DEFAULTS.apiKey}`);
  log('');
  const accounts = [
    ...new Set(
      flows
        .filter((n) => /-config$/.test(n.type) && n.type !== 'aliyun-live-callback-config')
        .map((n) => `"${n.name}"`),
    ),
  ].join(', ');
  log(` Account configs pointed at the emulators: ${accounts}.`);
  log(' Transcript callbacks: the emulator posts signed results (AuthKey');
  log(` "${AUTH_KEY}") to one path per tab:`);
  for (const url of new Set(callbackUrls)) log(`   ${url}`);
  log(' The Agora decode tab reads the subtitles the Agora emulator pushes over a WebSocket.');
  log('');
  for (const n of flows.filter((x) => x.type === 'transcript-captions')) {
    log(` Live captions page: ${red.url}${String(n.path || '/captions')}  (open it, or add it to OBS as a`);
    log('   Browser Source, 1920x1080; then press [start subtitles] on its tab)');
  }
  log(` Deployed from examples/: ${exampleNames.join(', ')}`);
  log('');
  log(' What to click: open the editor, open the Debug sidebar (bug icon, top right), then');
  log(' press the square button on the left of an inject node:');
  const tabs = flows.filter((n) => n.type === 'tab');
  for (const tab of tabs) {
    const injects = flows.filter((n) => n.type === 'inject' && n.z === tab.id).sort((a, b) => (a.y ?? 0) - (b.y ?? 0));
    if (!injects.length) continue;
    log(`   tab "${tab.label}":`);
    for (const inj of injects)
      log(`     [${inj.name || inj.id}]   (or: curl -X POST ${red.adminUrl}/inject/${inj.id})`);
  }
  log('');
  log(' Each tab has its own debug nodes: in the Debug sidebar, choose "current flow" in the');
  log(' filter to see only the tab you are on.');
  log(' On "Live subtitles", [start subtitles] creates a task; the emulator then streams a');
  log(' short scripted session (six sentences, then TranscriptionCompleted) to the callback');
  log(' node; the "subtitle" node shows the line under itself. [stop subtitles] ends it early.');
  log(' On "Live ASR: create, query, stop", press the buttons in order.');
  log(' On "Agora STT: start, query, update, stop (v7)", press them in order; [update] waits');
  log(' until 5 s after [start] (Agora refuses earlier updates), then its debug line appears.');
  log(' Its "Agora events" debug node shows what the emulator notifies (signed like Agora\'s');
  log(' Notifications service): agent-joined after [start], agent-left after [stop].');
  log(' "Agora STT: hand over before the token expires": [start long session]; the emulator');
  log(' treats bot tokens as lasting a minute, so 30 s later token-expiring arrives, a');
  log(' replacement task starts and the old one stops (and again every 30 s).');
  log(' "Agora subtitles over WebSocket" has no button: after [start] on the v7 tab (or the v6');
  log(' tab, same channel "demo") its "subtitle text" debug node shows the bot\'s sentences.');
  log(` "Unisound: file to SRT": [${FILES_DIR}/meeting.wav] writes ${FILES_DIR}/meeting.srt (about 2 s).`);
  log(` "Unisound: watched folder": cp ${FILES_DIR}/meeting.wav ${FILES_DIR}/unisound-inbox/  (the transcript`);
  log(' arrives a few seconds later). "Live subtitles to WebVTT": [start subtitles], then the');
  log(` file ${FILES_DIR}/<TaskId>.vtt when the session completes. "Live captions page": open the page`);
  log(' above first, then [start subtitles].');
  log(' "IMS workflow: live stream to captions": open /ims-captions, then [start workflow]; the');
  log(' emulator plays the AI-workflow template and posts sentences (with the demo secret) to the');
  log(' IMS workflow in node. "IMS workflow: ARTC channel to WebVTT": [start workflow], wait a few');
  log(` sentences, then [stop and write WebVTT] writes ${FILES_DIR}/<TaskId>.vtt.`);
  log('');
  log(
    ` Node-RED user directory: ${path.relative(process.cwd(), red.userDir.dir) || red.userDir.dir}  (flows are redeployed on every start)`,
  );
  log(' Press Ctrl-C to stop Node-RED and the emulator.');
  log(rule);
  log('');
}

/** Examples with inject buttons first (stable otherwise): the editor opens on the first tab. */
export function withButtonsFirst(examples: ExampleFile[]): ExampleFile[] {
  const hasButtons = (e: ExampleFile): number => (e.flows.some((n) => n.type === 'inject') ? 0 : 1);
  return [...examples].sort((a, b) => hasButtons(a) - hasButtons(b));
}

/** Every vendor's emulator, with its built-in credentials, as the demo's accounts point at them. */
export function demoTargets(emus: RunningEmulators, nodeRedUrl: string, authKey: string): LocalTargets {
  const [[accessKeyId, accessKeySecret]] = Object.entries(DEFAULT_CREDENTIALS);
  return {
    emulatorUrl: emus.aliyun.url,
    accessKeyId,
    accessKeySecret,
    nodeRedUrl,
    authKey,
    agora: { url: emus.agora.url, ...AGORA_DEFAULTS, ncsSecret: NCS_SECRET },
    unisound: { url: emus.unisound.url, apiKey: UNISOUND_DEFAULTS.apiKey },
  };
}

/**
 * The Unisound examples read a file and watch a folder; the demo provides both, so their
 * buttons work at once (a second of silence: the emulator answers with its canned transcript).
 */
export function demoFiles(dir = FILES_DIR): string[] {
  const made: string[] = [];
  const wavFile = path.join(dir, 'meeting.wav');
  fs.mkdirSync(path.join(dir, 'unisound-inbox'), { recursive: true });
  if (!fs.existsSync(wavFile)) {
    const samples = 16000;
    const wav = Buffer.alloc(44 + samples * 2);
    wav.write('RIFF', 0);
    wav.writeUInt32LE(36 + samples * 2, 4);
    wav.write('WAVEfmt ', 8);
    wav.writeUInt32LE(16, 16);
    wav.writeUInt16LE(1, 20); // PCM
    wav.writeUInt16LE(1, 22); // mono
    wav.writeUInt32LE(16000, 24);
    wav.writeUInt32LE(32000, 28);
    wav.writeUInt16LE(2, 32);
    wav.writeUInt16LE(16, 34);
    wav.write('data', 36);
    wav.writeUInt32LE(samples * 2, 40);
    fs.writeFileSync(wavFile, wav);
    made.push(wavFile);
  }
  return made;
}

async function main(): Promise<void> {
  const port = portFromEnv('PORT', 1880);
  const emulatorPort = portFromEnv('EMULATOR_PORT', 18080);
  // Before Node-RED starts: it first runs the flows saved last time, which watch the inbox.
  for (const file of demoFiles()) log(`Wrote ${file} (one second of silence) for the Unisound example.`);

  let emus: RunningEmulators;
  try {
    // Bot tokens "last" a minute here, so the handover tab's token-expiring (event 104) comes 30 s after a start.
    // IMS template players post a sentence half every 1.2 s: slow enough to read on the caption page.
    emus = await startEmulators({
      port: emulatorPort,
      host: HOST,
      agora: { tokenLifetimeMs: DEMO_TOKEN_LIFETIME_MS },
      imsIntervalMs: 1200,
    });
  } catch (err) {
    throw new Error(
      `could not start the vendor emulators on ${HOST}:${emulatorPort}-${emulatorPort + 2} (${(err as Error).message}); set EMULATOR_PORT to another port`,
      { cause: err },
    );
  }
  log(
    `Emulators listening: Alibaba Live ${emus.aliyun.url}, Agora STT ${emus.agora.url}, Unisound MaaS ${emus.unisound.url}`,
  );

  let red: NodeRedProcess | undefined;
  // eslint-disable-next-line prefer-const -- set once the demo is deployed; a signal may stop us before that
  let stopWatching: (() => void) | undefined;
  let stopping = false;
  const shutdown = async (reason: string, code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log(`\n${reason}: stopping Node-RED and the emulator...`);
    stopWatching?.();
    try {
      await red?.stop();
    } finally {
      await emus.close();
    }
    log('Stopped.');
    process.exit(code);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => void shutdown(sig, 0));
  }

  try {
    const userDir = await createUserDir({ dir: path.join(REPO_ROOT, '.tmp', 'node-red'), port, httpAdminRoot: '/' });
    linkPackage(userDir.dir);
    log(`Starting Node-RED on ${HOST}:${port} (user directory ${userDir.dir})...`);
    red = await startNodeRed(userDir, { echo: true, handleSignals: false, removeUserDirOnStop: false });
  } catch (err) {
    await emus.close();
    if (/already in use/.test((err as Error).message))
      throw new Error(`${(err as Error).message} (set PORT, e.g. PORT=1881 npm start)`, { cause: err });
    throw err;
  }
  void red.exited.then(({ code, signal }) => {
    if (!stopping) {
      log(`Node-RED exited unexpectedly (code ${code}, signal ${signal}).`);
      void shutdown('Node-RED exited', 1);
    }
  });

  const sets = await red.nodeSets();
  const loaded = new Set(sets.filter((s) => s.enabled !== false && !s.err).flatMap((s) => s.types));
  const missing = EXPECTED_TYPES.filter((t) => !loaded.has(t));
  const broken = sets.filter((s) => s.err && s.module === require(path.join(REPO_ROOT, 'package.json')).name);
  for (const s of broken) log(`!! node set ${s.id} failed to load: ${s.err}`);
  if (missing.length) log(`!! these node types are not loaded: ${missing.join(', ')} (did the build run?)`);

  // The editor opens on the first tab: one with buttons to press, not the decode tab that only listens.
  const examples = shareConfigNodes(withButtonsFirst(readExamples()));
  const flows = pointAtEmulator(mergeFlows(examples.map((e) => e.flows)), demoTargets(emus, red.url, AUTH_KEY));
  await red.deploy(flows);
  for (const [id, template] of Object.entries(imsTemplatesFor(flows, red.url)))
    emus.aliyun.ims.defineTemplate(id, template);
  // Agora's Notifications service is set up per project in Agora Console; here, every events node listens.
  const nodeRedUrl = red.url;
  emus.agora.notifyTo(
    flows
      .filter((n) => n.type === 'agora-stt-events' && n.path)
      .map((n) => ({
        url: `${nodeRedUrl}${String(n.path).startsWith('/') ? '' : '/'}${String(n.path)}`,
        secret: NCS_SECRET,
      })),
  );
  const callbackUrls = flows.filter((n) => n.type === 'aliyun-live-callback-config').map((n) => String(n.callbackUrl));
  banner(
    red,
    emus,
    flows,
    examples.map((e) => e.name),
    callbackUrls,
  );
  stopWatching = watchEmulator(emus);
}

// Imported by the browser test for shareConfigNodes() and demoFiles(): only `node test/dev/start.js` starts the demo.
if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`npm start failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
