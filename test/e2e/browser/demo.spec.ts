/**
 * The demo as a newcomer meets it after `npm start`: every example deployed at once against
 * the emulators, then, tab by tab, each inject button pressed in order (top to bottom) in the
 * real editor, reading only what the Debug sidebar shows.
 *
 * - each tab's story stays on that tab: the sidebar shows messages of that tab's debug nodes only;
 * - no debug node of the demo reports an error, and no callback is rejected;
 * - node labels, as the editor draws them, do not overlap on any tab;
 * - a scripted session ends with TranscriptionCompleted and nothing is pushed after a stop;
 * - two callback nodes on one path (an example imported again, as a copy) are an error the user
 *   sees on the canvas, with a warning that names the other node.
 *
 * Screenshots of every tab go to .tmp/screenshots/demo/.
 */
import assert from 'assert/strict';
import fs from 'fs';
import path from 'path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startEmulators, DEFAULT_CREDENTIALS, type RunningEmulators } from '../../emulator';
import { mergeFlows, pointAtEmulator, readExamples } from '../example-flows';
import { REPO_ROOT, startNodeRedInstance, waitFor, type FlowNode, type NodeRedProcess } from '../node-red-process';
import { shareConfigNodes } from '../../dev/start';

declare const RED: any;
declare const $: any;
declare const document: any;

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = path.join(REPO_ROOT, '.tmp', 'screenshots', 'demo');
const [[ACCESS_KEY_ID, ACCESS_KEY_SECRET]] = Object.entries(DEFAULT_CREDENTIALS);

describe('e2e (browser): the demo, tab by tab, as npm start deploys it', function () {
  this.timeout(120000);
  let emus: RunningEmulators | undefined;
  let red: NodeRedProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let flows: FlowNode[];
  const consoleErrors: string[] = [];

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run "bash test/e2e/browser/install-chromium.sh".`);
    fs.mkdirSync(SHOTS, { recursive: true });
    emus = await startEmulators({ callbackIntervalMs: 20 });
    red = await startNodeRedInstance({ install: 'link' });
    flows = pointAtEmulator(mergeFlows(shareConfigNodes(readExamples()).map((e) => e.flows)), {
      emulatorUrl: emus.aliyun.url, accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET, nodeRedUrl: red.url, authKey: 'demo-authkey',
    });
    await red.deploy(flows);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US' })).newPage();
    page.setDefaultTimeout(15000);
    page.on('pageerror', (err: Error) => consoleErrors.push(err.message));
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    await page.goto(`${red.adminUrl}/`);
    await page.waitForFunction(() => typeof RED !== 'undefined' && RED.workspaces && RED.workspaces.active() && document.querySelector('.red-ui-palette-node'), null, { timeout: 30000 });
    await page.evaluate(() => RED.actions.invoke('core:toggle-show-tips', false));
    await page.evaluate(() => RED.sidebar.show('debug'));
  });

  after(async function () {
    await browser?.close();
    await red?.stop();
    await emus?.close();
  });

  it('has one account config per vendor and distinct config names', () => {
    const configs = flows.filter((n) => !n.z && n.type !== 'tab');
    // One account per vendor (Agora's v7 and v6 examples are two purposes, with distinct names).
    for (const type of ['aliyun-live-config', 'unisound-config']) {
      const accounts = configs.filter((n) => n.type === type);
      assert.equal(accounts.length, 1, `${type} configs: ${accounts.map((n) => n.name).join(', ')}`);
    }
    const names = configs.map((n) => `${n.type}:${n.name}`);
    assert.equal(new Set(names).size, names.length, `config names repeat: ${names.join(', ')}`);
    const paths = flows.filter((n) => n.type === 'aliyun-live-asr-callback').map((n) => n.path);
    assert.equal(new Set(paths).size, paths.length, `callback paths repeat: ${paths.join(', ')}`);
  });

  const tabs = () => flows.filter((n) => n.type === 'tab');

  for (const label of ['Live ASR: create, query, stop', 'Live subtitles']) {
    it(`"${label}": every button in order, and the sidebar shows this tab's story only`, async () => {
      const tab = tabs().find((t) => t.label === label);
      assert.ok(tab, `no tab "${label}"`);
      await page.evaluate((id: string) => RED.workspaces.show(id), tab.id);
      await page.waitForTimeout(300);

      // Labels as drawn: no two nodes overlap.
      const boxes: { id: string; name: string; x: number; y: number; w: number; h: number }[] = await page.evaluate((z: string) =>
        RED.nodes.filterNodes({ z }).map((n: any) => ({ id: n.id, name: n.name || n.type, x: n.x - n.w / 2, y: n.y - n.h / 2, w: n.w, h: n.h })), tab.id);
      const overlaps: string[] = [];
      boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b) => {
        if (a.x < b.x + b.w + 4 && b.x < a.x + a.w + 4 && a.y < b.y + b.h && b.y < a.y + a.h) overlaps.push(`${a.name} / ${b.name}`);
      }));
      assert.deepEqual(overlaps, [], 'nodes overlap');

      await page.locator('#red-ui-sidebar-debug-clear').click();
      const injects = flows.filter((n) => n.type === 'inject' && n.z === tab.id).sort((a, b) => (a.y ?? 0) - (b.y ?? 0));
      for (const inj of injects) {
        const before = await page.locator('.red-ui-debug-msg').count();
        await page.evaluate((id: string) => $.post(`inject/${id}`), inj.id);
        await waitFor(async () => (await page.locator('.red-ui-debug-msg').count()) > before, `a debug message after [${inj.name}]`, 10000, 50);
        await page.waitForTimeout(inj.name === 'start subtitles' ? 1500 : 300);
      }
      const shown: { flow: string; name: string; text: string }[] = await page.evaluate(() => $('.red-ui-debug-msg').toArray().map((e: any) => ({
        flow: (/red-ui-debug-msg-flow-(\S+)/.exec(e.className) || [])[1] || '',
        name: $(e).find('.red-ui-debug-msg-name').text(),
        text: $(e).text(),
      })));
      assert.deepEqual(shown.filter((m) => m.flow !== tab.id).map((m) => m.name), [], 'messages of another tab');
      assert.deepEqual(shown.filter((m) => /node: errors/.test(m.name)).map((m) => m.text), [], 'errors');
      assert.deepEqual(shown.filter((m) => /rejected/.test(m.name)), [], 'rejected callbacks');
      if (label === 'Live ASR: create, query, stop') {
        // The results the buttons produce, not buried under transcripts (this tab's transcript shows as a status).
        assert.deepEqual([...new Set(shown.map((m) => m.name))].sort(), ['node: create result', 'node: query result', 'node: stop result']);
      } else {
        assert.ok(shown.some((m) => /node: transcript events/.test(m.name)), 'no transcript event');
        assert.ok(shown.some((m) => /node: task results/.test(m.name)), 'no task result');
      }
      await page.screenshot({ path: path.join(SHOTS, `${label.replace(/[^A-Za-z]+/g, '-')}.png`) });
    });
  }

  it('scripted sessions end with TranscriptionCompleted, and nothing arrives after a stop', async () => {
    const emu = emus!.aliyun;
    const start = flows.find((n) => n.type === 'inject' && n.name === 'start subtitles')!;
    const stop = flows.find((n) => n.type === 'inject' && n.name === 'stop subtitles')!;
    const newTask = async (): Promise<string> => {
      const known = new Set(emu.tasks.keys());
      await red!.inject(start.id);
      return waitFor(() => [...emu.tasks.keys()].find((id) => !known.has(id)), 'a new task', 10000, 50);
    };
    const pushes = (id: string) => emu.callbackLog.filter((d) => d.taskId === id);

    const left = await newTask();
    await waitFor(() => pushes(left).some((d) => d.event === 'TranscriptionCompleted'), 'TranscriptionCompleted', 20000, 100);
    const count = pushes(left).length;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(pushes(left).length, count, 'pushes after TranscriptionCompleted');
    assert.equal(pushes(left).filter((d) => d.event === 'SentenceEnd').length, 6);

    const stopped = await newTask();
    await waitFor(() => pushes(stopped).length >= 3, 'three pushes', 10000, 20);
    const stops = emu.requests.filter((r) => r.action === 'StopRtcAsrTask').length;
    await red!.inject(stop.id);
    await waitFor(() => emu.requests.filter((r) => r.action === 'StopRtcAsrTask' && r.status === 200).length > stops, 'StopRtcAsrTask answered', 10000, 20);
    const atStop = pushes(stopped).length;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(pushes(stopped).length, atStop, 'pushes after the stop');
    assert.ok(!pushes(stopped).some((d) => d.event === 'TranscriptionCompleted'));
    assert.deepEqual(emu.callbackLog.filter((d) => d.status !== 200).map((d) => `${d.url} ${d.status}`), [], 'failed pushes');
  });

  it('a second callback node on a path in use shows an error status and a warning naming the first', async () => {
    const tab = tabs().find((t) => t.label === 'Live subtitles')!;
    const first = flows.find((n) => n.type === 'aliyun-live-asr-callback' && n.z === tab.id)!;
    // What "Import copy" of the example makes: the same node under a new id.
    const copy = { ...first, id: 'c0py0000000000cb', y: (first.y ?? 0) + 500, wires: [[], []] };
    const warnings = red!.grep(/Two callback nodes/).length;
    await red!.deploy([...flows, copy]);
    await waitFor(() => red!.grep(/Two callback nodes/).length > warnings, 'the clash warning in the log', 5000, 50);
    const line = red!.grep(/Two callback nodes/).pop()!;
    assert.match(line, new RegExp(`"${first.name}" \\(${first.id}\\)`));
    // The flows were deployed behind the editor's back: reload it to see the copy.
    await page.reload();
    await page.waitForFunction(() => typeof RED !== 'undefined' && RED.workspaces && RED.workspaces.active(), null, { timeout: 30000 });
    const shown = await waitFor(() => page.evaluate((id: string) => RED.nodes.node(id)?.status, copy.id), 'the copy\'s status', 10000, 100);
    assert.equal(shown.fill, 'red');
    assert.equal(shown.text, 'path already in use');
    await red!.deploy(flows);
    assert.deepEqual(consoleErrors, []);
  });
});
