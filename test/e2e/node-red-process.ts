/**
 * Runs a real Node-RED as a child process for end-to-end tests and for `npm start`:
 * a throw-away (or persistent) user directory with its own settings.js, the package
 * installed from an `npm pack` tarball or linked to this checkout, and small Admin
 * API helpers (deploy, inject, flows, nodes).
 *
 * Nothing is left behind: every child is killed and every temporary directory is
 * removed when the test process exits, whichever way it exits.
 */
import { ChildProcess, execFile, spawn } from 'child_process';
import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';
import readline from 'readline';
import axios, { AxiosInstance } from 'axios';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const PACKAGE_NAME: string = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).name;
/** A fixed test value: the flows_cred.json it encrypts only ever holds emulator secrets. */
export const CREDENTIAL_SECRET = 'node-red-speech-e2e-credential-secret';
export const HOST = '127.0.0.1';

/** The red.js of the Node-RED under test: NODE_RED_PATH (the Node-RED 5 run), else this checkout's devDependency. */
export function redJsPath(): string {
  if (process.env.NODE_RED_PATH) return path.join(process.env.NODE_RED_PATH, 'red.js');
  return require.resolve('node-red/red.js', { paths: [REPO_ROOT] });
}

export type FlowNode = Record<string, any>;

/** Logged by the runtime when a deployment has started (settings.js pins the log language). */
const STARTED_FLOWS = /\[info\] Started flows$/;
/** Started, or stuck on node types that are not installed (then a test says which). */
const STARTED_OR_WAITING = /\[info\] Started flows$|Waiting for missing types/;

// ---------------------------------------------------------------------------
// Cleanup of children and temporary directories, however the process ends
// ---------------------------------------------------------------------------

const liveChildren = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let hooksInstalled = false;
let signalHooksInstalled = false;

function killAllNow(): void {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  liveChildren.clear();
  for (const dir of tempDirs) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
  tempDirs.clear();
}

function installExitHook(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  // 'exit' also runs for mocha --exit and for process.exit() anywhere.
  process.on('exit', killAllNow);
}

/**
 * On SIGINT/SIGTERM/SIGHUP kill children and remove temp dirs; when nobody else
 * handles the signal, exit as the default handler would (a killed mocha, a CI timeout).
 * `npm start` handles its own signals to stop Node-RED gracefully, so it opts out.
 */
function installSignalHooks(): void {
  if (signalHooksInstalled) return;
  signalHooksInstalled = true;
  const codes: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
  for (const sig of Object.keys(codes) as NodeJS.Signals[]) {
    const onSignal = () => {
      killAllNow();
      if (process.listenerCount(sig) <= 1) process.exit(codes[sig]);
    };
    process.on(sig, onSignal);
  }
}

/** A fresh directory under os.tmpdir(), removed by removeTempDir() or at exit at the latest. */
export function makeTempDir(prefix: string): string {
  installExitHook();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

// ---------------------------------------------------------------------------
// Small utilities
// ---------------------------------------------------------------------------

/** A port that was free a moment ago: bind port 0 on loopback and release it. */
export function freePort(host = HOST): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function portIsFree(port: number, host = HOST): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a truthy value (which is returned) or the time is up. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 10000,
  intervalMs = 100,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await sleep(intervalMs);
  }
}

interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a command; rejects with its output when it fails. */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; timeoutMs?: number; env?: NodeJS.ProcessEnv },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd: opts.cwd, timeout: opts.timeoutMs ?? 120000, maxBuffer: 32 * 1024 * 1024, env: opts.env ?? process.env },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`${cmd} ${args.join(' ')} failed in ${opts.cwd}: ${err.message}\n${stdout}\n${stderr}`));
        } else {
          resolve({ stdout: String(stdout), stderr: String(stderr) });
        }
      },
    );
  });
}

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

// ---------------------------------------------------------------------------
// User directory, settings.js, installing the package
// ---------------------------------------------------------------------------

export interface UserDirOptions {
  /** Use this directory (created if missing, never removed) instead of a temp one. */
  dir?: string;
  /** Port Node-RED listens on; a free loopback port when omitted or 0. */
  port?: number;
  /** Default '/', as in a stock install (the admin app then parses every request body first). */
  httpAdminRoot?: string;
}

export interface UserDir {
  dir: string;
  port: number;
  httpAdminRoot: string;
  settingsFile: string;
  /** True for a temp dir that remove() deletes. */
  temporary: boolean;
  remove(): void;
}

export function settingsSource(port: number, httpAdminRoot: string): string {
  const settings = {
    uiHost: HOST,
    uiPort: port,
    flowFile: 'flows.json',
    flowFilePretty: true,
    // Runtime log language: deploy() waits for the English "Started flows".
    lang: 'en-US',
    credentialSecret: CREDENTIAL_SECRET,
    httpAdminRoot,
    httpNodeRoot: '/',
    logging: { console: { level: 'info', metrics: false, audit: false } },
    // No update checks or other calls home from a test runtime.
    telemetry: { enabled: false },
    diagnostics: { enabled: false, ui: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    editorTheme: { tours: false },
    functionGlobalContext: {},
  };
  return `// Generated by test/e2e/node-red-process.ts: no editor authentication, loopback only.\nmodule.exports = ${JSON.stringify(settings, null, 4)};\n`;
}

/** Creates (or refreshes) a user directory with settings.js and package.json. */
export async function createUserDir(opts: UserDirOptions = {}): Promise<UserDir> {
  const temporary = !opts.dir;
  const dir = opts.dir ? path.resolve(opts.dir) : makeTempDir('node-red-speech-e2e-');
  fs.mkdirSync(dir, { recursive: true });
  const port = opts.port || (await freePort());
  let httpAdminRoot = opts.httpAdminRoot ?? '/';
  if (!httpAdminRoot.startsWith('/')) httpAdminRoot = `/${httpAdminRoot}`;
  const settingsFile = path.join(dir, 'settings.js');
  fs.writeFileSync(settingsFile, settingsSource(port, httpAdminRoot));
  const pkgFile = path.join(dir, 'package.json');
  if (!fs.existsSync(pkgFile)) {
    fs.writeFileSync(
      pkgFile,
      JSON.stringify(
        {
          name: 'node-red-project',
          description: 'Node-RED user directory for node-red-speech tests',
          version: '0.0.1',
          private: true,
          dependencies: {},
        },
        null,
        2,
      ) + '\n',
    );
  }
  return {
    dir,
    port,
    httpAdminRoot,
    settingsFile,
    temporary,
    remove: () => {
      if (temporary) removeTempDir(dir);
    },
  };
}

/**
 * `npm pack` of this checkout into `destDir` (its `prepare` script runs the build).
 * Returns the tarball path. Call it once per test run: it takes a few seconds.
 */
export async function packPackage(destDir: string): Promise<string> {
  fs.mkdirSync(destDir, { recursive: true });
  const before = new Set(fs.readdirSync(destDir));
  await run(NPM, ['pack', '--pack-destination', destDir, '--no-fund', '--no-audit'], {
    cwd: REPO_ROOT,
    timeoutMs: 180000,
  });
  const created = fs.readdirSync(destDir).filter((f) => f.endsWith('.tgz') && !before.has(f));
  if (created.length !== 1)
    throw new Error(`npm pack produced ${created.length} tarballs in ${destDir}: ${created.join(', ')}`);
  return path.join(destDir, created[0]);
}

/** Paths inside a tarball made by npm pack, without the leading `package/`. */
export async function tarballEntries(tarball: string): Promise<string[]> {
  const { stdout } = await run('tar', ['-tzf', tarball], { cwd: path.dirname(tarball) });
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => l.replace(/^package\//, ''));
}

/** `npm install <tarball>` in the user directory, as a user installing a downloaded package would. */
export async function installTarball(userDir: string, tarball: string): Promise<void> {
  await run(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', tarball], {
    cwd: userDir,
    timeoutMs: 180000,
  });
  const installed = path.join(userDir, 'node_modules', ...PACKAGE_NAME.split('/'), 'package.json');
  if (!fs.existsSync(installed)) throw new Error(`npm install did not create ${installed}`);
}

/**
 * The fast path: `<userDir>/node_modules/<package>` is a symlink to this checkout
 * (like `npm link`), and package.json lists it so Node-RED treats it as user-installed.
 * Runtime dependencies resolve from the checkout's own node_modules.
 */
export function linkPackage(userDir: string): void {
  const linkPath = path.join(userDir, 'node_modules', ...PACKAGE_NAME.split('/'));
  fs.mkdirSync(path.dirname(linkPath), { recursive: true });
  let existing: fs.Stats | undefined;
  try {
    existing = fs.lstatSync(linkPath);
  } catch {
    existing = undefined;
  }
  if (existing) {
    if (existing.isSymbolicLink() && path.resolve(path.dirname(linkPath), fs.readlinkSync(linkPath)) === REPO_ROOT) {
      // already linked
    } else {
      fs.rmSync(linkPath, { recursive: true, force: true });
      fs.symlinkSync(REPO_ROOT, linkPath, 'dir');
    }
  } else {
    fs.symlinkSync(REPO_ROOT, linkPath, 'dir');
  }
  const pkgFile = path.join(userDir, 'package.json');
  const pkg = fs.existsSync(pkgFile)
    ? JSON.parse(fs.readFileSync(pkgFile, 'utf8'))
    : { name: 'node-red-project', version: '0.0.1', private: true };
  pkg.dependencies = { ...(pkg.dependencies ?? {}), [PACKAGE_NAME]: `file:${REPO_ROOT}` };
  fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n');
}

// ---------------------------------------------------------------------------
// The Node-RED process
// ---------------------------------------------------------------------------

export interface StartOptions {
  /** Print every output line (prefixed) as it arrives; a function receives each line instead. */
  echo?: boolean | ((line: string) => void);
  /** Default 30 s. */
  startTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Kill the child on SIGINT/SIGTERM/SIGHUP of this process (default true; `npm start` does it itself). */
  handleSignals?: boolean;
  /** Remove a temporary user directory when the process is stopped (default true). */
  removeUserDirOnStop?: boolean;
}

export interface NodeSetInfo {
  id: string;
  name: string;
  types: string[];
  enabled: boolean;
  local?: boolean;
  user?: boolean;
  module: string;
  version?: string;
  loaded?: boolean;
  err?: string;
}

export class NodeRedProcess {
  /** Every stdout/stderr line so far, in arrival order. */
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Base URL of HTTP nodes (httpNodeRoot '/'), no trailing slash. */
  readonly url: string;
  /** Base URL of the Admin API and editor, no trailing slash. */
  readonly adminUrl: string;
  readonly admin: AxiosInstance;
  private hasExited = false;
  private lineWaiters: Array<{ re: RegExp; resolve: (line: string) => void }> = [];

  constructor(
    readonly child: ChildProcess,
    readonly userDir: UserDir,
    private readonly opts: StartOptions,
  ) {
    this.url = `http://${HOST}:${userDir.port}`;
    this.adminUrl = `${this.url}${userDir.httpAdminRoot.replace(/\/+$/, '')}`;
    // proxy:false: loopback requests never go through an HTTP(S)_PROXY from the environment.
    this.admin = axios.create({ baseURL: this.adminUrl, proxy: false, timeout: 15000, validateStatus: () => true });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.hasExited = true;
        liveChildren.delete(child);
        resolve({ code, signal });
      });
    });
    const echo = opts.echo;
    const onLine = (line: string) => {
      this.lines.push(line);
      if (typeof echo === 'function') echo(line);
      else if (echo) process.stdout.write(`[node-red] ${line}\n`);
      this.lineWaiters = this.lineWaiters.filter((w) => {
        if (!w.re.test(line)) return true;
        w.resolve(line);
        return false;
      });
    };
    if (child.stdout) readline.createInterface({ input: child.stdout }).on('line', onLine);
    if (child.stderr) readline.createInterface({ input: child.stderr }).on('line', onLine);
  }

  get running(): boolean {
    return !this.hasExited;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  output(): string {
    return this.lines.join('\n');
  }

  /** Lines so far that match `re`. */
  grep(re: RegExp): string[] {
    return this.lines.filter((l) => re.test(l));
  }

  /** Resolves with the first line (already seen or future) matching `re`. */
  waitForLine(re: RegExp, timeoutMs = 10000): Promise<string> {
    const seen = this.lines.find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.lineWaiters = this.lineWaiters.filter((w) => w.resolve !== done);
        reject(new Error(`no Node-RED output line matched ${re} within ${timeoutMs} ms; output:\n${this.tail()}`));
      }, timeoutMs);
      const done = (line: string) => {
        clearTimeout(timer);
        resolve(line);
      };
      this.lineWaiters.push({ re, resolve: done });
    });
  }

  tail(n = 40): string {
    return this.lines.slice(-n).join('\n');
  }

  /** Polls GET <admin>/settings until it answers 200 (red.js listens only once flows have started). */
  async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.hasExited) throw new Error(`Node-RED exited during start-up; output:\n${this.tail()}`);
      try {
        const res = await this.admin.get('/settings', { timeout: 2000 });
        if (res.status === 200) {
          // The admin API answers before the saved flows have started: ready is their "Started flows" line
          // (read from the pipe, which a busy machine delivers late; a deploy counts those lines).
          await this.waitForLine(STARTED_OR_WAITING, Math.max(1000, deadline - Date.now()));
          return;
        }
      } catch (err) {
        if (/no Node-RED output line matched/.test((err as Error).message)) throw err;
        // not listening yet
      }
      if (Date.now() > deadline)
        throw new Error(
          `Node-RED did not answer ${this.adminUrl}/settings within ${timeoutMs} ms; output:\n${this.tail()}`,
        );
      await sleep(150);
    }
  }

  /** SIGINT (Node-RED stops its flows and exits), SIGKILL after `graceMs`. Idempotent. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.hasExited) {
      try {
        this.child.kill('SIGINT');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          this.child.kill('SIGKILL');
        } catch {
          // already gone
        }
      }, graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    if (this.opts.removeUserDirOnStop !== false) this.userDir.remove();
  }

  // -- Admin API ------------------------------------------------------------

  /** Full deployment (POST /flows, Node-RED-Deployment-Type: full); `credentials` objects inline are stored encrypted. */
  async deploy(flows: FlowNode[], timeoutMs = 15000): Promise<void> {
    // POST /flows answers once the flows are saved; they are (re)started just after.
    const startedBefore = this.grep(STARTED_FLOWS).length;
    const res = await this.admin.post('/flows', flows, {
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
    });
    if (res.status < 200 || res.status >= 300)
      throw new Error(`deploy failed: HTTP ${res.status} ${JSON.stringify(res.data)}`);
    await waitFor(
      () => this.grep(STARTED_FLOWS).length > startedBefore,
      '"Started flows" after the deploy',
      timeoutMs,
      25,
    );
  }

  /** GET /flows as the editor would see it (v1: the flow array). */
  async getFlows(): Promise<FlowNode[]> {
    const res = await this.admin.get('/flows', { responseType: 'text', transformResponse: [(d: unknown) => d] });
    if (res.status !== 200) throw new Error(`GET /flows: HTTP ${res.status}`);
    return JSON.parse(res.data as string);
  }

  /** GET /flows as raw text, for "does not contain" assertions. */
  async getFlowsText(): Promise<string> {
    const res = await this.admin.get('/flows', { responseType: 'text', transformResponse: [(d: unknown) => d] });
    if (res.status !== 200) throw new Error(`GET /flows: HTTP ${res.status}`);
    return res.data as string;
  }

  /** Presses an inject node's button (POST /inject/:id). */
  async inject(id: string): Promise<void> {
    const res = await this.admin.post(`/inject/${encodeURIComponent(id)}`);
    if (res.status !== 200) throw new Error(`inject ${id}: HTTP ${res.status} ${JSON.stringify(res.data)}`);
  }

  /** GET /nodes (JSON): every loaded node set, with `err` for those that failed. */
  async nodeSets(): Promise<NodeSetInfo[]> {
    const res = await this.admin.get('/nodes', { headers: { Accept: 'application/json' } });
    if (res.status !== 200) throw new Error(`GET /nodes: HTTP ${res.status}`);
    return res.data as NodeSetInfo[];
  }

  /** A request to an HTTP-in endpoint (httpNodeRoot). */
  async httpGet<T = unknown>(urlPath: string): Promise<{ status: number; data: T }> {
    const res = await axios.get(`${this.url}${urlPath}`, { proxy: false, timeout: 10000, validateStatus: () => true });
    return { status: res.status, data: res.data as T };
  }
}

/** Starts `node red.js -u <userDir> -p <port> --settings <userDir>/settings.js` and waits until the Admin API answers. */
export async function startNodeRed(userDir: UserDir, opts: StartOptions = {}): Promise<NodeRedProcess> {
  installExitHook();
  if (opts.handleSignals !== false) installSignalHooks();
  // Otherwise whatever already listens there (another Node-RED) would answer /settings for us.
  if (!(await portIsFree(userDir.port))) {
    throw new Error(`port ${userDir.port} on ${HOST} is already in use (another Node-RED?); choose another port`);
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_PROXY: [process.env.NO_PROXY, '127.0.0.1', 'localhost'].filter(Boolean).join(','),
    ...opts.env,
  };
  // Inherited mocha/ts settings would change how Node-RED runs.
  delete env.NODE_OPTIONS;
  const child = spawn(
    process.execPath,
    [redJsPath(), '-u', userDir.dir, '-p', String(userDir.port), '--settings', userDir.settingsFile],
    {
      cwd: userDir.dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  liveChildren.add(child);
  const red = new NodeRedProcess(child, userDir, opts);
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err) => reject(new Error(`could not start Node-RED: ${err.message}`))),
  );
  try {
    await Promise.race([red.waitUntilReady(opts.startTimeoutMs ?? 30000), spawnError]);
  } catch (err) {
    await red.stop(1000);
    throw err;
  }
  return red;
}

export interface InstanceOptions extends UserDirOptions, StartOptions {
  /** 'link': symlink this checkout (fast); a path: npm install that tarball. */
  install: 'link' | { tarball: string };
}

/** A temp user directory, the package installed, Node-RED started: the one-call form for tests. */
export async function startNodeRedInstance(opts: InstanceOptions): Promise<NodeRedProcess> {
  const userDir = await createUserDir(opts);
  try {
    if (opts.install === 'link') linkPackage(userDir.dir);
    else await installTarball(userDir.dir, opts.install.tarball);
    return await startNodeRed(userDir, opts);
  } catch (err) {
    userDir.remove();
    throw err;
  }
}
