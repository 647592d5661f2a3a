// `npm start` and `prepare`: build only when the compiled files are missing or older than
// their sources. `npm ci` already built once, and a `prepare` that cleaned and rebuilt
// nodes/*.js on every local-path install would delete them under a running demo.
// `--stamp` (the last step of `npm run build`) records that a build finished.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.join(__dirname, '..');
const STAMP = path.join(ROOT, 'nodes', '.build-stamp');
/** What the build reads: a file here newer than the stamp means the build is stale. */
const SOURCES = ['src', 'test', 'icons', 'tsconfig.json', 'test/tsconfig.json', 'package.json'];

function newest(p) {
  let stat;
  try {
    stat = fs.statSync(p);
  } catch {
    return 0;
  }
  // Compiled output and screenshots beside the sources are not sources.
  if (!stat.isDirectory()) return /\.(js|png)$/.test(p) && !p.includes('fixtures') ? 0 : stat.mtimeMs;
  let max = 0;
  for (const e of fs.readdirSync(p)) if (e !== 'node_modules') max = Math.max(max, newest(path.join(p, e)));
  return max;
}

/** Why a build is needed, or '' when the compiled files are current. */
function staleReason() {
  if (!fs.existsSync(STAMP)) return 'no finished build recorded';
  const sets = require(path.join(ROOT, 'package.json'))['node-red'].nodes;
  for (const file of [...Object.values(sets), 'test/dev/start.js'])
    if (!fs.existsSync(path.join(ROOT, file))) return `${file} is missing`;
  const built = fs.statSync(STAMP).mtimeMs;
  for (const src of SOURCES) if (newest(path.join(ROOT, src)) > built) return `${src} changed since the last build`;
  return '';
}

if (process.argv.includes('--stamp')) {
  fs.writeFileSync(STAMP, `${new Date().toISOString()}\n`);
} else {
  const reason = staleReason();
  if (!reason) {
    console.log('build is current (nodes/ is newer than src/): skipping it');
  } else {
    console.log(`building: ${reason}`);
    const npm = process.env.npm_execpath;
    const r = npm
      ? spawnSync(process.execPath, [npm, 'run', 'build'], { cwd: ROOT, stdio: 'inherit' })
      : spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
    process.exit(r.status === null ? 1 : r.status);
  }
}
