import { execFileSync } from 'child_process';
import path from 'path';
import 'should';

const ROOT = path.join(__dirname, '..', '..');

/**
 * Node-RED loads every node file at start-up; what only some flows need (HTTP client, body
 * parser, protobuf, tokens, Redis, multipart) is loaded on first use, so start-up stays within
 * 1.2x of Node-RED without the package (npm run bench measures the ratio).
 */
describe('start-up cost', () => {
  it('loading every node file of the package loads none of the heavy dependencies', () => {
    const script = `
      const pkg = require('./package.json');
      for (const f of Object.values(pkg['node-red'].nodes)) require('./' + f).default({ nodes: { registerType() {} }, httpAdmin: { get() {}, post() {} }, auth: { needsPermission: () => (q, s, n) => n() }, settings: {}, log: { info() {}, warn() {} }, _: (k) => k, util: {} });
      const loaded = Object.keys(require.cache).filter((k) => k.includes('node_modules')).map((k) => k.split('node_modules/').pop().split('/')[0]);
      console.log(JSON.stringify([...new Set(loaded)]));`;
    const out = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
    const loaded: string[] = JSON.parse(out.trim().split('\n').pop() as string);
    for (const heavy of ['axios', 'body-parser', 'protobufjs', 'agora-token', 'redis', '@redis', 'form-data'])
      loaded.should.not.containEql(heavy);
  });
});
