/**
 * A throw-away redis-server for one test: Debian's binary (test/e2e/redis/install-redis.sh),
 * loopback only, no persistence, on a free port. `stop()` and `start()` again keep the port,
 * so clients configured with the URL see an outage and a return.
 */
import { ChildProcess, spawn } from 'child_process';
import { freePort, HOST } from '../node-red-process';

export interface RedisServerOptions {
  password?: string;
}

export class RedisServer {
  private child: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    private readonly opts: RedisServerOptions,
  ) {}

  static async start(opts: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), opts);
    await server.start();
    return server;
  }

  /** `redis://[:password@]127.0.0.1:<port>` */
  get url(): string {
    return `redis://${this.opts.password ? `:${encodeURIComponent(this.opts.password)}@` : ''}${HOST}:${this.port}`;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const args = [
      '--port',
      String(this.port),
      '--bind',
      HOST,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
    ];
    if (this.opts.password) args.push('--requirepass', this.opts.password);
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    process.once('exit', () => child.kill('SIGKILL'));
    let output = '';
    child.stdout?.on('data', (d) => (output += String(d)));
    child.stderr?.on('data', (d) => (output += String(d)));
    const deadline = Date.now() + 10000;
    // Ready once it accepts a connection (the "ready" line is hidden at loglevel warning).
    for (;;) {
      if (!this.running) throw new Error(`redis-server exited: ${output}`);
      if (await canConnect(this.port)) return;
      if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${this.port}: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGSTOP: the server keeps its connections open and answers nothing (a hung Redis); `resume` undoes it. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** SIGKILL: like a crash, nothing is saved (there is nothing to save anyway). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}

function canConnect(port: number): Promise<boolean> {
  const net = require('net') as typeof import('net');
  return new Promise((resolve) => {
    const socket = net.connect(port, HOST);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
