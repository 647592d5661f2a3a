/**
 * The HTTP server every vendor emulator runs on: loopback, connection tracking so close()
 * never waits on a keep-alive socket, and idle connections kept as long as cloud gateways keep them.
 */
import http from 'http';
import type { Socket } from 'net';

export class EmulatorHttpServer {
  readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private baseUrl = '';

  constructor(handler: http.RequestListener) {
    this.server = http.createServer(handler);
    // Cloud gateways keep idle connections about a minute; Node's 5 s default races a client
    // reusing a pooled socket after a pause (ECONNRESET on a create that must not be retried).
    this.server.keepAliveTimeout = 60_000;
    this.server.headersTimeout = 65_000;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** http://host:port once listening; '' before. */
  get url(): string {
    return this.baseUrl;
  }

  listen(port = 0, host = '127.0.0.1'): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const addr = this.server.address();
        const p = typeof addr === 'object' && addr ? addr.port : port;
        this.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${p}`;
        resolve(this.baseUrl);
      });
    });
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}
