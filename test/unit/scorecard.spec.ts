import { execFile } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import should from 'should';

const ROOT = path.join(__dirname, '..', '..');
const EXPECTED = ['P01', 'P03', 'P04', 'P05', 'P06', 'P07', 'P08', 'N01', 'N02', 'D01', 'D02', 'D03'];

describe('flow-library scorecard (node-red-dev validate)', function () {
  this.timeout(180000);

  it('passes every check, with only the catalogue lookup served from a fixture', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scorecard-'));
    const out = path.join(dir, 'scorecard.json');
    const cli = path.join(path.dirname(require.resolve('node-red-dev/package.json')), 'bin', 'run');
    const preload = path.join(ROOT, 'test', 'scorecard', 'offline-catalogue.js');
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile(
        process.execPath,
        ['-r', preload, cli, 'validate', '-p', ROOT, '-o', out],
        { cwd: ROOT, maxBuffer: 16 << 20 },
        (err, so, se) =>
          err
            ? reject(Object.assign(err, { message: `${err.message}\n${so}\n${se}` }))
            : resolve({ stdout: so, stderr: se }),
      );
    });
    const log = `${stdout}\n${stderr}`;
    // speech-common is a node set without node types (it exists for its catalogue), so it has no
    // editor HTML for node-red-dev to read; any other set it cannot parse is a failure.
    log.replace(/^Unable to parse\s+nodes\/speech-common\.js$/m, '').should.not.match(/Unable to parse/);
    stderr.should.match(/\[offline-catalogue\] served/);
    const scorecard = JSON.parse(fs.readFileSync(out, 'utf8'));
    fs.rmSync(dir, { recursive: true, force: true });
    Object.keys(scorecard)
      .filter((k) => k !== 'package')
      .sort()
      .should.eql([...EXPECTED].sort());
    for (const id of EXPECTED)
      should(scorecard[id].test).equal(true, `${id}: ${JSON.stringify(scorecard[id])}\n${log}`);
    // N02 lists the nodes it parsed, so N01/N02 did not pass vacuously through a parse failure.
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const palette = Object.keys(pkg['node-red'].nodes).filter((t) => !t.endsWith('-config') && t !== 'speech-common');
    scorecard.N02.nodes.sort().should.eql(palette.sort());
  });
});
