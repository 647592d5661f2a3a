import fs from 'fs';
import path from 'path';
import should from 'should';
import { ALL_NODES, coreNode, helper } from './harness';

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
  'network/21-httprequest.js',
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

  for (const file of files) {
    it(`${path.relative(ROOT, file)} imports and deploys`, async () => {
      const flow = JSON.parse(fs.readFileSync(file, 'utf8'));
      Array.isArray(flow).should.be.true();
      JSON.stringify(flow).should.not.match(/accessKeySecret|authKey"\s*:/);
      await helper.startServer();
      started = true;
      await helper.load([...CORE_NODES, ...ALL_NODES], flow, {});
      for (const n of flow) if (n.type !== 'tab') should.exist(helper.getNode(n.id), `${n.type} ${n.id}`);
    });
  }
});
