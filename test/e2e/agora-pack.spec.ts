/**
 * The Agora examples as a user gets them from npm: the packed tarball installed into a
 * fresh Node-RED user directory, a real Node-RED process, the shipped flows deployed
 * through the Admin API against the Agora emulator, and their buttons pressed:
 * v7 start → query → update → stop (with a bot token built from the App Certificate),
 * the v6 legacy flow (builder token), and subtitles decoded from the emulator's WebSocket.
 *
 * Agora's 5 s update spacing is shortened on both sides: the emulator's option, and the
 * `speechPipelinesAgora` setting the agora-config node reads from settings.js.
 */
import assert from 'assert/strict';
import fs from 'fs';
import path from 'path';
import { AgoraEmulator, AGORA_DEFAULTS, checkRtcToken, SCRIPT, type AgoraRequestRecord } from '../emulator/agora';
import { nodesOfType, pointAtEmulator, readExample } from './example-flows';
import {
  createUserDir,
  installTarball,
  makeTempDir,
  REPO_ROOT,
  removeTempDir,
  run,
  startNodeRed,
  waitFor,
  type FlowNode,
  type NodeRedProcess,
} from './node-red-process';

const UPDATE_SPACING_MS = 600;
const V7 = 'agora/start-query-update-stop.json';
const V6 = 'agora/v6-legacy.json';
const DECODE = 'agora/decode-subtitles-websocket.json';

/**
 * `npm pack` without the prepare script: this run's build (the compiled spec itself comes
 * from it) is what gets packed, in seconds rather than a rebuild (pack-install.spec.ts
 * covers the prepare path).
 */
async function packBuilt(destDir: string): Promise<string> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  await run(npm, ['pack', '--ignore-scripts', '--pack-destination', destDir, '--no-fund', '--no-audit'], {
    cwd: REPO_ROOT,
    timeoutMs: 120000,
  });
  const created = fs.readdirSync(destDir).filter((f) => f.endsWith('.tgz'));
  assert.equal(created.length, 1, `npm pack made ${created.join(', ')}`);
  return path.join(destDir, created[0]);
}

/** GET `url` answers `{value: <JSONata expression>}`, evaluated on the tab `tabId`. */
function probe(tabId: string, id: string, url: string, expression: string): FlowNode[] {
  return [
    {
      id: `${id}In`,
      type: 'http in',
      z: tabId,
      name: `e2e ${url}`,
      url,
      method: 'get',
      upload: false,
      swaggerDoc: '',
      x: 140,
      y: 600,
      wires: [[`${id}Read`]],
    },
    {
      id: `${id}Read`,
      type: 'change',
      z: tabId,
      name: '',
      rules: [{ t: 'set', p: 'payload', pt: 'msg', to: `{"value": ${expression}}`, tot: 'jsonata' }],
      x: 340,
      y: 600,
      wires: [[`${id}Out`]],
    },
    {
      id: `${id}Out`,
      type: 'http response',
      z: tabId,
      name: '',
      statusCode: '',
      headers: {},
      x: 540,
      y: 600,
      wires: [],
    },
  ];
}

describe('e2e: npm pack, install into Node-RED, run the Agora examples against the emulator', function () {
  this.timeout(60000);

  let packDir: string | undefined;
  let emu: AgoraEmulator;
  let red: NodeRedProcess | undefined;
  let deployed: FlowNode[];
  const done = (action: string, id?: string) => (): AgoraRequestRecord | undefined =>
    emu.requests.find((r) => r.action === action && r.status !== 0 && (id === undefined || r.path?.includes(`/${id}`)));
  /** Presses the inject button `name` on the tab whose label matches `tab`. */
  const press = (tab: RegExp, name: string): Promise<void> => {
    const z = nodesOfType(deployed, 'tab').find((t) => tab.test(t.label))!.id;
    const node = deployed.find((n) => n.type === 'inject' && n.name === name && n.z === z);
    assert.ok(node, `no "${name}" button on the tab ${tab}`);
    return red!.inject(node.id);
  };
  const probeValue = async <T>(url: string): Promise<T | undefined> => {
    const res = await red!.httpGet<{ value?: T }>(url);
    return res.status === 200 ? res.data.value : undefined;
  };

  before(async function () {
    this.timeout(180000);
    packDir = makeTempDir('node-red-speech-agora-pack-');
    const tarball = await packBuilt(packDir);
    emu = new AgoraEmulator({ updateSpacingMs: UPDATE_SPACING_MS, statusStepMs: 100, subtitleIntervalMs: 40 });
    await emu.listen();
    const userDir = await createUserDir();
    // The pacing hook the agora-config node reads (RED.settings.speechPipelinesAgora).
    fs.appendFileSync(
      userDir.settingsFile,
      `module.exports.speechPipelinesAgora = ${JSON.stringify({ updateSpacingMs: UPDATE_SPACING_MS, startSpacingMs: 0 })};\n`,
    );
    try {
      await installTarball(userDir.dir, tarball);
      red = await startNodeRed(userDir);
    } catch (err) {
      userDir.remove();
      throw err;
    }

    const examples = [V7, V6, DECODE].map(readExample);
    const tabOf = (flows: FlowNode[]): string => nodesOfType(flows, 'tab')[0].id;
    const decoder = nodesOfType(examples[2], 'agora-stt-decode')[0];
    deployed = [
      ...pointAtEmulator(examples.flat(), {
        emulatorUrl: 'http://127.0.0.1:9',
        accessKeyId: '',
        accessKeySecret: '',
        nodeRedUrl: red.url,
        authKey: '',
        agora: {
          url: emu.url,
          appId: AGORA_DEFAULTS.appId,
          customerId: AGORA_DEFAULTS.customerId,
          customerSecret: AGORA_DEFAULTS.customerSecret,
          appCertificate: AGORA_DEFAULTS.appCertificate,
        },
      }),
      ...probe(tabOf(examples[0]), 'e2eV7', '/e2e/agora/v7-task', '$flowContext("agoraTask")'),
      ...probe(tabOf(examples[1]), 'e2eV6', '/e2e/agora/v6-task', '$flowContext("agoraTask")'),
      ...probe(tabOf(examples[2]), 'e2eSubs', '/e2e/agora/subtitles', '$globalContext("e2eSubtitles")'),
      // Every decoded subtitle is also appended to a global list the probe reads.
      {
        id: 'e2eSubsKeep',
        type: 'change',
        z: tabOf(examples[2]),
        name: 'e2e: keep',
        rules: [
          {
            t: 'set',
            p: 'e2eSubtitles',
            pt: 'global',
            to: '$append($globalContext("e2eSubtitles"), [payload])',
            tot: 'jsonata',
          },
        ],
        x: 540,
        y: 500,
        wires: [],
      },
    ];
    const decodeNode = deployed.find((n) => n.id === decoder.id)!;
    decodeNode.wires = [[...decodeNode.wires[0], 'e2eSubsKeep']];
    assert.equal(nodesOfType(deployed, 'agora-config').length, 2);
    await red.deploy(deployed);
  });

  after(async function () {
    this.timeout(20000);
    try {
      await red?.stop();
    } finally {
      await emu?.close();
      if (packDir) removeTempDir(packDir);
    }
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && red) {
      process.stdout.write(
        `--- Node-RED output (last lines) ---\n${red.tail(60)}\n--- emulator requests ---\n${JSON.stringify(
          emu.requests.map((r) => `${r.method} ${r.path} ${r.status} ${r.code ?? ''}`),
          null,
          1,
        )}\n`,
      );
    }
  });

  it('loads the Agora nodes from the installed tarball, and keeps the secrets out of GET /flows', async () => {
    const sets = await red!.nodeSets();
    const types = sets.flatMap((s) => s.types);
    for (const t of [
      'agora-config',
      'agora-stt-start',
      'agora-stt-query',
      'agora-stt-update',
      'agora-stt-stop',
      'agora-stt-decode',
    ])
      assert.ok(types.includes(t), `${t} is not loaded`);
    assert.ok(sets.filter((s) => s.types.some((t) => t.startsWith('agora-'))).every((s) => s.local === true && !s.err));
    const text = await red!.getFlowsText();
    for (const secret of [AGORA_DEFAULTS.customerSecret, AGORA_DEFAULTS.appCertificate])
      assert.ok(!text.includes(secret), 'GET /flows holds a secret');
  });

  describe('v7: start → query → update → stop', () => {
    let agentId: string;

    it('"start" joins with a bot token built from the App Certificate, and the flow keeps msg.agora', async () => {
      await press(/\(v7\)/, 'start');
      const join = await waitFor(done('join'), 'join at the emulator');
      assert.equal(join.status, 200, `join answered ${join.status} ${join.code ?? ''}`);
      assert.equal(emu.agents.size, 1);
      const agent = [...emu.agents.values()][0];
      agentId = agent.id;
      assert.equal(agent.channel, 'demo');
      // Checked again here, independently of the emulator's own check on join.
      const rtc = agent.config.rtcConfig as Record<string, unknown>;
      assert.equal(
        checkRtcToken(
          rtc.pubBotToken,
          AGORA_DEFAULTS.appId,
          AGORA_DEFAULTS.appCertificate,
          'demo',
          '88222',
          Math.floor(Date.now() / 1000),
        ),
        undefined,
      );
      const task = await waitFor(
        () => probeValue<{ taskId?: string; apiVersion?: string }>('/e2e/agora/v7-task'),
        'msg.agora in flow context',
      );
      assert.equal(task.taskId, agentId);
      assert.equal(task.apiVersion, 'v7');
    });

    it('the decode flow turns the subtitles the emulator pushes over its WebSocket into transcript events', async () => {
      const finals = SCRIPT.map((s) => s.words.join(' '));
      const subs = await waitFor(
        async () => {
          const list =
            await probeValue<Array<{ text: string; final: boolean; vendor: string }>>('/e2e/agora/subtitles');
          // A sentence may settle in parts (a stable prefix first, then the rest: Agora's
          // multi-segment results), so the finals are compared as one text.
          const text = list
            ?.filter((e) => e.final)
            .map((e) => e.text)
            .join(' ');
          return text === finals.join(' ') ? list : undefined;
        },
        'decoded final subtitles',
        15000,
      );
      const sent = emu.subtitlesSent.filter((s) => s.agentId === agentId);
      // One frame gives at most two events: its settled part (final) and the rest (interim).
      assert.ok(2 * sent.length >= subs.length, `${sent.length} frames sent, ${subs.length} decoded`);
      assert.equal(
        subs
          .filter((e) => e.final)
          .map((e) => e.text)
          .join(' '),
        finals.join(' '),
      );
      assert.ok(subs.filter((e) => e.final).length >= finals.length);
      assert.ok(subs.every((e) => e.vendor === 'agora' && typeof e.text === 'string'));
      assert.ok(
        subs.some((e) => !e.final),
        'interim results arrive too',
      );
    });

    it('"query" gets that agent, "update" changes its languages and translation, "stop" makes it leave', async () => {
      await press(/\(v7\)/, 'query');
      const get = await waitFor(done('get', agentId), 'get at the emulator');
      assert.equal(get.status, 200);

      await press(/\(v7\)/, 'update');
      const update = await waitFor(done('update', agentId), 'update at the emulator');
      assert.equal(update.status, 200, `update answered ${update.status} ${update.code ?? ''}`);
      const agent = emu.agents.get(agentId)!;
      assert.equal(agent.updates.length, 1);
      assert.deepEqual([...agent.updates[0].mask].sort(), [
        'languages',
        'translateConfig.enable',
        'translateConfig.languages',
      ]);
      assert.deepEqual(agent.languages, ['zh-CN']);

      await press(/\(v7\)/, 'stop');
      const leave = await waitFor(done('leave', agentId), 'leave at the emulator');
      assert.equal(leave.status, 200);
      assert.equal(agent.stopping, true);
    });
  });

  describe('v6 legacy: builder token', () => {
    it('"start" acquires a builder token and starts with it; query, update and stop carry it', async () => {
      await press(/v6 legacy/, 'start');
      const start = await waitFor(done('start'), 'v6 start at the emulator');
      assert.equal(start.status, 200, `start answered ${start.status} ${start.code ?? ''}`);
      const acquire = emu.requests.find((r) => r.action === 'acquire');
      assert.equal(acquire?.status, 200);
      const task = [...emu.agents.values()].find((a) => a.apiVersion === 'v6')!;
      assert.equal(start.params.builderToken, task.builderToken);
      const saved = await waitFor(
        () => probeValue<{ taskId?: string; builderToken?: string }>('/e2e/agora/v6-task'),
        'v6 msg.agora in flow context',
      );
      assert.equal(saved.taskId, task.id);
      assert.equal(saved.builderToken, task.builderToken);

      await press(/v6 legacy/, 'query');
      const query = await waitFor(done('query', task.id), 'v6 query');
      assert.equal(query.status, 200);
      assert.equal(query.params.builderToken, task.builderToken);
      await press(/v6 legacy/, 'update');
      const update = await waitFor(done('update', task.id), 'v6 update');
      assert.equal(update.status, 200, `update answered ${update.status} ${update.code ?? ''}`);
      // Pressed moments after the start: the client held it for the spacing the settings give.
      assert.ok(update.at - start.at >= UPDATE_SPACING_MS, `update ${update.at - start.at} ms after the start`);
      assert.deepEqual(task.languages, ['en-US', 'ja-JP']);
      await press(/v6 legacy/, 'stop');
      const stop = await waitFor(done('stop', task.id), 'v6 stop');
      assert.equal(stop.status, 200);
      assert.equal(task.stopping, true);
    });
  });

  describe('afterwards', () => {
    it('Node-RED logged no errors, and every request the emulator saw succeeded', () => {
      assert.ok(emu.requests.length >= 9, `${emu.requests.length} requests`);
      assert.deepEqual(red!.grep(/\[error\]/), []);
      assert.deepEqual(
        emu.requests.filter((r) => r.status !== 200).map((r) => `${r.method} ${r.path} ${r.status} ${r.code ?? ''}`),
        [],
      );
    });
  });
});
