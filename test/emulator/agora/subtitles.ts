/**
 * Stands in for an app in the channel that forwards the pub bot's `stream-message`
 * data: ws://host/subtitles?channel=<name> (or ?agent=<id>) receives each message as
 * one binary frame while the agent transcribes. [I] The socket is closed (1000) once
 * the agent stops; an unknown ?agent= is closed with 4404.
 */
import type http from 'http';
import type { Duplex } from 'stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EmulatedAgent } from './agents';
import { buildScript, type ScriptFrame } from './subtitle-script';

export interface SubtitleSent {
  agentId: string;
  channel: string;
  kind: 'transcribe' | 'translate';
  final: boolean;
  sentence: number;
  protocol: 'protobuf' | 'json';
  bytes: number;
  /** The agent's status when the frame was sent: what "only while RUNNING" is checked against. */
  status: string;
}

const POLL_MS = 10;

export class SubtitleHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) =>
    this.upgrade(req, socket, head);

  constructor(
    server: http.Server,
    private readonly agents: Map<string, EmulatedAgent>,
    private readonly log: SubtitleSent[],
    private readonly intervalMs: number,
  ) {
    server.on('upgrade', this.onUpgrade);
  }

  reset(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const ws of this.wss.clients) ws.terminate();
  }

  close(): void {
    this.reset();
    this.wss.close();
  }

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const agentId = url.searchParams.get('agent') ?? undefined;
    const channel = url.searchParams.get('channel') ?? undefined;
    if (url.pathname !== '/subtitles' || (agentId === undefined && channel === undefined)) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (agentId !== undefined && !this.agents.has(agentId)) {
        ws.close(4404, 'agent not found');
        return;
      }
      this.follow(ws, () => (agentId !== undefined ? this.agents.get(agentId) : this.latestIn(channel ?? '')));
    });
  }

  /** The newest agent in the channel that has not been asked to stop. */
  private latestIn(channel: string): EmulatedAgent | undefined {
    let found: EmulatedAgent | undefined;
    for (const a of this.agents.values()) if (a.channel === channel && !a.stopping) found = a;
    return found;
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private follow(ws: WebSocket, pick: () => EmulatedAgent | undefined): void {
    let agent: EmulatedAgent | undefined;
    let frames: ScriptFrame[] | undefined;
    let next = 0;
    let dueAt = 0;
    const tick = () => {
      if (ws.readyState !== ws.OPEN) return;
      agent ??= pick();
      if (agent && agent.stopping) {
        ws.close(1000, 'agent stopped');
        return;
      }
      if (agent && agent.transcribing) {
        frames ??= buildScript(agent, Date.now());
        if (next < frames.length && Date.now() >= dueAt) {
          const f = frames[next++];
          ws.send(f.data, { binary: true });
          this.log.push({
            agentId: agent.id,
            channel: agent.channel,
            kind: f.kind,
            final: f.final,
            sentence: f.sentence,
            protocol: agent.enableJsonProtocol ? 'json' : 'protobuf',
            bytes: f.data.length,
            status: agent.status,
          });
          dueAt = Date.now() + this.intervalMs;
        }
      }
      this.later(tick, Math.max(1, Math.min(POLL_MS, this.intervalMs)));
    };
    tick();
  }
}
