/**
 * Live captions under load: 200 viewers on the caption feed (Server-Sent Events) and, in the
 * same run, 200 WebSocket clients of Node-RED's core `websocket out` node broadcasting the same
 * events. Every viewer must get every event in order; the p99 delay from a node's input to
 * the client is compared (target: ours ≤ 1.0× core's), and heap use must stay flat.
 *
 *   node test/bench/captions.js [--seconds=60] [--viewers=200] [--rate=50]
 */
import { fork } from 'child_process';
import http from 'http';
import v8 from 'v8';
import vm from 'vm';
import { AddressInfo } from 'net';
import WebSocket from 'ws';
import { coreNode, helper, tab } from '../nodes/harness';
import { createTranscriptCaptions, forgetParkedRooms } from '../../nodes/transcript-captions';
import { SseClient } from './captions-sse';
import { BenchResult, round } from './types';

export interface CaptionsBenchOptions {
  seconds?: number;
  viewers?: number;
  rate?: number;
  log?: (line: string) => void;
}

function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** A full collection where the runtime allows one (flag set at run time, gc fetched from a fresh context). */
function gc(): void {
  v8.setFlagsFromString('--expose-gc');
  const collect = vm.runInNewContext('gc') as () => void;
  collect();
  collect();
}

export async function runCaptionsBench(opts: CaptionsBenchOptions = {}): Promise<BenchResult[]> {
  const seconds = opts.seconds ?? 60;
  const viewers = opts.viewers ?? 200;
  const rate = opts.rate ?? 50;
  const log = opts.log ?? ((l: string) => console.log(l));
  const total = Math.round(seconds * rate);
  let RED: any;
  let server: http.Server | undefined;
  await helper.startServer();
  try {
    await helper.load(
      [(r: any) => (RED = r), createTranscriptCaptions(), coreNode('network/22-websocket.js')],
      tab([
        { id: 'cap', type: 'transcript-captions', path: '/bench/captions', wires: [] },
        { id: 'wsl', type: 'websocket-listener', path: '/bench/ws', wholemsg: 'false' },
        { id: 'wso', type: 'websocket out', server: 'wsl', client: '', wires: [] },
      ]),
      {},
    );
    server = http.createServer(RED.httpNode);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const sseBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const wsUrl = (helper as any).url().replace(/^http/, 'ws') + '/bench/ws';

    // The clients run in a child process, so their parsing does not slow the nodes they measure.
    const child = fork(
      __filename,
      ['--clients', `${sseBase}/bench/captions/events?room=bench`, wsUrl, String(viewers), String(total)],
      { stdio: 'inherit' },
    );
    const fromChild = (type: string) =>
      new Promise<any>((resolve, reject) => {
        const onMsg = (m: any) => {
          if (m?.type === type) {
            child.off('message', onMsg);
            resolve(m);
          }
        };
        child.on('message', onMsg);
        child.once('exit', (code) => reject(new Error(`bench clients exited (${code})`)));
      });
    await fromChild('ready');
    log(
      `captions bench: ${viewers} SSE viewers and ${viewers} WebSocket clients connected; ${rate} events/s for ${seconds} s`,
    );

    const cap = helper.getNode('cap');
    const wso = helper.getNode('wso');
    gc();
    const heap: number[] = [];
    const start = performance.now();
    let sent = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
        while (sent < due) {
          const i = sent++;
          const sentence = Math.floor(i / 2);
          // The input time rides in the text: both nodes carry it to their clients unchanged.
          const payload = {
            vendor: 'aliyun',
            taskId: 'bench',
            event: i % 2 ? 'SentenceEnd' : 'TranscriptionResultChanged',
            sentenceIndex: sentence,
            text: `${i}:${performance.timeOrigin + performance.now()}`,
            final: i % 2 === 1,
            start: sentence * 2000,
            end: sentence * 2000 + 1500,
            words: [],
            raw: {},
          };
          // Alternate which node gets the event first, so neither gains from going first.
          if (i % 2) {
            cap.receive({ payload });
            wso.receive({ payload });
          } else {
            wso.receive({ payload });
            cap.receive({ payload });
          }
          if (i === Math.floor(total / 5) || i === total - 1)
            setImmediate(() => {
              gc();
              heap.push(process.memoryUsage().heapUsed);
            });
        }
        if (sent < total) setTimeout(tick, 5);
        else resolve();
      };
      tick();
    });
    const stats = fromChild('stats');
    child.send({ type: 'finish' });
    const { sse: ours, ws: core } = await stats;

    const oursP99 = ours.p99;
    const coreP99 = core.p99;
    const everyEvent = ours.received === total * viewers && ours.outOfOrder === 0 && ours.complete;
    const heapGrowthMb = heap.length === 2 ? (heap[1] - heap[0]) / 1048576 : NaN;
    const details = {
      events: total,
      viewers,
      rate,
      received: { captions: ours.received, websocketOut: core.received, expected: total * viewers },
      outOfOrder: { captions: ours.outOfOrder, websocketOut: core.outOfOrder },
      p50ms: { captions: round(ours.p50), websocketOut: round(core.p50) },
      p99ms: { captions: round(oursP99), websocketOut: round(coreP99) },
      maxms: { captions: round(ours.max), websocketOut: round(core.max) },
      heapMb: heap.map((h) => round(h / 1048576, 1)),
      heapGrowthMb: round(heapGrowthMb, 1),
    };
    log(`captions bench: ${JSON.stringify(details)}`);
    const ratio = oursP99 / coreP99;
    return [
      {
        name: `caption feed p99 delay, ${viewers} viewers × ${rate} events/s (vs core websocket out)`,
        unit: 'ms',
        ours: round(oursP99),
        baseline: round(coreP99),
        ratio: round(ratio),
        target: '≤ 1.00',
        pass: ratio <= 1.0 && everyEvent,
        details,
      },
      {
        name: 'caption feed: every viewer got every event in order; heap growth over the run',
        unit: 'MB',
        ours: round(heapGrowthMb, 1),
        baseline: 0,
        ratio: NaN,
        target: 'all delivered, < 5 MB',
        pass: everyEvent && heapGrowthMb < 5,
        details: { everyEvent, outOfOrder: ours.outOfOrder, heapGrowthMb },
      },
    ];
  } finally {
    await helper.unload();
    forgetParkedRooms();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await helper.stopServer();
  }
}

/** The client side, in its own process: connects every client, then reports delays when told to finish. */
async function runClients(sseUrl: string, wsUrl: string, viewers: number, total: number): Promise<void> {
  const side = () => ({ delays: [] as number[], next: new Array(viewers).fill(-1), outOfOrder: 0 });
  const sse = side();
  const ws = side();
  const record = (s: ReturnType<typeof side>, v: number, text: string, at: number) => {
    const [i, t] = text.split(':').map(Number);
    if (i !== s.next[v] + 1) s.outOfOrder++;
    s.next[v] = i;
    s.delays.push(at - t);
  };
  const sockets: Array<{ close(): void }> = [];
  for (let v = 0; v < viewers; v++) {
    const c = await SseClient.raw(sseUrl);
    Object.defineProperty(c, 'frames', { value: { push: () => 0, length: 0 } });
    c.onFrame = (f) => record(sse, v, JSON.parse(f.data).line.text, performance.timeOrigin + f.at);
    sockets.push(c);
    const w = new WebSocket(wsUrl);
    await new Promise((resolve, reject) => {
      w.once('open', resolve);
      w.once('error', reject);
    });
    w.on('message', (data) => {
      const at = performance.timeOrigin + performance.now();
      record(ws, v, JSON.parse(String(data)).text, at);
    });
    sockets.push({ close: () => w.terminate() });
  }
  process.send!({ type: 'ready' });
  process.on('message', async (m: any) => {
    if (m?.type !== 'finish') return;
    const deadline = Date.now() + 10000;
    while ((sse.delays.length < total * viewers || ws.delays.length < total * viewers) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const summary = (s: ReturnType<typeof side>) => ({
      received: s.delays.length,
      outOfOrder: s.outOfOrder,
      complete: s.next.every((n) => n === total - 1),
      p50: percentile(s.delays, 50),
      p99: percentile(s.delays, 99),
      max: s.delays.reduce((a, b) => Math.max(a, b), 0),
    });
    process.send!({ type: 'stats', sse: summary(sse), ws: summary(ws) }, () => {
      for (const s of sockets) s.close();
      process.exit(0);
    });
  });
}

if (require.main === module && process.argv[2] === '--clients') {
  const [, , , sseUrl, wsUrl, viewers, total] = process.argv;
  runClients(sseUrl, wsUrl, Number(viewers), Number(total)).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else if (require.main === module) {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  runCaptionsBench({
    seconds: Number(arg('seconds') ?? 60),
    viewers: Number(arg('viewers') ?? 200),
    rate: Number(arg('rate') ?? 50),
  })
    .then((rows) => {
      for (const r of rows)
        console.log(
          `${r.pass ? 'PASS' : 'MISS'} ${r.name}: ours ${r.ours} ${r.unit}, baseline ${r.baseline} ${r.unit}, ratio ${r.ratio} (target ${r.target})`,
        );
      process.exit(0);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
