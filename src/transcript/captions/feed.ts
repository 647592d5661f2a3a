import type { ServerResponse } from 'http';
import { CaptionUpdate, Room, ROOM_BYTE_LIMITS, RoomLimits } from './room';

/** Which budget an event ran into: a sentence cut, a room's session file full, rooms closed. */
export type FeedLimit = 'cut' | 'sentences' | 'sentenceBytes' | 'rooms' | 'totalBytes';

export interface FeedLimits extends RoomLimits {
  maxRooms: number;
  /** Bytes all rooms keep together; over it, the rooms idle longest close. */
  maxTotalBytes?: number;
  maxViewers: number;
  /** Bytes a viewer may have waiting in its socket; a viewer further behind is dropped and catches up when it reconnects. */
  maxBuffered: number;
  /** ms between keep-alive comments (proxies and OBS close idle streams). */
  heartbeatMs: number;
  /** ms a browser waits before it reconnects. */
  retryMs: number;
}

export const FEED_LIMITS: Omit<FeedLimits, 'history' | 'maxRooms'> = {
  replay: 500,
  maxSentences: 20000,
  ...ROOM_BYTE_LIMITS,
  maxTotalBytes: 64 * 1024 * 1024,
  maxViewers: 1000,
  maxBuffered: 256 * 1024,
  heartbeatMs: 15000,
  retryMs: 1000,
};

export interface Viewer {
  readonly res: ServerResponse;
  /** Where frames are written: the socket itself once the headers are out, unless middleware encodes the body. */
  out: { write(data: string): boolean; readonly writableLength: number; readonly destroyed: boolean };
  /** The room asked for in the URL; undefined follows whichever room spoke last. */
  readonly room?: string;
  /** Where this viewer is: the room's epoch and the last frame it was sent. */
  epoch?: string;
  seq: number;
}

export type ViewerChange = 'connected' | 'disconnected' | 'dropped';

/** A room's ID as the page sends it back in Last-Event-ID: "<epoch>.<seq>". */
export function parseEventId(v: unknown): { epoch: string; seq: number } | undefined {
  if (typeof v !== 'string' || v.length > 40) return undefined;
  const m = /^([A-Za-z0-9_-]{1,16})\.(\d{1,15})$/.exec(v);
  return m ? { epoch: m[1], seq: Number(m[2]) } : undefined;
}

/**
 * The live side of a caption node: its rooms and the Server-Sent Events streams of its
 * viewers. A frame is serialized once per event and written to every viewer of the room.
 */
export class CaptionFeed {
  readonly rooms = new Map<string, Room>();
  latest: string | undefined;
  private readonly byRoom = new Map<string, Set<Viewer>>();
  private readonly followers = new Set<Viewer>();
  private heartbeat: NodeJS.Timeout | undefined;
  viewerCount = 0;
  droppedViewers = 0;

  constructor(
    private readonly limits: FeedLimits,
    private readonly onViewer: (change: ViewerChange, v: Viewer) => void = () => undefined,
    private readonly onEvict: (room: Room, why: 'rooms' | 'totalBytes') => void = () => undefined,
    private readonly onLimit: (kind: FeedLimit, room: Room) => void = () => undefined,
  ) {}

  /** Bytes all rooms keep, as counted against `maxTotalBytes`. */
  get bytes(): number {
    let n = 0;
    for (const r of this.rooms.values()) n += r.bytes;
    return n;
  }

  /** The room for `key`, opened if needed; opening one too many closes the one idle longest. */
  room(key: string): Room {
    let r = this.rooms.get(key);
    if (r) {
      this.rooms.delete(key);
    } else {
      r = new Room(key, this.limits);
      while (this.rooms.size >= this.limits.maxRooms) this.evictOldest('rooms');
    }
    this.rooms.set(key, r);
    return r;
  }

  /** Applies an event to its room and sends the change to the room's viewers; returns how many got it. */
  publish(key: string, u: CaptionUpdate): number {
    const room = this.room(key);
    const f = room.apply(u, Date.now(), (kind) => this.onLimit(kind, room));
    // Over the budget for all rooms: the rooms idle longest make way, never the one just spoken in.
    const max = this.limits.maxTotalBytes ?? Infinity;
    if (max !== Infinity) {
      let total = this.bytes;
      while (total > max && this.rooms.size > 1) total -= this.evictOldest('totalBytes').bytes;
    }
    if (f === undefined) return 0;
    this.latest = key;
    let sent = 0;
    const viewers = this.byRoom.get(key);
    if (viewers) for (const v of viewers) sent += this.deliver(v, room, f) ? 1 : 0;
    for (const v of this.followers) sent += this.deliver(v, room, f) ? 1 : 0;
    return sent;
  }

  private evictOldest(why: 'rooms' | 'totalBytes'): Room {
    const oldest = this.rooms.values().next().value as Room;
    this.rooms.delete(oldest.key);
    if (this.latest === oldest.key) this.latest = undefined;
    this.onLimit(why, oldest);
    this.onEvict(oldest, why);
    return oldest;
  }

  /** Adopts rooms kept over a redeploy, so viewers that reconnect resume where they were. */
  adopt(rooms: Iterable<Room>, latest: string | undefined): void {
    for (const r of rooms) {
      if (this.rooms.size >= this.limits.maxRooms) break;
      this.rooms.set(r.key, r);
    }
    this.latest = latest !== undefined && this.rooms.has(latest) ? latest : undefined;
  }

  get full(): boolean {
    return this.viewerCount >= this.limits.maxViewers;
  }

  /** Starts a viewer's stream: the frames it missed when it knows where it was, otherwise the room's recent sentences. */
  attach(res: ServerResponse, room: string | undefined, lastEventId: unknown): Viewer {
    // An endless stream needs no chunk framing: the body ends when the connection does.
    (res as ServerResponse & { useChunkedEncodingByDefault: boolean }).useChunkedEncodingByDefault = false;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store, no-transform',
      'x-accel-buffering': 'no',
      connection: 'close',
    });
    res.socket?.setNoDelay(true);
    res.write(`retry: ${this.limits.retryMs}\n\n`);
    // With "connection: close" the body is the bytes on the socket, so frames skip the response's own
    // write path (measured in test/bench/captions.ts); not when middleware (compression) encodes the body.
    const direct =
      res.socket &&
      res.headersSent &&
      !(res as ServerResponse & { chunkedEncoding?: boolean }).chunkedEncoding &&
      !res.getHeader('content-encoding');
    const v: Viewer = { res, room, seq: 0, out: direct ? res.socket! : res };
    const r = this.rooms.get(room ?? this.latest ?? '');
    if (r && r.seq > 0) {
      const last = parseEventId(lastEventId);
      const missed = last && last.epoch === r.epoch ? r.since(last.seq) : undefined;
      this.write(v, missed ? missed.join('') : r.snapshot());
      v.epoch = r.epoch;
      v.seq = r.seq;
    }
    if (room === undefined) this.followers.add(v);
    else {
      let set = this.byRoom.get(room);
      if (!set) this.byRoom.set(room, (set = new Set()));
      set.add(v);
    }
    this.viewerCount++;
    res.on('close', () => this.detach(v, 'disconnected'));
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => this.beat(), this.limits.heartbeatMs);
      this.heartbeat.unref();
    }
    this.onViewer('connected', v);
    return v;
  }

  viewersOf(room: string | undefined): number {
    return room === undefined ? this.followers.size : (this.byRoom.get(room)?.size ?? 0);
  }

  /** Ends every stream (on close); browsers reconnect to whichever route answers next. */
  close(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    const all = [...this.followers, ...[...this.byRoom.values()].flatMap((s) => [...s])];
    for (const v of all) {
      this.detach(v, 'disconnected');
      v.res.end();
    }
  }

  private deliver(v: Viewer, room: Room, f: string): boolean {
    // One frame behind in the same room, or nothing shown yet and this is the room's first frame: the frame;
    // anything else (another room, a gap): the whole picture.
    const next = v.epoch === room.epoch ? v.seq === room.seq - 1 : v.epoch === undefined && room.seq === 1;
    const ok = this.write(v, next ? f : room.snapshot());
    v.epoch = room.epoch;
    v.seq = room.seq;
    return ok;
  }

  private write(v: Viewer, data: string): boolean {
    if (v.out.destroyed) return false;
    v.out.write(data);
    if (v.out.writableLength > this.limits.maxBuffered) {
      // Never an unbounded buffer for a stalled viewer: it reconnects and gets what it missed, or the recent sentences.
      this.droppedViewers++;
      this.detach(v, 'dropped');
      v.res.destroy();
      return false;
    }
    return true;
  }

  private detach(v: Viewer, change: ViewerChange): void {
    const set = v.room === undefined ? this.followers : this.byRoom.get(v.room);
    if (!set?.delete(v)) return;
    if (v.room !== undefined && set.size === 0) this.byRoom.delete(v.room);
    this.viewerCount--;
    this.onViewer(change, v);
    if (this.viewerCount === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }

  private beat(): void {
    for (const v of [...this.followers, ...[...this.byRoom.values()].flatMap((s) => [...s])])
      this.write(v, ': keep-alive\n\n');
  }
}
