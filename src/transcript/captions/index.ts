/** Live captions for any vendor: rooms, the Server-Sent Events feed, the page and its routes. No Node-RED here. */
export { CaptionFeed, FEED_LIMITS, FeedLimit, FeedLimits, parseEventId, Viewer, ViewerChange } from './feed';
export { CAPTION_DEFAULTS, CaptionOptions, normalizePath, PATH_PATTERN, readCaptionOptions } from './options';
export { captionPage, CONTENT_SECURITY_POLICY, pageAssets, pageConfig } from './page';
export { CaptionLine, CaptionUpdate, captionUpdate, MAX_TEXT, Room, ROOM_BYTE_LIMITS, RoomLimits } from './room';
export { CaptionRoute, captionRoutes } from './routes';
export { tokenChecker } from './token';
