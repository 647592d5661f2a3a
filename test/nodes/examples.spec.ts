import fs from 'fs';
import os from 'os';
import path from 'path';
import should from 'should';
import { ALL_NODES, coreNode, helper } from './harness';
import { withFilesIn } from '../e2e/example-flows';

const ROOT = path.join(__dirname, '..', '..');
const CORE_NODES = [
  'common/20-inject.js',
  'common/21-debug.js',
  'common/25-catch.js',
  'common/90-comment.js',
  'function/15-change.js',
  'network/21-httpin.js',
  'storage/10-file.js',
  'network/22-websocket.js',
  'storage/23-watch.js',
  'function/10-switch.js',
  'function/89-delay.js',
  'function/10-function.js',
].map(coreNode);

function examples(dir = path.join(ROOT, 'examples')): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? examples(path.join(dir, e.name)) : e.name.endsWith('.json') ? [path.join(dir, e.name)] : [],
    );
}

describe('example flows', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const files = examples();

  let started = false;
  afterEach(async () => {
    if (!started) return;
    started = false;
    await helper.unload();
    await helper.stopServer();
  });

  it('use every node type the package registers (scorecard N02)', () => {
    const used = new Set(
      files.flatMap((f) => JSON.parse(fs.readFileSync(f, 'utf8')).map((n: { type: string }) => n.type)),
    );
    // Every node set with an editor; speech-common has no node types (it exists for its catalogue).
    const types = Object.keys(pkg['node-red'].nodes).filter((set) =>
      fs.existsSync(path.join(ROOT, 'nodes', `${set}.html`)),
    );
    for (const type of types) used.has(type).should.be.true(type);
  });

  it('each bring their own config nodes: no id is used in two files (no "nodes already exist" prompt on import)', () => {
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const file of files) {
      for (const n of JSON.parse(fs.readFileSync(file, 'utf8')) as { id: string }[]) {
        const other = seen.get(n.id);
        if (other && other !== file) clashes.push(`${n.id} in ${path.basename(other)} and ${path.basename(file)}`);
        seen.set(n.id, file);
      }
    }
    clashes.should.eql([]);
  });

  it('point every account and socket at the real vendor or at this Node-RED, never at a local emulator', () => {
    const wrong: string[] = [];
    for (const file of files) {
      for (const n of JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>[]) {
        const address = String(n.endpoint ?? (n.type === 'websocket-client' ? n.path : '') ?? '');
        if (/^(https?|wss?):\/\/(127\.|localhost|\[::1\])/.test(address))
          wrong.push(`${path.basename(file)}: ${String(n.type)} ${String(n.id)} -> ${address}`);
      }
    }
    wrong.should.eql([]);
  });

  it('read true in an imported copy: no comment is addressed to npm start alone', () => {
    const wrong: string[] = [];
    for (const file of files) {
      for (const n of JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>[]) {
        if (n.type !== 'comment' && n.type !== 'tab') continue;
        const name = String(n.name ?? n.label ?? '');
        if (/npm start/i.test(name)) wrong.push(`${path.basename(file)}: "${name}"`);
        if (/^Under `?npm start`?/i.test(String(n.info ?? ''))) wrong.push(`${path.basename(file)}: info of ${name}`);
      }
    }
    wrong.should.eql([]);
  });

  it("put in an Agora start button's payload nothing the start node's dialog sets (channel, bot uids)", () => {
    for (const file of files.filter((f) => f.includes(`${path.sep}agora${path.sep}`))) {
      const flow = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>[];
      for (const start of flow.filter((n) => n.type === 'agora-stt-start')) {
        for (const inj of flow.filter(
          (n) => n.type === 'inject' && (n.wires as string[][]).some((w) => w.includes(String(start.id))),
        )) {
          const payload = inj.payloadType === 'json' ? JSON.parse(String(inj.payload)) : {};
          should(payload.rtcConfig?.channelName).be.undefined();
          should(payload.rtcConfig?.pubBotUid).be.undefined();
        }
        String(start.channel).should.not.equal('');
        String(start.pubBotUid).should.not.equal('');
      }
    }
  });

  it('live-subtitles: the subtitle line keeps the last sentence when the session completes', async () => {
    const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'aliyun-live', 'live-subtitles.json'), 'utf8'));
    const line = flow.find((n: { name?: string }) => n.name === 'subtitle line');
    await helper.startServer();
    started = true;
    await helper.load(
      [coreNode('function/15-change.js'), coreNode('common/21-debug.js')],
      [
        { id: 'tab', type: 'tab' },
        { ...line, z: 'tab', wires: [['shown']] },
        { id: 'shown', type: 'helper', z: 'tab' },
      ],
    );
    const shown = helper.getNode('shown');
    const show = async (payload: Record<string, unknown>): Promise<any> => {
      const next = new Promise<{ payload: any }>((r) => shown.once('input', r));
      helper.getNode(line.id).receive({ payload });
      return (await next).payload;
    };
    (await show({ event: 'TranscriptionStarted', text: '', final: false })).should.equal('(TranscriptionStarted)');
    (await show({ event: 'TranscriptionResultChanged', text: 'Good to', final: false })).should.equal('… Good to');
    (await show({ event: 'SentenceEnd', text: 'Good to see you all here', final: true })).should.equal(
      '✔ Good to see you all here',
    );
    (await show({ event: 'TranscriptionCompleted', text: '', final: false })).should.equal(
      '✔ Good to see you all here',
    );
  });

  for (const file of files) {
    it(`${path.relative(ROOT, file)} imports and deploys`, async () => {
      const flow = JSON.parse(fs.readFileSync(file, 'utf8'));
      Array.isArray(flow).should.be.true();
      JSON.stringify(flow).should.not.match(/accessKeySecret|authKey"\s*:/);
      // Deployed, the watched-folder example watches its inbox: this run's own, not /tmp's.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'speech-examples-'));
      try {
        await helper.startServer();
        started = true;
        await helper.load([...CORE_NODES, ...ALL_NODES], withFilesIn(dir, flow), {});
        for (const n of flow) if (n.type !== 'tab') should.exist(helper.getNode(n.id), `${n.type} ${n.id}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
