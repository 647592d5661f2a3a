import fs from 'fs';
import path from 'path';
import { CaptionOptions } from './options';

/** resources/captions/, beside nodes/ in the package (this file compiles to nodes/transcript/captions/). */
const ASSETS = path.join(__dirname, '..', '..', '..', 'resources', 'captions');

/** Nothing from elsewhere, no inline script or style: a caption that holds markup cannot run or restyle anything. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'";

export const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  // The URL may hold an access token.
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

let assets: { js: string; css: string } | undefined;

/** The page's script and style, read once on first use. */
export function pageAssets(): { js: string; css: string } {
  assets ??= {
    js: fs.readFileSync(path.join(ASSETS, 'caption-page.js'), 'utf8'),
    css: fs.readFileSync(path.join(ASSETS, 'caption-page.css'), 'utf8'),
  };
  return assets;
}

function escapeAttr(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The node's settings the page starts from; `<` escaped so no value can close the script element. */
export function pageConfig(o: CaptionOptions): string {
  const cfg = {
    lines: o.lines,
    maxLineLength: o.maxLineLength,
    maxLineLengthCjk: o.maxLineLengthCjk,
    clearAfter: o.clearAfter,
    translation: o.translation,
    speakerLabels: o.speakerLabels,
  };
  return JSON.stringify(cfg).replace(/</g, '\\u003c');
}

/** The page, with its script and style addressed from `base` (the page's own path as requested). */
export function captionPage(base: string, o: CaptionOptions): string {
  const b = escapeAttr(base.replace(/\/+$/, ''));
  return `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Captions</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${b}/caption-page.css">
</head>
<body data-state="loading">
<div id="stage" class="pos-bottom" aria-live="polite"><div id="original"></div><div id="translation"></div></div>
<script type="application/json" id="caption-config">${pageConfig(o)}</script>
<script src="${b}/caption-page.js"></script>
</body>
</html>
`;
}
