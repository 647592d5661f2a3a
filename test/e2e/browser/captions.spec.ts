/**
 * The caption page in a real browser (Debian's headless Chromium, /usr/bin/chromium or
 * $CHROMIUM_PATH; test/e2e/browser/install-chromium.sh installs it), served by a
 * transcript-captions node running in Node-RED (the test helper), fed message by message:
 * interim then final text, the translation line, clearing after silence, markup kept as text,
 * reconnection after a redeploy, URL styles (computed), rooms, a late joiner, the session's
 * .vtt read by a <track>, and the dialog's URL builder with its preview.
 *
 * The README's picture (captions over a video frame) goes to .tmp/screenshots/, or with
 * UPDATE_SCREENSHOTS=1 to test/e2e/screenshots/captions-obs.png.
 */
import assert from 'assert/strict';
import fs from 'fs';
import http from 'http';
import path from 'path';
import { AddressInfo } from 'net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { helper, tab } from '../../nodes/harness';
import captions, { forgetParkedRooms } from '../../../nodes/transcript-captions';

declare const document: any;
declare const window: any;
declare const getComputedStyle: any;
declare const MutationObserver: any;

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ROOT = path.join(__dirname, '..', '..', '..');
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS
  ? path.join(ROOT, 'test', 'e2e', 'screenshots')
  : path.join(ROOT, '.tmp', 'screenshots');
const VENDOR_JS = path.join(
  path.dirname(require.resolve('@node-red/editor-client/package.json')),
  'public',
  'vendor',
  'vendor.js',
);

type Msg = Record<string, any>;
const ev = (room: string, i: number, text: string, final: boolean, extra: Msg = {}): Msg => ({
  vendor: 'aliyun',
  taskId: room,
  event: final ? 'SentenceEnd' : 'TranscriptionResultChanged',
  sentenceIndex: i,
  text,
  final,
  start: i * 3000,
  end: i * 3000 + 2500,
  words: [],
  raw: {},
  ...extra,
});

const FLOW = (lines: number) =>
  tab([{ id: 'cap', type: 'transcript-captions', path: '/captions', lines, clearAfter: 0, wires: [] }]);

/** A test page holding the dialog (template + script) with a stand-in for the editor's RED. */
function builderPage(): string {
  const html = fs.readFileSync(path.join(ROOT, 'nodes', 'transcript-captions.html'), 'utf8');
  const template = /<script type="text\/html" data-template-name="transcript-captions">([\s\S]*?)<\/script>/.exec(
    html,
  )![1];
  const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)![1];
  return `<!doctype html><meta charset="utf-8"><script src="/__test/vendor.js"></script>
<script>window.RED = { _: function (k) { return k; }, settings: { httpNodeRoot: '/' },
  nodes: { registerType: function (type, def) { window.definition = def; } } };</script>
<script src="/__test/editor.js"></script>
<div id="dialog">${template}</div>
<script>${script}</script>`;
}

/** A stand-in for a video frame: a scene with a horizon, a figure and a lower third, 1280×720. */
const OBS_PAGE = `<!doctype html><meta charset="utf-8"><style>
body{margin:0;width:1280px;height:720px;position:relative;overflow:hidden;font-family:sans-serif}
.sky{position:absolute;inset:0;background:linear-gradient(#6fa8dc 0%,#cfe2f3 55%,#7a9b57 55%,#4e6b35 100%)}
.sun{position:absolute;left:980px;top:70px;width:120px;height:120px;border-radius:50%;background:#ffe599;box-shadow:0 0 60px #ffd966}
.desk{position:absolute;left:380px;top:430px;width:520px;height:290px;background:#3d2b1f;border-radius:12px 12px 0 0}
.head{position:absolute;left:570px;top:200px;width:140px;height:170px;border-radius:50%;background:#e0ac69}
.body{position:absolute;left:520px;top:350px;width:240px;height:200px;border-radius:40% 40% 0 0;background:#274e13}
.live{position:absolute;left:24px;top:20px;background:#c00;color:#fff;padding:4px 10px;font-weight:bold;border-radius:3px}
iframe{position:absolute;inset:0;width:1280px;height:720px;border:0;background:transparent}
</style><div class="sky"></div><div class="sun"></div><div class="head"></div><div class="body"></div><div class="desk"></div>
<div class="live">LIVE</div><iframe id="cc" allowtransparency="true"></iframe>`;

describe('e2e (browser): the caption page', function () {
  this.timeout(60000);
  let RED: any;
  let browser: Browser | undefined;
  let server: http.Server | undefined;
  let base = '';
  const pageErrors: string[] = [];

  const node = () => helper.getNode('cap');
  const send = (payload: Msg) => node().receive({ payload });

  async function open(query: string): Promise<Page> {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 720 } });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await page.goto(`${base}/captions${query}`);
    await page.waitForSelector('body[data-state="open"]', { timeout: 10000 });
    return page;
  }
  const rows = (page: Page, sel = '#original') =>
    page.$$eval(`${sel} .cap`, (els: any[]) =>
      els.map((e) => ({ text: e.textContent, interim: e.classList.contains('interim') })),
    );

  before(async function () {
    this.timeout(90000);
    if (!fs.existsSync(CHROMIUM))
      throw new Error(
        `Chromium not found at ${CHROMIUM}: run "bash test/e2e/browser/install-chromium.sh" first, or set CHROMIUM_PATH.`,
      );
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await helper.startServer();
    await helper.load([(r: any) => (RED = r), captions], FLOW(3), {});
    // Test pages beside the node's routes (same origin, no CSP of their own).
    RED.httpNode.get('/__test/vendor.js', (_q: any, s: any) => s.type('js').send(fs.readFileSync(VENDOR_JS)));
    RED.httpNode.get('/__test/editor.js', (_q: any, s: any) =>
      s.type('js').send(fs.readFileSync(path.join(ROOT, 'resources', 'editor.js'))),
    );
    RED.httpNode.get('/__test/builder', (_q: any, s: any) => s.type('html').send(builderPage()));
    // What the editor serves from the module's resources/ (the preview is relative to the editor's page).
    RED.httpNode.get('/__test/resources/@speech-pipelines/node-red-speech/captions/:file', (q: any, s: any) =>
      s.sendFile(path.join(ROOT, 'resources', 'captions', path.basename(q.params.file))),
    );
    RED.httpNode.get('/__test/obs', (_q: any, s: any) => s.type('html').send(OBS_PAGE));
    RED.httpNode.get('/__test/track', (q: any, s: any) =>
      s
        .type('html')
        .send(
          `<!doctype html><video id="v" muted preload="auto"><track id="t" kind="subtitles" default src="/captions/captions.vtt?room=${encodeURIComponent(String(q.query.room))}"></video>`,
        ),
    );
    server = http.createServer(RED.httpNode);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
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
    await helper.unload();
    forgetParkedRooms();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await helper.stopServer();
  });

  afterEach(() => {
    assert.deepEqual(pageErrors.splice(0), [], 'no page errors or console errors');
  });

  it("shows a sentence's interim text apart, then only its final text in its place", async () => {
    const page = await open('?room=r1');
    send(ev('r1', 0, 'hello wor', false));
    await page.waitForSelector('#original .cap.interim');
    assert.deepEqual(await rows(page), [{ text: 'hello wor', interim: true }]);
    const interimStyle = await page.$eval('#original .cap.interim', (e: any) => getComputedStyle(e).fontStyle);
    assert.equal(interimStyle, 'italic');
    send(ev('r1', 0, 'Hello world.', true));
    await page.waitForSelector('#original .cap.final');
    assert.deepEqual(await rows(page), [{ text: 'Hello world.', interim: false }]);
    await page.close();
  });

  it('shows the translation line under the original, and speaker labels', async () => {
    const page = await open('?room=r2&lang=zh');
    send(
      ev('r2', 0, 'Good morning.', true, {
        speaker: 'Ann',
        translations: [
          { language: 'zh', text: '早上好。', final: true },
          { language: 'ja', text: 'おはよう。', final: true },
        ],
      }),
    );
    await page.waitForSelector('#translation .cap');
    assert.equal(await page.$eval('#translation', (e: any) => e.textContent), '早上好。');
    assert.equal(await page.$eval('#original .spk', (e: any) => e.textContent), 'Ann: ');
    const below = await page.evaluate(
      () =>
        document.getElementById('translation').getBoundingClientRect().top >=
        document.getElementById('original').getBoundingClientRect().bottom,
    );
    assert.ok(below, 'the translation is under the original');
    await page.close();
  });

  it('clears after the configured silence', async () => {
    const page = await open('?room=r3&clear=1');
    // Both times are taken in the page, by the page's own clock: how busy the test process is cannot move them.
    await page.evaluate(() => {
      const w = window as any;
      new MutationObserver(() => {
        if (!w.shownAt && document.querySelector('#original .cap')) w.shownAt = Date.now();
      }).observe(document.body, { subtree: true, childList: true });
    });
    send(ev('r3', 0, 'Soon gone.', true));
    await page.waitForSelector('#original .cap');
    await page.waitForSelector('body[data-cleared]', { timeout: 30000 });
    const [shownAt, clearedAt] = await page.evaluate(() => [
      (window as any).shownAt as number,
      Number(document.body.getAttribute('data-cleared')),
    ]);
    // The page arms its timer and draws the line in one task, so the line shows within a few ms of the arming.
    assert.ok(
      clearedAt - shownAt >= 950,
      `cleared ${clearedAt - shownAt} ms after the line showed, before the 1 s silence`,
    );
    assert.equal(await page.$$eval('#original .cap', (e: any[]) => e.length), 0);
    await page.close();
  });

  it('shows markup in caption text as text, never as HTML', async () => {
    const page = await open('?room=r4');
    const hostile = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2"> & <b>bold</b>';
    send(
      ev('r4', 0, hostile, true, {
        speaker: '<i>Eve</i>',
        translations: [{ language: 'en', text: '<svg onload="window.pwned=3">', final: true }],
      }),
    );
    await page.waitForSelector('#original .cap');
    const txt = await page.$$eval('#original .txt', (els: any[]) => els.map((e) => e.textContent).join(' '));
    assert.equal(txt.replace(/\s+/g, ' ').trim(), hostile.replace(/\s+/g, ' '));
    assert.equal(
      await page.$$eval('#stage img, #stage script, #stage b, #stage svg, #stage i', (e: any[]) => e.length),
      0,
    );
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    await page.close();
  });

  it('reconnects after a redeploy and continues, with the lines it had', async () => {
    const page = await open('?room=r5');
    send(ev('r5', 0, 'Before the deploy.', true));
    await page.waitForSelector('#original .cap');
    await helper.setFlows(FLOW(3), 'full');
    send(ev('r5', 1, 'After the deploy.', true));
    await page.waitForFunction(
      () => document.querySelector('#original').textContent.includes('After the deploy.'),
      undefined,
      { timeout: 10000 },
    );
    assert.deepEqual(
      (await rows(page)).map((r) => r.text),
      ['Before the deploy.', 'After the deploy.'],
    );
    assert.equal((RED.httpNode._router.stack as any[]).filter((l) => l.route?.path === '/captions/events').length, 1);
    await page.close();
  });

  it('applies style parameters from the URL (computed styles), transparent by default', async () => {
    const plain = await open('?room=r6');
    send(ev('r6', 0, 'Styled words that wrap onto more than one row of the caption area.', true));
    await plain.waitForSelector('#original .cap');
    assert.equal(await plain.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgba(0, 0, 0, 0)');
    await plain.close();
    const page = await open(
      '?room=r6&font=Courier%20New&size=50&color=ff0000&box=0000ff&align=left&pos=top&outline=0&shadow=0&lines=1&chars=20&bg=00ff00',
    );
    const s = await page.evaluate(() => {
      const stage = getComputedStyle(document.getElementById('stage'));
      const cap = getComputedStyle(document.querySelector('#original .cap'));
      return {
        font: stage.fontFamily,
        size: stage.fontSize,
        color: stage.color,
        align: stage.textAlign,
        top: stage.top,
        shadow: stage.textShadow,
        box: cap.backgroundColor,
        body: getComputedStyle(document.body).backgroundColor,
        rows: document.querySelectorAll('#original .row').length,
        text: document.querySelector('#original .txt').textContent,
      };
    });
    assert.match(s.font, /Courier New/);
    assert.equal(s.size, '50px');
    assert.equal(s.color, 'rgb(255, 0, 0)');
    assert.equal(s.align, 'left');
    assert.equal(s.top, '0px');
    assert.equal(s.shadow, 'none');
    assert.equal(s.box, 'rgb(0, 0, 255)');
    assert.equal(s.body, 'rgb(0, 255, 0)');
    assert.equal(s.rows, 1);
    assert.ok(
      s.text.length <= 20 && 'the caption area.'.endsWith(s.text.trim()),
      `last row of at most 20 characters, got "${s.text}"`,
    );
    await page.close();
  });

  it('serves several rooms at once, and a late joiner sees the last lines at once', async () => {
    const a = await open('?room=A');
    const b = await open('?room=B');
    send(ev('A', 0, 'Room A speaks.', true));
    send(ev('B', 0, 'Room B speaks.', true));
    send(ev('A', 1, 'Room A again.', true));
    await a.waitForFunction(() => document.querySelectorAll('#original .cap').length === 2);
    await b.waitForSelector('#original .cap');
    assert.deepEqual(
      (await rows(b)).map((r) => r.text),
      ['Room B speaks.'],
    );
    const late = await browser!.newPage();
    await late.goto(`${base}/captions`); // no room: the latest
    await late.waitForFunction(() => document.querySelectorAll('#original .cap').length === 2, undefined, {
      timeout: 5000,
    });
    assert.deepEqual(
      (await rows(late)).map((r) => r.text),
      ['Room A speaks.', 'Room A again.'],
    );
    await Promise.all([a.close(), b.close(), late.close()]);
  });

  it('serves the session as WebVTT that Chromium reads as a <track>', async () => {
    send(ev('vt', 0, 'First cue & more.', true, { speaker: 'Ann' }));
    send(ev('vt', 1, 'Second <cue>.', true));
    await new Promise((r) => setTimeout(r, 100));
    const page = await browser!.newPage();
    await page.goto(`${base}/__test/track?room=vt`);
    const cues = await page.evaluate(
      () =>
        new Promise<any[]>((resolve, reject) => {
          const el = document.getElementById('t');
          el.track.mode = 'hidden';
          const read = () =>
            resolve(
              Array.from(el.track.cues).map((c: any) => ({
                start: c.startTime,
                end: c.endTime,
                text: c.getCueAsHTML().textContent,
              })),
            );
          if (el.readyState === 2) read();
          el.addEventListener('load', read);
          el.addEventListener('error', () => reject(new Error('track failed')));
        }),
    );
    assert.deepEqual(cues, [
      { start: 0, end: 2.5, text: 'First cue & more.' },
      { start: 3, end: 5.5, text: 'Second <cue>.' },
    ]);
    await page.close();
  });

  it('builds the page URL in the dialog and previews it with the chosen style', async () => {
    const page = await browser!.newPage({ viewport: { width: 700, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(`${base}/__test/builder`);
    await page.evaluate(() => {
      const $ = window.$;
      $('#node-input-path').val('/captions');
      $('#node-input-token').val('');
      window.definition.oneditprepare.call({ credentials: {} });
      $('#transcript-captions-b-room').val('A');
      $('#transcript-captions-b-font').val('Georgia');
      $('#transcript-captions-b-size').val('30');
      $('#transcript-captions-b-align').val('right');
      $('#transcript-captions-b-boxon').prop('checked', true).trigger('change');
    });
    const url = await page.$eval('#transcript-captions-url', (e: any) => e.value);
    assert.equal(url, `${base}/captions?room=A&font=Georgia&size=30&box=000000cc&align=right`);
    const frame = await (await page.waitForSelector('#transcript-captions-preview[src*="demo=1"]'))!.contentFrame();
    await frame!.waitForSelector('body[data-state="demo"] #original .cap');
    const style = await frame!.evaluate(() => {
      const st = getComputedStyle(document.getElementById('stage'));
      return {
        font: st.fontFamily,
        size: st.fontSize,
        align: st.textAlign,
        box: getComputedStyle(document.querySelector('.cap')).backgroundColor,
      };
    });
    assert.match(style.font, /Georgia/);
    assert.equal(style.size, '30px');
    assert.equal(style.align, 'right');
    assert.equal(style.box, 'rgba(0, 0, 0, 0.8)');
    await page
      .screenshot({ path: path.join(ROOT, '.tmp', 'screenshots', 'captions-builder.png') })
      .catch(() => undefined);
    await page.close();
  });

  it('shows captions over a video frame (the README picture)', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`${base}/__test/obs`);
    await page.evaluate((src: string) => {
      document.getElementById('cc').src = src;
    }, `/captions?room=show&lang=en&size=44&box=00000099`);
    const frame = await (await page.waitForSelector('#cc'))!.contentFrame();
    await frame!.waitForSelector('body[data-state="open"]');
    send(
      ev('show', 0, 'Welcome back to the morning show.', true, {
        speaker: 'Ann',
        translations: [{ language: 'en', text: 'Welcome back to the morning show.', final: true }],
      }),
    );
    send(
      ev('show', 1, '今天聊聊新公园。', true, {
        speaker: 'Li',
        translations: [{ language: 'en', text: 'Today: the new parks.', final: true }],
      }),
    );
    send(
      ev('show', 2, '第一个公园在河边', false, {
        speaker: 'Li',
        translations: [{ language: 'en', text: 'The first one is by the river', final: false }],
      }),
    );
    await frame!.waitForFunction(() => document.querySelector('#original .interim') !== null);
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'captions-obs.png') });
    await page.close();
  });

  it('a token-protected page loads its script and style and shows captions', async () => {
    // Last: the test helper keeps the node's credentials across later deploys.
    await helper.setFlows(FLOW(3), 'full', { cap: { token: 'browser-token-7' } });
    // open() waits for the page's script to connect: it once stayed on "loading", its assets refused 401.
    const page = await open('?token=browser-token-7&room=tok');
    send(ev('tok', 0, 'Behind a token.', true));
    await page.waitForFunction(
      () => document.querySelector('#original').textContent.includes('Behind a token.'),
      undefined,
      { timeout: 10000 },
    );
    await page.close();
  });
});
