/** A minimal Server-Sent Events reader for tests and the bench (Node has no EventSource before 22). */
import http from 'http';
import net from 'net';

export interface SseFrame {
  id?: string;
  data: string;
  /** performance.now() when the frame was complete. */
  at: number;
}

export class SseClient {
  readonly frames: SseFrame[] = [];
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  closed = false;
  private req: http.ClientRequest | undefined;
  private buffer = '';
  private waiters: Array<() => void> = [];
  onFrame: ((f: SseFrame) => void) | undefined;

  /** Resolves when the response headers arrive. */
  static connect(url: string, headers: Record<string, string> = {}, agent?: http.Agent): Promise<SseClient> {
    const c = new SseClient();
    return new Promise((resolve, reject) => {
      c.req = http.get(url, { headers: { accept: 'text/event-stream', ...headers }, agent }, (res) => {
        c.status = res.statusCode ?? 0;
        c.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => c.feed(chunk));
        res.on('end', () => c.end());
        res.on('close', () => c.end());
        resolve(c);
      });
      c.req.on('error', (err) => {
        c.end();
        reject(err);
      });
    });
  }

  close(): void {
    this.req?.destroy();
    this.closeRaw?.();
    this.end();
  }

  /** Resolves once `n` frames have arrived (or rejects after `ms`). */
  waitFor(n: number, ms = 3000): Promise<SseFrame[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.frames.length >= n) {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve(this.frames);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => reject(new Error(`${this.frames.length} of ${n} frames after ${ms} ms`)), ms);
      if (!check()) this.waiters.push(check);
    });
  }

  /** The parsed JSON data of every frame. */
  data(): any[] {
    return this.frames.map((f) => JSON.parse(f.data));
  }

  /**
   * A reader on a bare TCP socket: one request, the headers skipped, then frames. The bench uses
   * it so both sides parse as little as the ws client does.
   */
  static raw(url: string): Promise<SseClient> {
    const u = new URL(url);
    const c = new SseClient();
    return new Promise((resolve, reject) => {
      const sock = net.connect(Number(u.port), u.hostname, () => {
        sock.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nAccept: text/event-stream\r\n\r\n`);
      });
      sock.setNoDelay(true);
      sock.setEncoding('utf8');
      let head = '';
      let body = false;
      sock.on('data', (chunk: string) => {
        if (body) return c.feed(chunk);
        head += chunk;
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        body = true;
        // This reader takes the body as it comes; a chunked body would need decoding it does not do.
        if (/\r\ntransfer-encoding:\s*chunked/i.test(head.slice(0, end))) return reject(new Error('chunked SSE body'));
        c.status = Number(head.slice(9, 12));
        resolve(c);
        c.feed(head.slice(end + 4));
      });
      sock.on('error', reject);
      sock.on('close', () => c.end());
      c.closeRaw = () => sock.destroy();
    });
  }

  private closeRaw: (() => void) | undefined;

  private feed(chunk: string): void {
    this.buffer += chunk;
    let i: number;
    while ((i = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, i);
      this.buffer = this.buffer.slice(i + 2);
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) id = line.slice(4);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (!data.length) continue;
      const f = { id, data: data.join('\n'), at: performance.now() };
      this.frames.push(f);
      this.onFrame?.(f);
    }
    for (const w of [...this.waiters]) w();
  }

  private end(): void {
    this.closed = true;
  }
}
