/**
 * What a user gets from npm: `npm pack` this checkout, `npm install` the tarball into
 * a fresh Node-RED user directory, start a real Node-RED process, deploy the shipped
 * create-query-stop example through the Admin API (pointed at an in-process emulator)
 * and press its buttons.
 */
import assert from 'assert/strict';
import fs from 'fs';
import path from 'path';
import { startEmulators, DEFAULT_CREDENTIALS, type RunningEmulators } from '../emulator';
import { injectNamed, nodesOfType, pointAtEmulator, readExample } from './example-flows';
import {
  PACKAGE_NAME,
  makeTempDir,
  packPackage,
  removeTempDir,
  startNodeRedInstance,
  tarballEntries,
  waitFor,
  type FlowNode,
  type NodeRedProcess,
} from './node-red-process';

const EXAMPLE = 'aliyun-live/create-query-stop.json';
const PKG = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
const NODE_FILES: Record<string, string> = PKG['node-red'].nodes;
/** speech-common is a node set without node types: it ships the catalogue every vendor's nodes share. */
const CATALOGUE_ONLY = 'speech-common';
const TYPES = Object.keys(NODE_FILES).filter((set) => set !== CATALOGUE_ONLY);
const [[ACCESS_KEY_ID, ACCESS_KEY_SECRET]] = Object.entries(DEFAULT_CREDENTIALS);

/** An `http in` endpoint on the example's tab that reads the TaskId the flow remembered. */
function taskIdProbe(tabId: string): FlowNode[] {
  return [
    {
      id: 'e2eTaskIdIn',
      type: 'http in',
      z: tabId,
      name: 'e2e: TaskId',
      url: '/e2e/task-id',
      method: 'get',
      upload: false,
      swaggerDoc: '',
      x: 140,
      y: 400,
      wires: [['e2eTaskIdRead']],
    },
    {
      id: 'e2eTaskIdRead',
      type: 'change',
      z: tabId,
      name: '',
      rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '{"taskId": $flowContext("aliyunTaskId")}', tot: 'jsonata' }],
      x: 340,
      y: 400,
      wires: [['e2eTaskIdOut']],
    },
    {
      id: 'e2eTaskIdOut',
      type: 'http response',
      z: tabId,
      name: '',
      statusCode: '',
      headers: {},
      x: 540,
      y: 400,
      wires: [],
    },
  ];
}

describe('e2e: npm pack, install into Node-RED, deploy create-query-stop', function () {
  this.timeout(60000);

  let packDir: string | undefined;
  let tarball: string;
  let entries: string[];
  let emus: RunningEmulators | undefined;
  let red: NodeRedProcess | undefined;
  let deployed: FlowNode[];

  before(async function () {
    this.timeout(180000);
    packDir = makeTempDir('node-red-speech-pack-');
    tarball = await packPackage(packDir);
    entries = await tarballEntries(tarball);
    emus = await startEmulators({ callbacks: false });
    red = await startNodeRedInstance({ install: { tarball }, httpAdminRoot: '/admin' });
  });

  after(async function () {
    this.timeout(20000);
    try {
      await red?.stop();
    } finally {
      await emus?.close();
      if (packDir) removeTempDir(packDir);
    }
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && red) {
      process.stdout.write(`--- Node-RED output (last lines) ---\n${red.tail(60)}\n---\n`);
    }
  });

  describe('the tarball', () => {
    it('holds the runtime .js and editor .html of every node, locales, icons and examples', () => {
      assert.ok(entries.includes('package.json'));
      for (const [type, file] of Object.entries(NODE_FILES)) {
        assert.ok(entries.includes(file), `${file} (${type}) is missing from ${path.basename(tarball)}`);
        const html = file.replace(/\.js$/, '.html');
        if (type !== CATALOGUE_ONLY) assert.ok(entries.includes(html), `${html} (${type}) is missing`);
      }
      assert.ok(
        entries.some((e) => /^nodes\/locales\/en-US\/[^/]+\.json$/.test(e)),
        'no nodes/locales/en-US/*.json',
      );
      assert.ok(
        entries.some((e) => /^(nodes\/)?icons\/[^/]+\.(svg|png)$/.test(e)),
        'no icons/* or nodes/icons/*',
      );
      assert.ok(entries.includes(`examples/${EXAMPLE}`), `examples/${EXAMPLE} is missing`);
      assert.ok(
        entries.includes('examples/aliyun-live/live-subtitles.json'),
        'examples/aliyun-live/live-subtitles.json is missing',
      );
      // Every .js the runtime requires is shipped (nodes/lib, nodes/vendors).
      for (const e of entries.filter((x) => x.startsWith('nodes/') && x.endsWith('.js'))) {
        const src = fs.readFileSync(path.join(red!.userDir.dir, 'node_modules', ...PACKAGE_NAME.split('/'), e), 'utf8');
        for (const m of src.matchAll(/require\("(\.[^"]+)"\)/g)) {
          const base = path.posix.normalize(path.posix.join(path.posix.dirname(e), m[1]));
          // A file, or a folder's index.js (require('..')).
          const candidates = [base.replace(/(\.js)?$/, '.js'), path.posix.join(base, 'index.js')];
          assert.ok(
            candidates.some((c) => entries.includes(c)),
            `${e} requires ${m[1]}, which is not in the tarball`,
          );
        }
      }
    });

    it('does not ship sources, tests or build configuration', () => {
      const unwanted = entries.filter(
        (e) =>
          /^(src|test|\.tmp|node_modules|\.ci)\//.test(e) ||
          /(^|\/)tsconfig[^/]*\.json$/.test(e) ||
          (e.endsWith('.ts') && !e.endsWith('.d.ts')) ||
          e.endsWith('.tgz'),
      );
      assert.deepEqual(unwanted, []);
    });

    it('is installed as a real copy, not a link to the checkout', () => {
      const dir = path.join(red!.userDir.dir, 'node_modules', ...PACKAGE_NAME.split('/'));
      assert.equal(fs.lstatSync(dir).isSymbolicLink(), false);
      assert.equal(fs.existsSync(path.join(dir, 'src')), false);
      const userPkg = JSON.parse(fs.readFileSync(path.join(red!.userDir.dir, 'package.json'), 'utf8'));
      assert.ok(userPkg.dependencies[PACKAGE_NAME], 'the user directory package.json lists the package');
    });
  });

  describe('the Node-RED process', () => {
    it("runs the Node-RED under test (this checkout's, or NODE_RED_PATH's in the Node-RED 5 run)", async () => {
      const dir = process.env.NODE_RED_PATH ?? path.dirname(require.resolve('node-red/package.json'));
      const expected = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
      const settings = await red!.admin.get('/settings');
      assert.equal(String((settings.data as { version?: string }).version).replace(/-git$/, ''), expected);
      process.stdout.write(`      (Node-RED ${expected} on Node.js ${process.version})\n`);
    });

    it('loads all node types from the installed package without errors (GET /nodes)', async () => {
      const sets = await red!.nodeSets();
      const ours = sets.filter((s) => s.module === PACKAGE_NAME);
      assert.deepEqual(ours.flatMap((s) => s.types).sort(), [...TYPES].sort());
      for (const s of ours) {
        assert.equal(s.err, undefined, `${s.id}: ${s.err}`);
        assert.equal(s.enabled, true, `${s.id} is disabled`);
        assert.equal(s.version, PKG.version);
        // local: found in <userDir>/node_modules, i.e. the copy npm installed.
        assert.equal(s.local, true, `${s.id} was not loaded from the user directory`);
      }
      assert.deepEqual(
        red!.grep(/\[(error|warn)\].*(speech|aliyun|Failed to register|Waiting for missing types)/i),
        [],
      );
    });

    it('serves the editor definitions, icons and message catalogs of the package', async () => {
      const html = await red!.admin.get('/nodes', { headers: { Accept: 'text/html' }, responseType: 'text' });
      assert.equal(html.status, 200);
      for (const type of TYPES)
        assert.match(
          html.data as string,
          new RegExp(`registerType\\(\\s*['"]${type}['"]`),
          `no editor definition for ${type}`,
        );
      const icons = new Set(entries.filter((e) => /^(nodes\/)?icons\//.test(e)).map((e) => path.posix.basename(e)));
      assert.ok(icons.size > 0, 'no icons shipped');
      // Every icon a node definition names (other than stock font-awesome ones) is shipped.
      const installed = path.join(red!.userDir.dir, 'node_modules', ...PACKAGE_NAME.split('/'));
      for (const file of TYPES.map((t) => NODE_FILES[t].replace(/\.js$/, '.html'))) {
        const editor = fs.readFileSync(path.join(installed, file), 'utf8');
        for (const m of editor.matchAll(/\bicon:\s*['"]([^'"]+\.(?:svg|png))['"]/g)) {
          assert.ok(icons.has(m[1]), `${file} uses icon ${m[1]}, which is not shipped`);
        }
      }
      for (const icon of icons) {
        const res = await red!.admin.get(`/icons/${PACKAGE_NAME}/${icon}`);
        assert.equal(res.status, 200, `icon ${icon}: HTTP ${res.status}`);
      }
      const catalog = await red!.admin.get(`/locales/${PACKAGE_NAME}/aliyun-live-config?lng=en-US`);
      assert.equal(catalog.status, 200);
      assert.equal(typeof catalog.data, 'object');
      assert.ok(Object.keys(catalog.data as object).length > 0, 'empty aliyun-live-config catalog');
      // The shared catalogue and the shared editor code reach the editor too.
      const common = await red!.admin.get(`/locales/${PACKAGE_NAME}/${CATALOGUE_ONLY}?lng=zh-CN`);
      assert.equal(common.status, 200);
      assert.ok(
        (common.data as Record<string, Record<string, string>>).validation?.required,
        'the speech-common catalogue has no validation strings',
      );
      const editorJs = await red!.admin.get(`/resources/${PACKAGE_NAME}/editor.js`, { responseType: 'text' });
      assert.equal(editorJs.status, 200);
      assert.match(editorJs.data as string, /SpeechPipelinesEditor/);
    });
  });

  describe('the create-query-stop example, deployed through the Admin API', () => {
    let taskId: string;
    let createInject: FlowNode;

    before(async () => {
      const example = readExample(EXAMPLE);
      const tab = nodesOfType(example, 'tab')[0];
      deployed = [
        ...pointAtEmulator(example, {
          emulatorUrl: emus!.aliyun.url,
          accessKeyId: ACCESS_KEY_ID,
          accessKeySecret: ACCESS_KEY_SECRET,
          nodeRedUrl: red!.url,
          authKey: 'e2e-authkey',
        }),
        ...taskIdProbe(tab.id),
      ];
      assert.equal(nodesOfType(deployed, 'aliyun-live-config').length, 1);
      createInject = injectNamed(deployed, 'create task');
      await red!.deploy(deployed);
    });

    it('keeps the AccessKey secret out of GET /flows but stores it encrypted', async () => {
      const text = await red!.getFlowsText();
      assert.ok(!text.includes(ACCESS_KEY_SECRET), 'GET /flows contains the AccessKey secret');
      const flows = JSON.parse(text) as FlowNode[];
      const cfg = flows.find((n) => n.type === 'aliyun-live-config')!;
      assert.equal(cfg.endpoint, emus!.aliyun.url);
      assert.equal(cfg.credentials, undefined);
      const credFile = fs.readFileSync(path.join(red!.userDir.dir, 'flows_cred.json'), 'utf8');
      assert.ok(!credFile.includes(ACCESS_KEY_SECRET), 'flows_cred.json holds the secret in clear text');
      assert.match(credFile, /"\$"\s*:/, 'flows_cred.json is not encrypted');
    });

    it('"create task" sends a V3-signed CreateRtcAsrTask that succeeds, and the flow keeps its TaskId', async () => {
      await red!.inject(createInject.id);
      const create = await waitFor(
        () => emus!.aliyun.requests.find((r) => r.action === 'CreateRtcAsrTask' && r.status !== 0),
        'CreateRtcAsrTask at the emulator',
      );
      assert.equal(create.status, 200, `CreateRtcAsrTask answered ${create.status} ${create.code ?? ''}`);
      assert.equal(create.scheme, 'v3');
      assert.equal(create.accessKeyId, ACCESS_KEY_ID);
      assert.equal(create.params.StreamURL, 'rtmp://push.example.com/live/demo');
      assert.equal(create.params.Mode, 'live');
      assert.equal(emus!.aliyun.tasks.size, 1);
      taskId = [...emus!.aliyun.tasks.keys()][0];

      const produced = await waitFor(async () => {
        const res = await red!.httpGet<{ taskId?: string }>('/e2e/task-id');
        return res.status === 200 && res.data && res.data.taskId ? res.data.taskId : undefined;
      }, 'the TaskId in flow context');
      assert.equal(produced, taskId);
    });

    it('"query task" queries exactly that TaskId', async () => {
      await red!.inject(injectNamed(deployed, 'query task').id);
      const query = await waitFor(
        () => emus!.aliyun.requests.find((r) => r.action === 'QueryRtcAsrTasks' && r.status !== 0),
        'QueryRtcAsrTasks at the emulator',
      );
      assert.equal(query.status, 200, `QueryRtcAsrTasks answered ${query.status} ${query.code ?? ''}`);
      assert.equal(query.scheme, 'v3');
      assert.equal(query.params.TaskId, taskId);
    });

    it('"stop + delete" stops and deletes that task', async () => {
      await red!.inject(injectNamed(deployed, 'stop + delete').id);
      const del = await waitFor(
        () => emus!.aliyun.requests.find((r) => r.action === 'DeleteRtcAsrTask' && r.status !== 0),
        'DeleteRtcAsrTask at the emulator',
      );
      const stop = emus!.aliyun.requests.find((r) => r.action === 'StopRtcAsrTask');
      assert.ok(stop, 'no StopRtcAsrTask before the delete');
      assert.equal(stop.status, 200);
      assert.equal(stop.params.TaskId, taskId);
      assert.equal(del.status, 200);
      assert.equal(del.params.TaskId, taskId);
      assert.equal(emus!.aliyun.tasks.has(taskId), false);
    });

    it('logged no errors, and every request the emulator saw succeeded', () => {
      assert.deepEqual(red!.grep(/\[error\]/), []);
      assert.deepEqual(
        emus!.aliyun.requests.filter((r) => r.status !== 200).map((r) => `${r.action} ${r.status} ${r.code}`),
        [],
      );
    });
  });
});
