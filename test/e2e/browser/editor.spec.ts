/**
 * The real Node-RED editor in a real browser (Debian's headless Chromium) against a
 * real Node-RED process with this package linked into its user directory, and the
 * Alibaba Live emulator standing in for Alibaba Cloud:
 *
 * - the palette lists the package's nodes in the `speech` category;
 * - every edit dialog (and both config dialogs) opens without a console error;
 * - invalid values are marked by Node-RED's validation (input-error, node error badge);
 * - "Test connection" reports success and failure, and no secret ever reaches the page;
 * - a flow built with the mouse from the palette creates a task at the emulator;
 * - the shipped live-subtitles example, imported and deployed, shows transcripts.
 *
 * Screenshots go to .tmp/screenshots/, or with UPDATE_SCREENSHOTS=1 to test/e2e/screenshots/ (example-flows.png is the README's picture).
 *
 * Needs /usr/bin/chromium (or $CHROMIUM_PATH): run test/e2e/browser/install-chromium.sh.
 */
import { editorDefinitions } from '../../support/editor-definitions';
import assert from 'assert/strict';
import fs from 'fs';
import path from 'path';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type ConsoleMessage,
  type Page,
  type Response,
} from 'playwright-core';
import {
  startEmulators,
  AGORA_DEFAULTS,
  DEFAULT_CREDENTIALS,
  UNISOUND_DEFAULTS,
  type RunningEmulators,
} from '../../emulator';
import { injectNamed, pointAtEmulator, readExample } from '../example-flows';
import {
  PACKAGE_NAME,
  REPO_ROOT,
  waitFor,
  startNodeRedInstance,
  type FlowNode,
  type NodeRedProcess,
} from '../node-red-process';

// The editor's globals, as seen from page.evaluate() callbacks (the test tsconfig has no DOM lib).
declare const RED: any;
declare const $: any;
declare const document: any;

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const INSTALL_SCRIPT = 'test/e2e/browser/install-chromium.sh';
/** Committed pictures are refreshed only on request (UPDATE_SCREENSHOTS=1); ordinary runs write under .tmp/. */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS
  ? path.join(REPO_ROOT, 'test', 'e2e', 'screenshots')
  : path.join(REPO_ROOT, '.tmp', 'screenshots');
const VIEWPORT = { width: 1400, height: 900 };
const [[ACCESS_KEY_ID, ACCESS_KEY_SECRET]] = Object.entries(DEFAULT_CREDENTIALS);
const WRONG_SECRET = 'wrong-secret-8c1f37e2d4';
const AUTH_KEY = 'e2e-browser-authkey-5d0b9a';
const EXAMPLE = 'aliyun-live/live-subtitles.json';

/** Every node type the package declares (speech-common has none), split by what its editor registers. */
const DEFINITIONS = editorDefinitions();
const PACKAGE_NODES = [...DEFINITIONS.values()].filter((d) => d.category !== 'config').map((d) => d.type);
const CONFIG_NODES = [...DEFINITIONS.values()].filter((d) => d.category === 'config').map((d) => d.type);

/**
 * Console errors that are not faults, matched against "error: <text> (<url>)"; whatever was
 * ignored is printed at the end. With no network and tours/telemetry off, a clean run logs none.
 */
const BENIGN_CONSOLE: RegExp[] = [];

interface Captured {
  url: string;
  status: number;
  body: string;
}

describe('e2e (browser): the Node-RED editor with this package', function () {
  this.timeout(60000);

  let emus: RunningEmulators | undefined;
  let red: NodeRedProcess | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page;

  const consoleErrors: string[] = [];
  const ignoredConsole: string[] = [];
  /** Reported, not failed on. */
  const consoleWarnings: string[] = [];
  const responses: Promise<Captured | undefined>[] = [];
  const wsFrames: string[] = [];

  const emu = () => emus!.aliyun;

  before(async function () {
    this.timeout(90000);
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: run "bash ${INSTALL_SCRIPT}" first (it installs Debian's chromium), or set CHROMIUM_PATH.`,
      );
    }
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    // A slower push interval than the default 50 ms, so the example's debug sidebar reads like a live transcript.
    emus = await startEmulators({ callbackIntervalMs: 120 });
    red = await startNodeRedInstance({ install: 'link' });
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
    context = await browser.newContext({ viewport: VIEWPORT, locale: 'en-US', timezoneId: 'UTC' });
    page = await context.newPage();
    page.setDefaultTimeout(15000);

    page.on('console', (msg: ConsoleMessage) => {
      if (msg.type() === 'warning') consoleWarnings.push(`warning: ${msg.text()}`);
      if (msg.type() !== 'error') return;
      const line = `${msg.type()}: ${msg.text()}${msg.location()?.url ? ` (${msg.location().url})` : ''}`;
      if (BENIGN_CONSOLE.some((re) => re.test(line))) ignoredConsole.push(line);
      else consoleErrors.push(line);
    });
    page.on('pageerror', (err: Error) =>
      consoleErrors.push(
        `pageerror: ${err.message}${err.stack ? `\n${err.stack.split('\n').slice(1, 4).join('\n')}` : ''}`,
      ),
    );
    // Every answer of the Node-RED server (admin routes, editor assets, comms) is kept to
    // look for secrets in it.
    page.on('response', (res: Response) => {
      if (!res.url().startsWith(red!.url)) return;
      responses.push(
        res.text().then(
          (body) => ({ url: res.url(), status: res.status(), body }),
          () => undefined, // redirects and aborted requests have no body
        ),
      );
    });
    page.on('websocket', (ws) => ws.on('framereceived', (f) => wsFrames.push(String(f.payload))));

    await page.goto(`${red.adminUrl}/`);
    await editorReady();
  });

  /** Waits until the editor has loaded the palette and a flow, then hides the tip box (it covers the sidebar in screenshots). */
  async function editorReady(): Promise<void> {
    await page.waitForFunction(
      () =>
        typeof RED !== 'undefined' &&
        RED.nodes &&
        RED.nodes.getType('aliyun-live-asr-create') &&
        document.querySelector('.red-ui-palette-node[data-palette-type="inject"]') &&
        RED.workspaces.active(),
      null,
      { timeout: 30000 },
    );
    await page.evaluate(() => RED.actions.invoke('core:toggle-show-tips', false));
  }

  after(async function () {
    this.timeout(30000);
    try {
      await browser?.close();
    } finally {
      try {
        await red?.stop();
      } finally {
        await emus?.close();
      }
    }
    if (ignoredConsole.length)
      process.stdout.write(
        `    ignored browser console errors:\n${ignoredConsole.map((l) => `      ${l}`).join('\n')}\n`,
      );
    if (consoleWarnings.length)
      process.stdout.write(
        `    browser console warnings (not failures):\n${consoleWarnings.map((l) => `      ${l}`).join('\n')}\n`,
      );
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    if (red) process.stdout.write(`--- Node-RED output (last lines) ---\n${red.tail(40)}\n---\n`);
    if (consoleErrors.length)
      process.stdout.write(`--- browser console errors ---\n${consoleErrors.join('\n')}\n---\n`);
    try {
      await page.screenshot({
        path: path.join(SCREENSHOTS, `failed-${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`),
      });
    } catch {
      // the browser may be gone
    }
  });

  // ---------------------------------------------------------------------------
  // Helpers driving the editor
  // ---------------------------------------------------------------------------

  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, name) });

  /** Adds a node to the active flow the way a paste does (RED.nodes.import); returns its id. */
  async function addNode(type: string, props: Record<string, unknown> = {}, x = 200, y = 120): Promise<string> {
    return page.evaluate(
      ({ type, props, x, y }) => {
        const result = RED.nodes.import(
          [{ id: RED.nodes.id(), type, x, y, z: RED.workspaces.active(), wires: [], ...props }],
          {
            generateIds: false,
            markChanged: true,
            applyNodeDefaults: true,
          },
        );
        RED.nodes.dirty(true);
        RED.view.redraw(true);
        return result.nodes[0].id as string;
      },
      { type, props, x, y },
    );
  }

  /** Opens a node's edit tray (RED.editor.edit) and waits until its form is there. */
  async function openEditor(id: string): Promise<void> {
    await page.evaluate((id) => RED.editor.edit(RED.nodes.node(id)), id);
    await page.locator('#node-dialog-ok').waitFor({ state: 'visible' });
    await page.locator('#node-input-name').waitFor({ state: 'visible' });
    await settle();
  }

  /** Lets the tray's slide-in animation and deferred validation finish. */
  const settle = () => page.waitForTimeout(350);

  /** How many edit dialogs are open (a config dialog stacks on the node's dialog). */
  async function editDepth(): Promise<number> {
    return page.evaluate(() => RED.editor.getEditStack().length);
  }

  async function closeTray(
    button: '#node-dialog-ok' | '#node-dialog-cancel' | '#node-config-dialog-ok' | '#node-config-dialog-cancel',
  ): Promise<void> {
    const before = await editDepth();
    await page.locator(button).click();
    await waitFor(async () => (await editDepth()) < before, `the dialog to close after ${button}`, 10000, 50);
    await settle();
  }

  /**
   * Sets a text input the way typing does: fill, then Tab so Node-RED validates it. A
   * typed input hides the original element: the visible one is in the container after it.
   */
  async function typeInto(selector: string, value: string): Promise<void> {
    const typed = await page.evaluate((sel) => $(sel).next('.red-ui-typedInput-container').length > 0, selector);
    const input = typed
      ? page.locator(`${selector} + .red-ui-typedInput-container input.red-ui-typedInput-input`)
      : page.locator(selector);
    await input.fill(value);
    await input.press('Tab');
  }

  async function hasInputError(selector: string): Promise<boolean> {
    return page.evaluate((sel) => {
      const input = $(sel);
      return input.hasClass('input-error') || input.next('.red-ui-typedInput-container').hasClass('input-error');
    }, selector);
  }

  /** Removes every node of the active flow (select all + delete, as a user would). */
  async function clearFlow(): Promise<void> {
    await page.locator('#red-ui-workspace-chart').click({ position: { x: 600, y: 600 } });
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Delete');
    const left = await page.evaluate(() => RED.nodes.filterNodes({ z: RED.workspaces.active() }).length);
    assert.equal(left, 0, 'nodes left on the flow after select-all + delete');
  }

  /** Drags a palette entry onto the workspace with the mouse; returns the new node's id. */
  async function dragFromPalette(type: string, filter: string, x: number, y: number): Promise<string> {
    const before: string[] = await page.evaluate((type) => RED.nodes.filterNodes({ type }).map((n: any) => n.id), type);
    // Typing into the palette filter brings the entry up wherever its category is.
    const search = page.locator('#red-ui-palette-search input');
    await search.fill('');
    await search.pressSequentially(filter, { delay: 20 });
    const entry = page.locator(`#red-ui-palette-container .red-ui-palette-node[data-palette-type="${type}"]`);
    await entry.waitFor({ state: 'visible' });
    await waitFor(
      () =>
        page.evaluate(
          (type) =>
            $('#red-ui-palette-container .red-ui-palette-node:visible')
              .get()
              .every((e: any) => e.getAttribute('data-palette-type') === type),
          type,
        ),
      `the palette filter "${filter}" to leave only ${type}`,
      5000,
      50,
    );
    await entry.scrollIntoViewIfNeeded();
    const from = (await entry.boundingBox())!;
    const chart = (await page.locator('#red-ui-workspace-chart').boundingBox())!;
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(from.x + from.width / 2 + 30, from.y + from.height / 2, { steps: 5 });
    await page.mouse.move(chart.x + x, chart.y + y, { steps: 15 });
    await page.mouse.up();
    await search.fill('');
    await search.press('Backspace');
    const id = await waitFor(
      () =>
        page.evaluate(
          ({ type, before }) =>
            RED.nodes
              .filterNodes({ type })
              .map((n: any) => n.id)
              .find((i: string) => !before.includes(i)),
          { type, before },
        ),
      `a new ${type} node on the workspace`,
      5000,
    );
    return id as string;
  }

  /** Wires output 0 of `from` to the input of `to` by dragging between the ports. */
  async function wire(from: string, to: string): Promise<void> {
    const out = (await page
      .locator(`g[id="${from}"] .red-ui-flow-port-output .red-ui-flow-port`)
      .first()
      .boundingBox())!;
    const inp = (await page.locator(`g[id="${to}"] .red-ui-flow-port-input .red-ui-flow-port`).first().boundingBox())!;
    await page.mouse.move(out.x + out.width / 2, out.y + out.height / 2);
    await page.mouse.down();
    await page.mouse.move(inp.x + inp.width / 2, inp.y + inp.height / 2, { steps: 15 });
    await page.mouse.up();
    const linked = await page.evaluate(
      ({ from, to }) => RED.nodes.filterLinks({ source: { id: from }, target: { id: to } }).length,
      { from, to },
    );
    assert.equal(linked, 1, `no wire from ${from} to ${to}`);
  }

  /** Presses the Deploy button and waits until the runtime has started the new flows. */
  async function deploy(): Promise<void> {
    const started = red!.grep(/\[info\] Started flows$/).length;
    await page.locator('#red-ui-header-button-deploy').click();
    await waitFor(
      () => red!.grep(/\[info\] Started flows$/).length > started,
      '"Started flows" after pressing Deploy',
      15000,
      50,
    );
    await waitFor(() => page.evaluate(() => !RED.nodes.dirty()), 'the editor to leave the dirty state', 5000, 50);
  }

  async function showDebugSidebar(): Promise<void> {
    await page.evaluate(() => RED.sidebar.show('debug'));
    await page.locator('#red-ui-sidebar-debug-clear').waitFor({ state: 'visible' });
  }

  async function debugTexts(): Promise<string[]> {
    return page.locator('.red-ui-debug-content .red-ui-debug-msg').allInnerTexts();
  }

  async function clickInjectButton(id: string): Promise<void> {
    await page.locator(`g[id="${id}"] .red-ui-flow-node-button`).click();
  }

  // ---------------------------------------------------------------------------

  it('shows every palette node of the package in the speech category and registers the config nodes', async () => {
    const inSpeech: string[] = await page.evaluate(() =>
      $('#red-ui-palette-container-speech .red-ui-palette-node')
        .map((_i: number, e: any) => $(e).attr('data-palette-type'))
        .get(),
    );
    assert.deepEqual([...inSpeech].sort(), [...PACKAGE_NODES].sort());
    for (const type of [...PACKAGE_NODES, ...CONFIG_NODES]) {
      const def = await page.evaluate((type) => {
        const d = RED.nodes.getType(type);
        return d
          ? {
              category: d.category,
              paletteLabel: typeof d.paletteLabel === 'function' ? d.paletteLabel.call(d) : d.paletteLabel,
            }
          : null;
      }, type);
      assert.ok(def, `RED.nodes.getType('${type}') is not registered`);
      assert.equal(def.category, CONFIG_NODES.includes(type) ? 'config' : 'speech', `category of ${type}`);
      // A missing locale shows the raw key (e.g. "…:paletteLabel") instead of a label.
      assert.doesNotMatch(
        String(def.paletteLabel),
        /paletteLabel|node-red-speech/,
        `palette label of ${type} is not translated`,
      );
    }
    // The package's own icons, not the editor's fallback arrow (shown when an icon is missing).
    const icons: string[] = await page.evaluate(
      (types) =>
        types.map((t: string) =>
          $(`#red-ui-palette-container .red-ui-palette-node[data-palette-type="${t}"] .red-ui-palette-icon`).css(
            'background-image',
          ),
        ),
      PACKAGE_NODES,
    );
    icons.forEach((icon, i) =>
      assert.match(
        icon,
        /\/icons\/@speech-pipelines\/node-red-speech\/speech-[a-z-]+\.svg/,
        `palette icon of ${PACKAGE_NODES[i]}: ${icon}`,
      ),
    );
    // Config nodes never appear in the palette itself.
    for (const type of CONFIG_NODES) {
      assert.equal(
        await page.locator(`#red-ui-palette-container .red-ui-palette-node[data-palette-type="${type}"]`).count(),
        0,
        `${type} is in the palette`,
      );
    }
    // The runtime loaded all six types from this package without an error.
    const sets = (await red!.nodeSets()).filter((s) => s.module === PACKAGE_NAME);
    assert.deepEqual(
      sets.filter((s) => s.err).map((s) => `${s.name}: ${s.err}`),
      [],
    );
    assert.deepEqual(sets.flatMap((s) => s.types).sort(), [...PACKAGE_NODES, ...CONFIG_NODES].sort());

    // Screenshot: every category collapsed except speech.
    await page.evaluate(() => {
      $('#red-ui-palette-container .red-ui-palette-category').each((_i: number, e: any) => {
        const cat = e.id.replace('red-ui-palette-container-', '');
        if (cat !== 'speech' && $('#red-ui-palette-base-category-' + cat).is(':visible'))
          $(e).find('.red-ui-palette-header').trigger('click');
      });
      const speech = $('#red-ui-palette-base-category-speech');
      if (!speech.is(':visible')) $('#red-ui-palette-container-speech .red-ui-palette-header').trigger('click');
    });
    await page.waitForTimeout(600);
    await page.locator('#red-ui-palette-container-speech').scrollIntoViewIfNeeded();
    for (const type of PACKAGE_NODES) {
      assert.ok(
        await page
          .locator(`#red-ui-palette-container-speech .red-ui-palette-node[data-palette-type="${type}"]`)
          .isVisible(),
        `${type} is not visible in the speech category`,
      );
    }
    await shot('palette.png');
    // Back to every category expanded, as the other tests expect.
    await page.evaluate(() => {
      $('#red-ui-palette-container .red-ui-palette-category').each((_i: number, e: any) => {
        const cat = e.id.replace('red-ui-palette-container-', '');
        if (!$('#red-ui-palette-base-category-' + cat).is(':visible'))
          $(e).find('.red-ui-palette-header').trigger('click');
      });
    });
    await page.waitForTimeout(600);
    assert.deepEqual(consoleErrors, []);
  });

  it('opens every edit dialog, and both config dialogs, without console errors', async () => {
    // Every type has its help text (what the help sidebar and the palette tooltip show).
    for (const type of [...PACKAGE_NODES, ...CONFIG_NODES]) {
      const help: string = await page.evaluate((type) => RED.nodes.getNodeHelp(type) || '', type);
      assert.ok(help.includes('<h3>'), `${type} has no help text`);
    }
    for (const type of PACKAGE_NODES) {
      const id = await addNode(type);
      await openEditor(id);
      // oneditprepare ran: the typedInputs and config selects exist.
      assert.ok(await page.locator('.red-ui-tray #node-input-name').isVisible(), `${type}: no name field`);
      // The account property: the one default whose type is a config node of the package.
      const accountProp = Object.entries(DEFINITIONS.get(type)!.defaults).find(
        ([, d]) => d && typeof d.type === 'string' && CONFIG_NODES.includes(d.type) && d.required,
      )?.[0];
      if (accountProp) {
        assert.equal(
          await page.locator(`#node-input-${accountProp}`).evaluate((e: any) => e.tagName),
          'SELECT',
          `${type}: the Account field is not a config select`,
        );
      }
      if (type === 'aliyun-live-asr-create') {
        assert.equal(
          await page.locator('.red-ui-tray .red-ui-typedInput-container').count(),
          12,
          'create: twelve typed inputs',
        );
        // Mode "live": the ARTC rows are hidden, the stream URL row is shown.
        assert.equal(await page.locator('#node-input-streamUrl + .red-ui-typedInput-container').isVisible(), true);
        assert.equal(await page.locator('#node-input-sdkAppId + .red-ui-typedInput-container').isVisible(), false);
        await shot('create-dialog.png');
        // Both config dialogs, opened with the pencil buttons next to the selects.
        for (const [field, cfgType, firstInput] of [
          ['live', 'aliyun-live-config', '#node-config-input-accessKeyId'],
          ['callback', 'aliyun-live-callback-config', '#node-config-input-callbackUrl'],
        ] as const) {
          await page.locator(`#node-input-btn-${field}-add`).click();
          await page.locator(firstInput).waitFor({ state: 'visible' });
          await page.locator('#node-config-dialog-ok').waitFor({ state: 'visible' });
          await settle();
          assert.equal(
            await page.evaluate(() =>
              RED.editor
                .getEditStack()
                .map((n: any) => n.type)
                .pop(),
            ),
            cfgType,
          );
          await closeTray('#node-config-dialog-cancel');
        }
      }
      await closeTray('#node-dialog-cancel');
      assert.deepEqual(consoleErrors, [], `console errors after opening the ${type} dialog`);
    }
    await clearFlow();
  });

  it('marks invalid values in the create and callback dialogs', async () => {
    // create: Report interval 999 (allowed: -1 to 500) and an ftp:// stream URL.
    const create = await addNode('aliyun-live-asr-create', {
      streamUrl: 'rtmp://push.example.com/live/demo',
      streamUrlType: 'str',
      callbackUrl: 'https://example.com/cb',
      callbackUrlType: 'str',
    });
    await openEditor(create);
    assert.equal(
      await hasInputError('#node-input-reportInterval'),
      false,
      'an empty report interval is marked invalid',
    );
    assert.equal(await hasInputError('#node-input-streamUrl'), false, 'a valid rtmp:// stream URL is marked invalid');
    await typeInto('#node-input-reportInterval', '999');
    await waitFor(
      () => hasInputError('#node-input-reportInterval'),
      'report interval 999 marked input-error',
      3000,
      50,
    );
    await typeInto('#node-input-streamUrl', 'ftp://files.example.com/a.flv');
    await waitFor(() => hasInputError('#node-input-streamUrl'), 'an ftp:// stream URL marked input-error', 3000, 50);
    // A valid value clears the mark again.
    await typeInto('#node-input-reportInterval', '500');
    await waitFor(
      async () => !(await hasInputError('#node-input-reportInterval')),
      'report interval 500 accepted',
      3000,
      50,
    );
    await typeInto('#node-input-reportInterval', '999');
    await waitFor(() => hasInputError('#node-input-reportInterval'), 'report interval 999 marked again', 3000, 50);
    await page.locator('#node-input-reportInterval + .red-ui-typedInput-container').scrollIntoViewIfNeeded();
    await shot('invalid-field.png');
    await closeTray('#node-dialog-ok');
    const state = await page.evaluate((id) => {
      const n = RED.nodes.node(id);
      const badge = document.querySelector(`g[id="${id}"] .red-ui-flow-node-error`);
      return {
        valid: n.valid,
        errors: n.validationErrors,
        reportInterval: n.reportInterval,
        badgeShown: !!badge && !badge.classList.contains('hide'),
      };
    }, create);
    assert.equal(state.valid, false);
    assert.equal(state.reportInterval, '999');
    // The validators' messages (shown in the error badge's tooltip), in the runtime's wording.
    assert.deepEqual(
      state.errors.filter((e: string) => e !== 'live'),
      [
        'Stream URL must be a rtmp/rtmps/http/https/rtsp/srt/artc URL (got "ftp://files.example.com/a.flv").',
        'Report interval must be from -1 to 500 (got 999).',
      ],
    );
    assert.ok(state.errors.includes('live'), 'no account selected, yet the node is not marked for it');
    assert.ok(state.badgeShown, 'the node shows no error badge');

    // callback: an invalid CIDR in Allow from; valid IPv4/IPv6 ranges are accepted.
    const cb = await addNode('aliyun-live-asr-callback', { path: '/aliyun/asr-e2e' }, 200, 220);
    await openEditor(cb);
    await typeInto('#node-input-allowFrom', '203.0.113.0/24, 2001:db8::/32');
    await waitFor(async () => !(await hasInputError('#node-input-allowFrom')), 'valid CIDR ranges accepted', 3000, 50);
    await typeInto('#node-input-allowFrom', '203.0.113.0/24, 10.0.0.0/33');
    await waitFor(() => hasInputError('#node-input-allowFrom'), '10.0.0.0/33 marked input-error', 3000, 50);
    // A plain input shows the validator's message as its tooltip.
    await page.locator('#node-input-allowFrom').hover();
    const tip = page.locator('.red-ui-popover:visible').filter({ hasText: '10.0.0.0/33' });
    await tip.waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await tip.innerText(), '"10.0.0.0/33" is not an IP address or CIDR range.');
    await page.waitForTimeout(400); // the tooltip fades in
    await shot('invalid-cidr.png');
    await typeInto('#node-input-trustedProxies', 'localhost');
    await waitFor(
      () => hasInputError('#node-input-trustedProxies'),
      'a host name in Trusted proxies marked input-error',
      3000,
      50,
    );
    await typeInto('#node-input-maxAge', '5');
    await waitFor(() => hasInputError('#node-input-maxAge'), 'a 5 s time window marked input-error', 3000, 50);
    await closeTray('#node-dialog-ok');
    const cbState = await page.evaluate(
      (id) => ({ valid: RED.nodes.node(id).valid, errors: RED.nodes.node(id).validationErrors }),
      cb,
    );
    assert.equal(cbState.valid, false);
    assert.deepEqual(cbState.errors, [
      'Must be a whole number from 10 to 3600.',
      '"10.0.0.0/33" is not an IP address or CIDR range.',
      '"localhost" is not an IP address or CIDR range.',
    ]);

    await clearFlow();
    assert.deepEqual(consoleErrors, []);
  });

  it('"Test connection" reports success against the emulator and failure with a wrong secret', async () => {
    const create = await addNode('aliyun-live-asr-create');
    await openEditor(create);
    await page.locator('#node-input-btn-live-add').click();
    await page.locator('#node-config-input-accessKeyId').waitFor({ state: 'visible' });
    await settle();
    await typeInto('#node-config-input-endpoint', emu().url);
    await typeInto('#node-config-input-accessKeyId', ACCESS_KEY_ID);
    await typeInto('#node-config-input-accessKeySecret', ACCESS_KEY_SECRET);

    const result = page.locator('#node-config-aliyun-live-test-result');
    const queries = () => emu().requests.filter((r) => r.action === 'QueryRtcAsrTasks');

    await page.locator('#node-config-aliyun-live-test').click();
    await result.locator('.fa-check, .fa-exclamation-triangle').waitFor({ state: 'visible', timeout: 15000 });
    assert.ok(await result.locator('.fa-check').isVisible(), `Test connection failed: ${await result.innerText()}`);
    assert.match(await result.innerText(), /Connected: 0 running tasks\./);
    const ok = queries().pop();
    assert.ok(ok, 'the emulator received no QueryRtcAsrTasks');
    assert.equal(ok.status, 200);
    assert.equal(ok.accessKeyId, ACCESS_KEY_ID);
    assert.equal(ok.scheme, 'v3');

    await typeInto('#node-config-input-accessKeySecret', WRONG_SECRET);
    const before = queries().length;
    await page.locator('#node-config-aliyun-live-test').click();
    await result.locator('.fa-exclamation-triangle').waitFor({ state: 'visible', timeout: 15000 });
    const failure = await result.innerText();
    assert.match(failure, /SignatureDoesNotMatch/);
    assert.match(failure, /Check the AccessKey secret/);
    await waitFor(() => queries().length > before, 'the second QueryRtcAsrTasks', 3000, 50);
    assert.equal(queries().pop()!.code, 'SignatureDoesNotMatch');
    assert.equal(
      await page.locator('#node-config-aliyun-live-test').isEnabled(),
      true,
      'the button stays disabled after the test',
    );
    await shot('test-connection.png');

    await closeTray('#node-config-dialog-cancel');
    await closeTray('#node-dialog-cancel');
    await clearFlow();

    // Nothing the page received from Node-RED holds either secret.
    const captured = (await Promise.all(responses)).filter((r): r is Captured => !!r);
    const tests = captured.filter((r) => r.url.endsWith('/aliyun-live-config/test'));
    assert.equal(tests.length, 2, `captured ${tests.length} answers of aliyun-live-config/test`);
    for (const secret of [ACCESS_KEY_SECRET, WRONG_SECRET]) {
      assert.deepEqual(
        captured.filter((r) => r.body.includes(secret)).map((r) => r.url),
        [],
        `a response holds the secret "${secret}"`,
      );
      assert.deepEqual(
        wsFrames.filter((f) => f.includes(secret)),
        [],
        `a comms frame holds the secret "${secret}"`,
      );
    }
    assert.deepEqual(consoleErrors, []);
  });

  for (const vendor of [
    {
      name: 'Agora',
      action: 'agora-stt-start',
      prop: 'agora',
      test: '#node-config-agora-test',
      // Five languages (at most four) and a bot uid that is not a number.
      invalid: [
        ['#node-input-languages', 'en-US,zh-CN,ja-JP,ko-KR,fr-FR'],
        ['#node-input-pubBotUid', 'bot-1'],
      ],
      valid: [
        ['#node-input-languages', 'en-US,zh-CN'],
        ['#node-input-pubBotUid', '88222'],
      ],
      fill: () => [
        ['#node-config-input-endpoint', emus!.agora.url],
        ['#node-config-input-appId', AGORA_DEFAULTS.appId],
        ['#node-config-input-customerId', AGORA_DEFAULTS.customerId],
        ['#node-config-input-customerSecret', AGORA_DEFAULTS.customerSecret],
      ],
      secret: '#node-config-input-customerSecret',
      calls: () => emus!.agora.requests.filter((r) => r.action === 'list'),
      refused: /InvalidCredentials|401/,
    },
    {
      name: 'Unisound',
      action: 'unisound-asr-submit',
      prop: 'unisound',
      test: '#node-config-unisound-test',
      // A sample rate of zero, and a hotword longer than five characters.
      invalid: [
        ['#node-input-sample_rate', '0'],
        ['#node-input-hotwords', 'speechpipelines'],
      ],
      valid: [
        ['#node-input-sample_rate', '16000'],
        ['#node-input-hotwords', 'Node'],
      ],
      fill: () => [
        ['#node-config-input-endpoint', emus!.unisound.url],
        ['#node-config-input-apiKey', UNISOUND_DEFAULTS.apiKey],
      ],
      secret: '#node-config-input-apiKey',
      calls: () => emus!.unisound.requests,
      refused: /100103|key/i,
    },
  ]) {
    it(`${vendor.name}: marks invalid values, and "Test connection" answers from the emulator`, async () => {
      const id = await addNode(vendor.action);
      await openEditor(id);
      for (const [sel, value] of vendor.invalid) {
        await typeInto(sel, value);
        assert.equal(await hasInputError(sel), true, `${vendor.action}: ${sel} = "${value}" is not marked invalid`);
      }
      for (const [sel, value] of vendor.valid) {
        await typeInto(sel, value);
        assert.equal(await hasInputError(sel), false, `${vendor.action}: ${sel} = "${value}" is marked invalid`);
      }
      await page.locator(`#node-input-btn-${vendor.prop}-add`).click();
      await page.locator(vendor.test).waitFor({ state: 'visible' });
      await settle();
      for (const [sel, value] of vendor.fill()) await typeInto(sel, value);
      const result = page.locator(`${vendor.test}-result`);
      const before = vendor.calls().length;
      await page.locator(vendor.test).click();
      await result.locator('.fa-check, .fa-exclamation-triangle').waitFor({ state: 'visible', timeout: 15000 });
      assert.ok(
        await result.locator('.fa-check').isVisible(),
        `${vendor.name} Test connection failed: ${await result.innerText()}`,
      );
      assert.ok(vendor.calls().length > before, `the ${vendor.name} emulator saw no request`);
      await typeInto(vendor.secret, WRONG_SECRET);
      await page.locator(vendor.test).click();
      await result.locator('.fa-exclamation-triangle').waitFor({ state: 'visible', timeout: 15000 });
      const failure = await result.innerText();
      assert.match(failure, vendor.refused);
      assert.doesNotMatch(failure, new RegExp(WRONG_SECRET));
      await shot(`test-connection-${vendor.name.toLowerCase()}.png`);
      await closeTray('#node-config-dialog-cancel');
      await closeTray('#node-dialog-cancel');
      await clearFlow();
    });
  }

  it('builds inject -> Alibaba ASR create -> debug with the mouse, deploys it and creates a task at the emulator', async () => {
    // Nothing on the flow's callback path: the emulator's pushes for this task get 404s, which is fine here.
    const callbackUrl = `${red!.url}/e2e/no-receiver`;
    const streamUrl = 'rtmp://push.example.com/live/browser-e2e';
    const inject = await dragFromPalette('inject', 'inject', 160, 140);
    const create = await dragFromPalette('aliyun-live-asr-create', 'Alibaba ASR create', 400, 140);
    const debug = await dragFromPalette('debug', 'debug', 640, 140);
    await wire(inject, create);
    await wire(create, debug);

    // Configure the create node through its dialog, with a new account config node.
    await page.locator(`g[id="${create}"] .red-ui-flow-node`).dblclick();
    await page.locator('#node-input-name').waitFor({ state: 'visible' });
    assert.deepEqual(await page.evaluate(() => RED.editor.getEditStack().map((n: any) => n.id)), [create]);
    await settle();
    await page.locator('#node-input-btn-live-add').click();
    await page.locator('#node-config-input-accessKeyId').waitFor({ state: 'visible' });
    await settle();
    await typeInto('#node-config-input-name', 'Emulator');
    await typeInto('#node-config-input-endpoint', emu().url);
    await typeInto('#node-config-input-accessKeyId', ACCESS_KEY_ID);
    await typeInto('#node-config-input-accessKeySecret', ACCESS_KEY_SECRET);
    await closeTray('#node-config-dialog-ok');
    const liveId: string = await page.locator('#node-input-live').inputValue();
    assert.notEqual(liveId, '_ADD_');
    assert.equal(await page.evaluate((id) => RED.nodes.node(id)?.type, liveId), 'aliyun-live-config');

    await typeInto('#node-input-name', 'create subtitles');
    await typeInto('#node-input-streamUrl', streamUrl);
    // Language: pick English from the typed input's option menu.
    await page.locator('#node-input-language + .red-ui-typedInput-container .red-ui-typedInput-option-trigger').click();
    await page
      .locator('.red-ui-typedInput-options:visible a')
      .filter({ hasText: /^en: English$/ })
      .click();
    assert.equal(await page.evaluate(() => $('#node-input-language').typedInput('value')), 'en');
    assert.equal(
      await page.locator('#aliyun-live-create-row-callbackUrl').isVisible(),
      true,
      'the Callback URL row is hidden without a callback config',
    );
    await typeInto('#node-input-callbackUrl', callbackUrl);
    assert.equal(await hasInputError('#node-input-callbackUrl'), false);
    await closeTray('#node-dialog-ok');
    const saved = await page.evaluate((id) => {
      const n = RED.nodes.node(id);
      return {
        valid: n.valid,
        errors: n.validationErrors,
        live: n.live,
        streamUrl: n.streamUrl,
        language: n.language,
        callbackUrl: n.callbackUrl,
        callback: n.callback,
      };
    }, create);
    assert.deepEqual(saved, {
      valid: true,
      errors: [],
      live: liveId,
      streamUrl,
      language: 'en',
      callbackUrl,
      callback: '',
    });

    await deploy();
    await showDebugSidebar();
    await page.locator('#red-ui-sidebar-debug-clear').click();
    await clickInjectButton(inject);

    const message = await waitFor(
      async () => (await debugTexts()).find((t) => /RetCode/.test(t)),
      'a debug message with RetCode',
      10000,
    );
    assert.match(message, /RetCode: 2000/);
    assert.match(message, /TaskId: "asr-[^"]+"/);
    assert.match(message, /Description: "success"/);

    const createCall = emu().requests.find((r) => r.action === 'CreateRtcAsrTask');
    assert.ok(createCall, 'the emulator received no CreateRtcAsrTask');
    assert.equal(createCall.status, 200, `CreateRtcAsrTask answered ${createCall.status} ${createCall.code ?? ''}`);
    assert.equal(createCall.scheme, 'v3', 'not signed with ACS3-HMAC-SHA256');
    assert.equal(createCall.accessKeyId, ACCESS_KEY_ID);
    assert.equal(createCall.params.StreamURL, streamUrl);
    assert.equal(createCall.params.Language, 'en');
    assert.equal(createCall.params.CallbackURL, callbackUrl);
    // The sidebar shortens long strings ("asr-…-18…"): what it shows starts the task's id.
    const shown = /TaskId: "(asr-[^"]+)"/.exec(message)![1].replace(/…$/, '');
    const tasks = [...emu().tasks.values()].filter((t) => t.callbackUrl === callbackUrl);
    assert.equal(tasks.length, 1, `${tasks.length} tasks at the emulator for ${callbackUrl}`);
    assert.ok(
      tasks[0].taskId.startsWith(shown),
      `the debug sidebar shows TaskId "${shown}", the emulator created ${tasks[0].taskId}`,
    );

    // Expanded, the message shows the whole answer, the full TaskId included.
    const debugMsg = page.locator('.red-ui-debug-content .red-ui-debug-msg').filter({ hasText: 'RetCode' });
    await debugMsg.locator('.red-ui-debug-msg-expandable').first().click();
    await waitFor(
      async () => (await debugMsg.innerText()).includes(tasks[0].taskId),
      `the expanded message to show TaskId ${tasks[0].taskId}`,
      3000,
      50,
    );
    await page.mouse.move(700, 700);
    await shot('flow-debug.png');
    assert.deepEqual(consoleErrors, []);
  });

  it('imports and deploys the live-subtitles example and shows transcript events (README screenshot)', async () => {
    const flows: FlowNode[] = pointAtEmulator(readExample(EXAMPLE), {
      emulatorUrl: emu().url,
      accessKeyId: ACCESS_KEY_ID,
      accessKeySecret: ACCESS_KEY_SECRET,
      nodeRedUrl: red!.url,
      authKey: AUTH_KEY,
    });
    // Independent of how the previous test ended: a dialog left open would block the import.
    if (await editDepth()) {
      await page.reload();
      await editorReady();
    }

    // Menu > Import > paste the flow > Import.
    await page.evaluate(() => RED.actions.invoke('core:show-import-dialog'));
    const text = page.locator('#red-ui-clipboard-dialog-import-text');
    await text.waitFor({ state: 'visible' });
    await text.fill(JSON.stringify(flows));
    await text.press('End');
    await page.locator('#red-ui-clipboard-dialog-ok').click();
    const tab = flows.find((n) => n.type === 'tab')!.id;
    await waitFor(() => page.evaluate((tab) => !!RED.nodes.workspace(tab), tab), 'the example tab', 5000, 50);
    // Only the example from here on: remove the previous test's flow and its account config.
    const previous: string = await page.evaluate(() => RED.workspaces.active());
    await page.evaluate((tab) => RED.workspaces.show(tab), tab);
    await page.evaluate((previous) => {
      RED.workspaces.delete(RED.nodes.workspace(previous));
      RED.nodes.eachConfig((n: any) => {
        if (n.type === 'aliyun-live-config' && n.name === 'Emulator') RED.nodes.remove(n.id);
      });
      RED.nodes.dirty(true);
      RED.view.redraw(true);
    }, previous);
    assert.deepEqual(await page.evaluate(() => RED.nodes.getWorkspaceOrder()), [tab]);

    const invalid = await page.evaluate(
      (tab) =>
        RED.nodes
          .filterNodes({ z: tab })
          .filter((n: any) => !n.valid)
          .map((n: any) => `${n.type} ${n.id}: ${n.validationErrors}`),
      tab,
    );
    assert.deepEqual(invalid, [], 'the imported example has invalid nodes');

    await deploy();
    await showDebugSidebar();
    await page.locator('#red-ui-sidebar-debug-clear').click();
    const tasksBefore = emu().tasks.size;
    const createsBefore = emu().requests.filter((r) => r.action === 'CreateRtcAsrTask').length;
    await clickInjectButton(injectNamed(flows, 'start subtitles').id);

    const created = await waitFor(
      () =>
        emu()
          .requests.filter((r) => r.action === 'CreateRtcAsrTask')
          .slice(createsBefore)
          .find((r) => r.status !== 0),
      "the example's CreateRtcAsrTask",
      10000,
    );
    assert.equal(created.status, 200, `CreateRtcAsrTask answered ${created.status} ${created.code ?? ''}`);
    assert.equal(emu().tasks.size, tasksBefore + 1);
    const task = [...emu().tasks.values()].find((t) => t.callbackUrl === `${red!.url}/aliyun/live-subtitles`);
    assert.ok(task, "no task with the example's callback URL");
    assert.equal(task.authKey, AUTH_KEY);

    // Two complete sentences arrive in the debug sidebar.
    await waitFor(
      async () => (await debugTexts()).filter((t) => /event: "SentenceEnd"/.test(t)).length >= 2,
      'two SentenceEnd messages in the debug sidebar',
      20000,
      100,
    );
    await clickInjectButton(injectNamed(flows, 'stop subtitles').id);
    await waitFor(
      () => emu().requests.some((r) => r.action === 'StopRtcAsrTask' && r.status === 200),
      'StopRtcAsrTask',
      10000,
      50,
    );
    await page.waitForTimeout(500);
    const texts = await debugTexts();
    assert.ok(
      texts.some((t) => /transcript events/.test(t) && /event: "TranscriptionResultChanged"/.test(t)),
      'no partial result in the debug sidebar',
    );
    assert.deepEqual(
      texts.filter((t) => /rejected callbacks/.test(t)),
      [],
      'the callback node rejected callbacks',
    );
    assert.deepEqual(
      texts.filter((t) => /\berrors\b/.test(t) && /node: errors/.test(t)),
      [],
    );
    assert.deepEqual(red!.grep(/\[error\]/), []);

    // The README picture: a wider debug sidebar (dragged), the flow scrolled to its top, no toasts.
    const sep = (await page.locator('#red-ui-sidebar-separator').boundingBox())!;
    await page.mouse.move(sep.x + sep.width / 2, sep.y + sep.height / 2);
    await page.mouse.down();
    await page.mouse.move(sep.x - 140, sep.y + sep.height / 2, { steps: 10 });
    await page.mouse.up();
    await page.evaluate(() => {
      RED.view.select('');
      $('#red-ui-workspace-chart').scrollTop(0).scrollLeft(0);
      // Closed the editor's own way (removing them would break their slide-up callback).
      $('.red-ui-notification').each((_i: number, e: any) => e.close && e.close());
    });
    await waitFor(
      () => page.evaluate(() => $('.red-ui-notification:visible').length === 0),
      'the notifications to close',
      3000,
      50,
    );
    await page.waitForTimeout(200);
    await shot('example-flows.png');
    assert.deepEqual(consoleErrors, []);
  });

  it('a deployed account config: the dialog gets no secret back, and Test connection uses the stored one for its own endpoint only', async () => {
    const configId = 'a0c0nf1g00000001';
    assert.equal(
      await page.evaluate((id) => RED.nodes.node(id)?.type, configId),
      'aliyun-live-config',
      "the example's account config is not there",
    );
    await page.evaluate((id) => RED.editor.editConfig('', 'aliyun-live-config', id), configId);
    await page.locator('#node-config-input-accessKeySecret').waitFor({ state: 'visible' });
    await settle();
    // The editor knows only that a secret is stored: the field holds Node-RED's placeholder.
    assert.equal(await page.locator('#node-config-input-accessKeyId').inputValue(), ACCESS_KEY_ID);
    assert.equal(await page.locator('#node-config-input-accessKeySecret').inputValue(), '__PWRD__');
    const credentials = (await Promise.all(responses)).filter(
      (r): r is Captured => !!r && r.url.includes(`/credentials/aliyun-live-config/${configId}`),
    );
    assert.ok(credentials.length >= 1, "the dialog did not fetch the node's credentials");
    assert.equal(JSON.parse(credentials[0].body).has_accessKeySecret, true);

    const result = page.locator('#node-config-aliyun-live-test-result');
    const queries = () => emu().requests.filter((r) => r.action === 'QueryRtcAsrTasks').length;
    // Unchanged secret: the server signs with the stored one.
    let before = queries();
    await page.locator('#node-config-aliyun-live-test').click();
    await result.locator('.fa-check, .fa-exclamation-triangle').waitFor({ state: 'visible', timeout: 15000 });
    assert.match(await result.innerText(), /^ ?Connected: \d+ running tasks?\.$/);
    assert.equal(queries(), before + 1);
    // Unchanged secret but another endpoint: refused before anything is sent, so a stored
    // secret can never be made to sign requests for a server the user just typed in.
    await typeInto('#node-config-input-endpoint', 'http://127.0.0.1:9/elsewhere');
    before = queries();
    await page.locator('#node-config-aliyun-live-test').click();
    await result.locator('.fa-exclamation-triangle').waitFor({ state: 'visible', timeout: 15000 });
    assert.match(await result.innerText(), /Re-enter the AccessKey secret to test a different endpoint\./);
    assert.equal(queries(), before);
    await closeTray('#node-config-dialog-cancel');
    assert.equal(
      await page.evaluate((id) => RED.nodes.node(id).endpoint, configId),
      emu().url,
      'Cancel kept the typed endpoint',
    );
    assert.equal(ignoredConsole.length, 0, `ignored console errors: ${ignoredConsole.join('; ')}`);
    assert.deepEqual(consoleErrors, []);
  });

  it('logged no browser console errors and no secret in any answer of Node-RED', async () => {
    assert.deepEqual(consoleErrors, []);
    const captured = (await Promise.all(responses)).filter((r): r is Captured => !!r);
    for (const secret of [ACCESS_KEY_SECRET, WRONG_SECRET, AUTH_KEY]) {
      assert.deepEqual(
        captured.filter((r) => r.body.includes(secret)).map((r) => r.url),
        [],
        `a response holds "${secret}"`,
      );
      assert.deepEqual(
        wsFrames.filter((f) => f.includes(secret)),
        [],
        `a comms frame holds "${secret}"`,
      );
    }
  });
});
