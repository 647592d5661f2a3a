import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { FORMAT_DEFAULTS, formatTranscript, TranscriptFormat } from '..';
import { LANGUAGE_PATTERN } from '../options';
import { CaptionFeed } from './feed';
import { CaptionOptions } from './options';
import { captionPage, PAGE_HEADERS, pageAssets } from './page';
import { tokenChecker } from './token';

export interface CaptionRoute {
  path: string;
  handlers: RequestHandler[];
}

const MAX_ROOM = 200;

/** A query value as one string; repeated or nested parameters (room[]=…, room=a&room=b) are refused. */
function single(req: Request, name: string): string | undefined | null {
  const v = (req.query as Record<string, unknown>)[name];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : null;
}

function refuse(res: Response, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}

/**
 * The node's routes: the page, its script and style, the live feed, the session files and a
 * room list. Every route runs Node-RED's httpNodeMiddleware (as core http-in does) and the
 * token check; only GET and HEAD are answered.
 */
export function captionRoutes(
  feed: CaptionFeed,
  o: CaptionOptions,
  token: string | undefined,
  middleware: RequestHandler[],
): CaptionRoute[] {
  const tokenOk = tokenChecker(token);
  const guard = (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return refuse(res, 405, 'Method not allowed');
    }
    // A GET carries no body: one that does is refused before anything reads it, and the
    // connection closes (the unread bytes could not be told from a next request).
    if (req.headers['transfer-encoding'] || Number(req.headers['content-length']) > 0) {
      res.setHeader('connection', 'close');
      return refuse(res, 400, 'This request takes no body.');
    }
    next();
  };
  const auth = (req: Request, res: Response, next: NextFunction): void => {
    if (!tokenOk(single(req, 'token'))) return refuse(res, 401, 'A valid token is needed: add ?token=… to the URL.');
    next();
  };
  // Each route gets its own first handler: mountRoute removes exactly the layers holding it.
  // The page's own script and style are the same files for every install and hold nothing
  // secret: served without the token, since the page requests them by plain URL (a token-protected
  // page once stayed on "loading" forever, its script and style refused 401).
  const route = (sub: string, handler: (req: Request, res: Response) => void, open = false): CaptionRoute => ({
    path: `${o.path}${sub}`,
    handlers: [(req, res, next) => guard(req, res, next), ...middleware, ...(open ? [] : [auth]), handler],
  });

  const roomParam = (req: Request, res: Response): string | undefined | false => {
    const room = single(req, 'room');
    if (room === null || (room !== undefined && (room.length > MAX_ROOM || room === ''))) {
      refuse(res, 400, `room must be one value of 1 to ${MAX_ROOM} characters.`);
      return false;
    }
    return room;
  };

  const sessionFile =
    (format: TranscriptFormat, type: string) =>
    (req: Request, res: Response): void => {
      const room = roomParam(req, res);
      if (room === false) return;
      const lang = single(req, 'lang');
      if (lang === null || (lang !== undefined && lang !== '' && !LANGUAGE_PATTERN.test(lang)))
        return refuse(res, 400, 'lang must be a language code such as en or zh-CN.');
      const r = feed.rooms.get(room ?? feed.latest ?? '');
      if (room !== undefined && !r) return refuse(res, 404, 'No such room.');
      const out = formatTranscript(r?.sentences ?? [], {
        ...FORMAT_DEFAULTS,
        format,
        language: lang ?? '',
        speakerLabels: o.speakerLabels,
      });
      const name = `${
        (r?.key ?? 'captions')
          .replace(/[^A-Za-z0-9._-]+/g, '_')
          .replace(/^[._]+/, '')
          .slice(0, 100) || 'captions'
      }.${format}`;
      res.writeHead(200, {
        'content-type': `${type}; charset=utf-8`,
        'content-disposition': `inline; filename="${name}"`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        // A <track> on another origin (a player page) may read it when the CORS request carries no credentials.
        'access-control-allow-origin': '*',
      });
      res.end(format === 'vtt' && !out.output ? 'WEBVTT\n' : out.output);
    };

  return [
    route('', (req, res) => {
      res.writeHead(200, { ...PAGE_HEADERS, 'content-type': 'text/html; charset=utf-8' });
      res.end(captionPage(req.originalUrl.split('?')[0], o));
    }),
    route(
      '/caption-page.js',
      (_req, res) => {
        res.writeHead(200, {
          'content-type': 'text/javascript; charset=utf-8',
          'cache-control': 'no-cache',
          'x-content-type-options': 'nosniff',
        });
        res.end(pageAssets().js);
      },
      true,
    ),
    route(
      '/caption-page.css',
      (_req, res) => {
        res.writeHead(200, {
          'content-type': 'text/css; charset=utf-8',
          'cache-control': 'no-cache',
          'x-content-type-options': 'nosniff',
        });
        res.end(pageAssets().css);
      },
      true,
    ),
    route('/events', (req, res) => {
      const room = roomParam(req, res);
      if (room === false) return;
      if (feed.full) return refuse(res, 503, 'Too many viewers.');
      const header = req.headers['last-event-id'];
      feed.attach(res, room, typeof header === 'string' ? header : single(req, 'last'));
    }),
    route('/captions.vtt', sessionFile('vtt', 'text/vtt')),
    route('/captions.srt', sessionFile('srt', 'application/x-subrip')),
    route('/rooms', (_req, res) => {
      const rooms = [...feed.rooms.values()]
        .reverse()
        .map((r) => ({ room: r.key, sentences: r.sentences.length, viewers: feed.viewersOf(r.key), lastAt: r.lastAt }));
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      res.end(JSON.stringify({ latest: feed.latest ?? null, rooms }));
    }),
  ];
}
