/**
 * The WebVTT the formatter writes, loaded by a real browser's own WebVTT parser: a page with
 * <video> and <track default src=…> served from a loopback server in headless Chromium
 * (Debian's, at /usr/bin/chromium or $CHROMIUM_PATH; test/e2e/browser/install-chromium.sh
 * installs it). The browser's TextTrack must hold every cue, with our times and texts.
 */
import assert from 'assert/strict';
import fs from 'fs';
import http from 'http';
import { AddressInfo } from 'net';
import { chromium, type Browser } from 'playwright-core';
import { FORMAT_DEFAULTS, formatTranscript, Sentence } from '../../../nodes/transcript';

declare const document: any;

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const SENTENCES: Sentence[] = [
  { vendor: 'aliyun', text: 'Hello and welcome to the show.', start: 0, end: 2100, words: [], speaker: 'Ann' },
  {
    vendor: 'aliyun',
    text: 'Today we are going to talk about the history of the printing press, and why it changed the world.',
    start: 2500,
    end: 9800,
    words: [],
  },
  {
    vendor: 'agora',
    text: 'Tom & Jerry <script>alert(1)</script> --> end',
    start: 10000,
    end: 12000,
    words: [],
    speaker: 'B<o>b',
  },
  {
    vendor: 'aliyun',
    text: '大家好，欢迎收看今天的节目。我们今天要讨论印刷术的历史。',
    start: 12500,
    end: 18000,
    words: [],
  },
];

const PAGE = `<!doctype html><meta charset="utf-8"><title>vtt</title>
<video id="v" muted preload="auto" width="320" height="180">
  <track id="t" kind="subtitles" srclang="en" label="Transcript" default src="/subs.vtt">
</video>`;

describe('e2e (browser): generated WebVTT in a <track>', function () {
  this.timeout(60000);
  let browser: Browser | undefined;
  let server: http.Server | undefined;
  let base = '';
  const vtt = formatTranscript(SENTENCES, { ...FORMAT_DEFAULTS, format: 'vtt' });

  before(async () => {
    if (!fs.existsSync(CHROMIUM))
      throw new Error(
        `Chromium not found at ${CHROMIUM}: run "bash test/e2e/browser/install-chromium.sh" first, or set CHROMIUM_PATH.`,
      );
    server = http.createServer((req, res) => {
      if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(PAGE);
      } else if (req.url === '/subs.vtt') {
        res.writeHead(200, { 'content-type': 'text/vtt; charset=utf-8' });
        res.end(vtt.output);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  });

  it('loads every cue with our times and texts', async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('dialog', (d) => {
      errors.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(`${base}/`);
    const cues = await page.evaluate(
      () =>
        new Promise<Array<{ start: number; end: number; text: string; voice: string | null }>>((resolve, reject) => {
          const el = document.getElementById('t');
          const track = el.track;
          // Hidden loads the file like showing does, without depending on rendering.
          if (track.mode === 'disabled') track.mode = 'hidden';
          const read = () => {
            const list = Array.from(track.cues ?? []) as any[];
            resolve(
              list.map((c) => {
                const html = c.getCueAsHTML();
                const span = html.querySelector ? html.querySelector('span[title]') : null;
                return {
                  start: c.startTime,
                  end: c.endTime,
                  text: html.textContent,
                  voice: span ? span.getAttribute('title') : null,
                };
              }),
            );
          };
          if (el.readyState === 2) read();
          el.addEventListener('load', read);
          el.addEventListener('error', () => reject(new Error('track failed to load')));
          setTimeout(() => reject(new Error(`track not loaded, readyState ${el.readyState}`)), 10000);
        }),
    );
    await page.close();
    assert.deepEqual(errors, []);
    assert.equal(cues.length, vtt.cues.length);
    assert.ok(cues.length >= 5, `expected the long sentences split, got ${cues.length} cues`);
    cues.forEach((c, i) => {
      const ours = vtt.cues[i];
      assert.equal(Math.round(c.start * 1000), ours.start, `cue ${i + 1} start`);
      assert.equal(Math.round(c.end * 1000), ours.end, `cue ${i + 1} end`);
      assert.equal(c.text, ours.lines.join('\n'), `cue ${i + 1} text`);
    });
    const script = cues.find((c) => c.text.includes('<script>'));
    assert.ok(script, 'the <script> text arrives as text');
    assert.equal(script!.voice, 'B<o>b');
    assert.equal(cues[0].voice, 'Ann');
  });
});
