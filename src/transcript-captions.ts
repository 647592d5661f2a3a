import type { RequestHandler } from 'express';
import { Problem } from './lib/errors';
import { mountRoute } from './lib/http-route';
import { Claim, claimPaths } from './lib/inbound';
import { translator, Translate } from './lib/i18n';
import { DoneFn, Node, NodeAPI, NodeDef, NodeMessage, SendFn } from './lib/node-red';
import { OnceNotices } from './lib/once';
import { readInput } from './transcript';
import {
  CAPTION_DEFAULTS,
  CaptionFeed,
  captionRoutes,
  captionUpdate,
  FEED_LIMITS,
  FeedLimit,
  FeedLimits,
  MAX_TEXT,
  readCaptionOptions,
  Room,
  Viewer,
  ViewerChange,
} from './transcript/captions';

export const TYPE = 'transcript-captions';

/** The editor's defaults: a node deployed with only type and wires serves /captions like a fresh dialog. */
export const DEFAULTS = {
  name: '',
  ...CAPTION_DEFAULTS,
  outputs: 0,
};

const STATUS_EVERY_MS = 1000;
/** How long a redeployed node's rooms wait for the node that replaces it. */
const PARK_MS = 60000;
const MAX_ROOM_KEY = 200;
const DEFAULT_ROOM = 'default';

/** Rooms of nodes being redeployed, by node ID: viewers reconnecting to the new node resume where they were. */
const parked = new Map<string, { rooms: Room[]; latest?: string; timer: NodeJS.Timeout }>();

/** Drops every kept room (tests: each starts from nothing). */
export function forgetParkedRooms(): void {
  for (const p of parked.values()) clearTimeout(p.timer);
  parked.clear();
}

function captionError(code: string, message: string, problems?: Problem[]): Error {
  const err = new Error(message) as Error & { code: string; problems?: Problem[] };
  err.name = 'TranscriptCaptionsError';
  err.code = code;
  if (problems) err.problems = problems;
  return err;
}

function stringOf(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
}

/** Core http-in's rule: httpNodeMiddleware is a function or an array of them. */
function httpMiddleware(RED: NodeAPI): RequestHandler[] {
  const m = RED.settings.httpNodeMiddleware;
  if (typeof m === 'function') return [m as RequestHandler];
  if (Array.isArray(m)) return m.filter((f): f is RequestHandler => typeof f === 'function');
  return [];
}

/** English fallbacks of the budget warnings (the catalogue has them in every language). */
const LIMIT_TEXT: Record<FeedLimit, (room: string, max: number) => string> = {
  cut: (room, max) => `A caption in room "${room}" was over ${max} bytes and was cut to that (said once).`,
  sentences: (room, max) =>
    `Room "${room}" keeps ${max} sentences for captions.vtt/.srt; later ones are left out of those files (said once).`,
  sentenceBytes: (room, max) =>
    `Room "${room}" keeps ${max} bytes of sentences for captions.vtt/.srt; later ones are left out of those files (said once).`,
  rooms: (room, max) => `More than ${max} rooms: closed the one idle longest, "${room}" (said once).`,
  totalBytes: (room, max) => `Rooms reached ${max} bytes in all: closed the one idle longest, "${room}" (said once).`,
};

export function createTranscriptCaptions(limits: Partial<Omit<FeedLimits, 'history' | 'maxRooms'>> = {}) {
  return function register(RED: NodeAPI): void {
    const t = translator(RED, TYPE);

    function TranscriptCaptions(this: Node<{ token?: string }>, def: NodeDef) {
      RED.nodes.createNode(this, def);
      const node = this;
      const given: Record<string, unknown> = {};
      for (const key of Object.keys(CAPTION_DEFAULTS)) if (def[key] !== undefined) given[key] = def[key];
      const { options, problems } = readCaptionOptions(given);
      const token = node.credentials?.token || undefined;
      let serving = false;
      let statusTimer: NodeJS.Timeout | undefined;
      const unmounts: Array<() => void> = [];
      let claim: Claim | undefined;

      const servingText = (): string => {
        const viewers = t('status.viewers', { count: feed.viewerCount }, `${feed.viewerCount} viewers`);
        const rooms = t('status.rooms', { count: feed.rooms.size }, `${feed.rooms.size} rooms`);
        return t('status.serving', { path: options.path, viewers, rooms }, `${options.path}: ${viewers}, ${rooms}`);
      };
      const showStatus = (): void => {
        if (statusTimer || problems.length || !serving) return;
        statusTimer = setTimeout(() => {
          statusTimer = undefined;
          node.status({ fill: 'green', shape: feed.viewerCount ? 'dot' : 'ring', text: servingText() });
        }, STATUS_EVERY_MS);
      };

      const onViewer = (change: ViewerChange, v: Viewer): void => {
        showStatus();
        if (!options.viewerEvents) return;
        node.send([
          {
            topic: change === 'connected' ? 'connected' : 'disconnected',
            payload: {
              event: change,
              room: v.room ?? null,
              viewers: feed.viewerCount,
              address: v.res.socket?.remoteAddress,
              at: Date.now(),
            },
          },
        ]);
      };
      const feedLimits: FeedLimits = {
        ...FEED_LIMITS,
        ...limits,
        history: options.history,
        maxRooms: options.maxRooms,
      };
      const budget: Record<FeedLimit, number> = {
        cut: MAX_TEXT,
        sentences: feedLimits.maxSentences,
        sentenceBytes: feedLimits.maxSentenceBytes ?? 0,
        rooms: options.maxRooms,
        totalBytes: feedLimits.maxTotalBytes ?? 0,
      };
      const notices = new OnceNotices<FeedLimit>();
      const feed = new CaptionFeed(
        feedLimits,
        onViewer,
        () => undefined,
        // Each budget is announced the first time it is hit, never once per message.
        (kind, room) =>
          notices.hit(kind, () =>
            node.warn(
              t(`warn.${kind}`, { room: room.key, max: budget[kind] }, LIMIT_TEXT[kind](room.key, budget[kind])),
            ),
          ),
      );
      const kept = parked.get(node.id);
      if (kept) {
        clearTimeout(kept.timer);
        parked.delete(node.id);
        feed.adopt(kept.rooms, kept.latest);
      }

      if (problems.length) {
        node.error(
          t('error.badOptions', { detail: describe(t, problems) }, `Invalid options: ${describe(t, problems)}`),
        );
        node.status({ fill: 'red', shape: 'ring', text: t('status.misconfigured', {}, 'misconfigured') });
      } else if (RED.settings.httpNodeRoot === false) {
        node.warn(
          t(
            'warn.httpDisabled',
            {},
            'httpNodeRoot is false: HTTP endpoints are disabled, so no caption page can be served.',
          ),
        );
        node.status({ fill: 'red', shape: 'ring', text: t('status.disabled', {}, 'HTTP disabled') });
      } else {
        const routes = captionRoutes(feed, options, token, httpMiddleware(RED));
        // Refused (error and red status) when a path collides with Node-RED's admin routes or
        // another route of this package; a user's http in on one of them is reported.
        claim = claimPaths(
          RED,
          node,
          t,
          routes.map((r) => r.path),
        );
        if (claim) {
          for (const r of routes) unmounts.push(mountRoute(RED.httpNode, r.path, r.handlers));
          serving = true;
          node.status({ fill: 'green', shape: 'ring', text: servingText() });
          claim.watch(new Set(routes.map((r) => r.handlers[0])));
        }
      }

      node.on('input', (msg: NodeMessage, _send: SendFn, done: DoneFn) => {
        try {
          if (problems.length) return done(captionError('InvalidInput', describe(t, problems), problems));
          const input = readInput(msg.payload);
          if (input.kind === 'unreadable') {
            return done(
              captionError(
                'UnreadableInput',
                t('error.unreadable', { reason: input.reason }, `Cannot show this input: ${input.reason}.`),
              ),
            );
          }
          const key = (input.taskId ?? stringOf(msg.taskId) ?? stringOf(msg.topic) ?? DEFAULT_ROOM).slice(
            0,
            MAX_ROOM_KEY,
          );
          if (input.kind === 'event') {
            feed.publish(key, captionUpdate(msg.payload as Record<string, unknown>, input.sentence));
          } else {
            for (const s of input.sentences) feed.publish(key, captionUpdate({ ...s, final: true }, s));
          }
          showStatus();
          done();
        } catch (err) {
          done(err instanceof Error ? err : new Error(String(err)));
        }
      });

      node.on('close', (removed: boolean, closed: () => void) => {
        for (const unmount of unmounts) unmount();
        claim?.release();
        feed.close();
        if (statusTimer) clearTimeout(statusTimer);
        if (!removed && feed.rooms.size) {
          const timer = setTimeout(() => parked.delete(node.id), PARK_MS);
          timer.unref();
          parked.set(node.id, { rooms: [...feed.rooms.values()], latest: feed.latest, timer });
        }
        closed();
      });
    }

    RED.nodes.registerType(TYPE, TranscriptCaptions, { credentials: { token: { type: 'password' } } });
  };
}

function describe(t: Translate, problems: Problem[]): string {
  return problems.map((p) => t(`invalid.${p.field}`, p.params, p.message)).join('; ');
}

export default createTranscriptCaptions();
