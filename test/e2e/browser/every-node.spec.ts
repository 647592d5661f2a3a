/**
 * What a newcomer sees of EVERY node type this package registers (read from the editor's
 * registry and checked against package.json's node list, so a new vendor's nodes are held to
 * the same bar as soon as they are in package.json), in en-US, zh-CN and ja, at 1280x720 and
 * at 1400x900, in one Node-RED and one browser page:
 *
 * - every example imports into a clean editor one after another with no "nodes already exist"
 *   conflict, no invalid node, and no address that nothing answers (a websocket client);
 * - a node added with only its type (as the Admin API or a hand-written flow adds it) is valid
 *   exactly when the same node with its dialog's defaults is, and its dialog opens with no
 *   field marked invalid that the defaults satisfy;
 * - no help page scrolls sideways (code and examples wrap);
 * - no dialog, help page or palette label shows a raw placeholder (`__value__`) or a
 *   catalogue key (`label.path`) as text; no palette label breaks inside a word;
 * - zh-CN and ja dialogs have no label left in English (a label identical to the English one
 *   that holds an English word), and every Test connection answers in the editor's language,
 *   naming fields as the dialog does;
 * - one dialog layout at both sizes: labels on one line and not cut, no select cutting its
 *   options, fields ending at one right edge, tip boxes no wider than the fields;
 * - every character shown has a glyph in the installed fonts (no empty boxes).
 *
 * Screenshots of every dialog and help page go to .tmp/screenshots/every-node/.
 */
import assert from 'assert/strict';
import fs from 'fs';
import path from 'path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { readExamples } from '../example-flows';
import { PACKAGE_NAME, REPO_ROOT, startNodeRedInstance, type NodeRedProcess } from '../node-red-process';

declare const RED: any;
declare const $: any;
declare const document: any;
declare const localStorage: any;
declare const getComputedStyle: any;
declare const requestAnimationFrame: any;

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = path.join(REPO_ROOT, '.tmp', 'screenshots', 'every-node');
const LANGS = ['en-US', 'zh-CN', 'ja'];
/** Dialogs open at 1280x720 (a laptop, a projector), then the window grows to a roomy size. */
const SIZES = [
  { width: 1280, height: 720 },
  { width: 1400, height: 900 },
];
/** Node sets in package.json that register node types (speech-common only holds a catalogue). */
const PACKAGE_TYPES = Object.keys(
  JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'))['node-red'].nodes as Record<string, string>,
).filter((set) => fs.existsSync(path.join(REPO_ROOT, 'nodes', `${set}.html`)));
/** Each config node's Test connection route, and a body it must refuse (naming the field). */
const TESTS: Record<string, { body: Record<string, string>; names: RegExp }> = {
  'aliyun-live-config': {
    body: { endpoint: 'not a url', accessKeyId: 'k', accessKeySecret: 's' },
    names: /not a url/,
  },
  'agora-config': {
    body: { endpoint: 'https://api.agora.io', appId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', customerSecret: 's' },
    names: /Customer ID|客户 ID|カスタマー ID/,
  },
  'unisound-config': { body: { endpoint: 'https://maas-api.unisound.com' }, names: /API key|API 密钥|API キー/ },
};
/** Catalogue keys shown as text: "label.path", "tip.callbackUrl", … */
const RAW_KEY =
  /(^|[\s(])(label|tip|placeholder|invalid|status|errors|button|unit|result|validation|field)\.[a-zA-Z_]+\b/;
const RAW_PLACEHOLDER = /__[A-Za-z0-9]+__/;

interface DialogFacts {
  labels: { text: string; wraps: boolean; cut: boolean }[];
  fieldRights: number[];
  tipRights: number[];
  overflow: number;
  text: string;
  cutSelects: string[];
  invalid: string[];
}

describe('e2e (browser): every node type of the package, in every language', function () {
  this.timeout(180000);
  let red: NodeRedProcess | undefined;
  let browser: Browser | undefined;
  const english = new Map<string, string[]>();

  before(async function () {
    if (!fs.existsSync(CHROMIUM))
      throw new Error(`Chromium not found at ${CHROMIUM}: run "bash test/e2e/browser/install-chromium.sh".`);
    fs.mkdirSync(SHOTS, { recursive: true });
    red = await startNodeRedInstance({ install: 'link' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
  });

  after(async function () {
    await page?.context().close();
    await browser?.close();
    await red?.stop();
  });

  let page: Page | undefined;
  /** The one page, (re)loaded in `lang` at the first size. */
  async function openEditor(lang: string): Promise<Page> {
    if (!page) {
      const context = await browser!.newContext({ viewport: SIZES[0], locale: 'en-US', timezoneId: 'UTC' });
      page = await context.newPage();
      page.setDefaultTimeout(15000);
      await page.goto(`${red!.adminUrl}/`);
    }
    await page.setViewportSize(SIZES[0]);
    await page.evaluate((l: string) => localStorage.setItem('editor-language', l), lang);
    await page.goto(`${red!.adminUrl}/`);
    await page.waitForFunction(
      () =>
        typeof RED !== 'undefined' &&
        RED.nodes &&
        RED.workspaces &&
        RED.workspaces.active() &&
        document.querySelector('.red-ui-palette-node'),
      null,
      { timeout: 30000 },
    );
    await page.evaluate(() => RED.actions.invoke('core:toggle-show-tips', false));
    return page;
  }

  /** Two animation frames: the editor has laid out what the last change asked for. */
  const frames = (p: Page): Promise<void> =>
    p.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));

  /** The package's node types, as the editor registered them (config nodes included). */
  const packageTypes = (page: Page): Promise<{ type: string; config: boolean }[]> =>
    page.evaluate((module: string) => {
      const out: { type: string; config: boolean }[] = [];
      RED.nodes.registry.getNodeTypes().forEach((type: string) => {
        const def = RED.nodes.getType(type);
        if (def && def.set && def.set.module === module) out.push({ type, config: def.category === 'config' });
      });
      return out;
    }, PACKAGE_NAME);

  async function dialogFacts(page: Page, config: boolean): Promise<DialogFacts> {
    return page.evaluate((config: boolean) => {
      const form = config ? $('#node-config-dialog-edit-form') : $('form#dialog-form').last();
      const visible = (e: any) => $(e).is(':visible');
      const labels = form
        .find('.form-row > label:first-child')
        .filter((_i: number, e: any) => visible(e) && $(e).text().trim() !== '')
        .toArray()
        .map((e: any) => ({
          text: $(e).text().trim(),
          wraps: e.getBoundingClientRect().height > 30,
          cut: e.scrollWidth > e.clientWidth + 1,
        }));
      // A row whose field is as wide as the row allows: where its last part (field, or field and button) ends.
      const rows = form
        .find('.form-row')
        .filter((_i: number, r: any) => visible(r) && $(r).children('label:first-child').length > 0)
        .toArray();
      const wideRows = rows.filter((r: any) =>
        [...r.children].some(
          (c: any) =>
            c.tagName !== 'LABEL' &&
            visible(c) &&
            c.getBoundingClientRect().width > r.getBoundingClientRect().width * 0.4,
        ),
      );
      const fields = wideRows.map((r: any) => ({
        getBoundingClientRect: () => ({
          right: Math.max(
            ...[...r.children].filter((c: any) => visible(c)).map((c: any) => c.getBoundingClientRect().right),
          ),
        }),
      }));
      const tips = form
        .find('.form-tips')
        .filter((_i: number, e: any) => visible(e))
        .toArray();
      // A select must show its longest option whole (the arrow takes about 20 px).
      const measure = document.createElement('span');
      measure.style.cssText = 'position:absolute;visibility:hidden;white-space:pre';
      document.body.appendChild(measure);
      const cutSelects = form
        .find('select')
        .filter((_i: number, e: any) => visible(e))
        .toArray()
        .flatMap((sel: any) => {
          const cs = getComputedStyle(sel);
          measure.style.font = cs.font;
          const room = sel.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 20;
          // Not Node-RED's own "Add new <config node>..." entry of a config select.
          return [...sel.options]
            .filter((o: any) => o.value !== '_ADD_')
            .filter((o: any) => {
              measure.textContent = o.text;
              return measure.getBoundingClientRect().width > room + 1;
            })
            .map((o: any) => `select #${sel.id} cuts "${o.text}"`);
        });
      measure.remove();
      const body = form.closest('.red-ui-tray-body')[0] || form[0];
      const text =
        form
          .find('label, .form-tips, button, span, option')
          .filter((_i: number, e: any) => visible(e))
          .toArray()
          .map((e: any) => $(e).text())
          .join('\n') +
        '\n' +
        form
          .find('input[placeholder]')
          .toArray()
          .map((e: any) => e.getAttribute('placeholder'))
          .join('\n');
      return {
        labels,
        fieldRights: fields.map((e: any) => Math.round(e.getBoundingClientRect().right)),
        tipRights: tips.map((e: any) => Math.round(e.getBoundingClientRect().right)),
        overflow: body.scrollWidth - body.clientWidth,
        text,
        cutSelects,
        invalid: form
          .find('.input-error')
          .filter((_i: number, e: any) => visible(e))
          .toArray()
          // A TypedInput marks its container, which follows the input it stands for.
          .map((e: any) => e.id || $(e).prev('input[id]').attr('id') || e.className),
      };
    }, config);
  }

  it('en-US: every example imports into a clean editor with no conflict, no invalid node and no dead address', async () => {
    const p = await openEditor('en-US');
    const problems: string[] = [];
    for (const example of readExamples()) {
      const outcome = await p.evaluate((flows: any[]) => {
        const clashes = flows.filter((n) => RED.nodes.node(n.id) || RED.nodes.workspace(n.id)).map((n) => n.id);
        try {
          RED.view.importNodes(JSON.parse(JSON.stringify(flows)), { generateIds: false, addFlow: false });
        } catch (err: any) {
          return { clashes, error: String(err?.code || err) };
        }
        const invalid: string[] = [];
        for (const n of flows) {
          const node = RED.nodes.node(n.id);
          if (!node) continue;
          RED.editor.validateNode(node);
          if (node.valid === false) invalid.push(`${n.type} ${n.id}: ${JSON.stringify(node.validationErrors)}`);
        }
        return { clashes, error: '', invalid };
      }, example.flows);
      if (outcome.clashes.length)
        problems.push(`${example.name}: ids already in the editor: ${outcome.clashes.join(', ')}`);
      if (outcome.error) problems.push(`${example.name}: import failed: ${outcome.error}`);
      for (const i of outcome.invalid ?? []) problems.push(`${example.name}: invalid ${i}`);
      for (const n of example.flows)
        if (n.type === 'websocket-client') problems.push(`${example.name}: dials ${n.path}, which nothing may answer`);
    }
    // No conflict dialog, no error notification.
    const shown = await p.evaluate(() =>
      $('.red-ui-notification-error:visible, .red-ui-notification-warning:visible, .ui-dialog:visible')
        .toArray()
        .map((e: any) => $(e).text().trim())
        .join(' | '),
    );
    if (shown) problems.push(`the editor shows: ${shown}`);
    assert.deepEqual(problems, []);
  });

  for (const lang of LANGS) {
    it(`${lang}: every node added with only its type, every dialog at ${SIZES.map((z) => `${z.width}x${z.height}`).join(' and ')}, every help page and every Test connection answer reads whole and in ${lang}`, async () => {
      const p = await openEditor(lang);
      const types = await packageTypes(p);
      assert.deepEqual(
        PACKAGE_TYPES.filter((t) => !types.some((x) => x.type === t)),
        [],
        'node types in package.json that the editor did not register',
      );
      const problems: string[] = [];
      const category = await p.evaluate(() => $('#red-ui-palette-header-speech > span').text());
      if (lang !== 'en-US' && category === 'speech') problems.push(`palette category "speech" is not translated`);
      let shownText = '';

      for (const { type, config } of types) {
        // Help, in the sidebar at its default width.
        await p.evaluate((type: string) => RED.sidebar.help.show(type), type);
        await p.waitForFunction(
          () =>
            (
              document.querySelector('.red-ui-sidebar-help-stack .red-ui-help') ||
              document.querySelector('.red-ui-help')
            )?.textContent,
        );
        await frames(p);
        const help = await p.evaluate(() => {
          const box =
            document.querySelector('.red-ui-sidebar-help-stack .red-ui-help') || document.querySelector('.red-ui-help');
          const panel = box ? box.closest('.red-ui-panel') || box.parentElement : null;
          const wide = box
            ? [...box.querySelectorAll('*')]
                .filter((e: any) => e.scrollWidth > e.clientWidth + 2 && getComputedStyle(e).overflowX !== 'visible')
                .map((e: any) => `${e.tagName}: ${e.scrollWidth - e.clientWidth}px`)
            : ['no help'];
          // A code block's lines start where the block does: no stray indentation from the source.
          const indented = box
            ? [...box.querySelectorAll('pre')]
                .filter((e: any) => /\n( | {3})\S/.test(e.textContent))
                .map((e: any) => e.textContent.slice(0, 40))
                // Inline code shows the source's line breaks and indentation only if it keeps white space.
                .concat(
                  [...box.querySelectorAll('code')]
                    .filter((e: any) => !e.closest('pre') && /\n\s/.test(e.textContent))
                    .filter((e: any) => /^pre/.test(getComputedStyle(e).whiteSpace))
                    .map((e: any) => e.textContent.slice(0, 40)),
                )
            : [];
          return {
            text: box ? box.innerText : '',
            wide,
            indented,
            overflow: panel ? panel.scrollWidth - panel.clientWidth : -1,
          };
        });
        if (help.overflow > 1) problems.push(`${type} help scrolls sideways by ${help.overflow}px`);
        for (const w of help.wide) problems.push(`${type} help: ${w} of hidden overflow`);
        for (const i of help.indented) problems.push(`${type} help: code block with stray indentation: ${i}`);
        if (RAW_PLACEHOLDER.test(help.text)) problems.push(`${type} help shows ${RAW_PLACEHOLDER.exec(help.text)![0]}`);
        shownText += help.text;
        await p.screenshot({ path: path.join(SHOTS, `${lang}-${type}-help.png`) });

        // The node as the Admin API adds it: its type (and position) only. It must be exactly as
        // valid as the same node with its dialog's defaults.
        const added = await p.evaluate(
          ({ type, config }: { type: string; config: boolean }) => {
            const def = RED.nodes.getType(type);
            const make = (applyNodeDefaults: boolean) => {
              const n: any = { id: RED.nodes.id(), type, wires: [] };
              if (!config) Object.assign(n, { x: 300, y: 200, z: RED.workspaces.active() });
              RED.nodes.import([n], { generateIds: false, applyNodeDefaults });
              const node = RED.nodes.node(n.id);
              RED.editor.validateNode(node);
              return node;
            };
            const withDefaults = make(true);
            const bare = make(false);
            // Fields the defaults cannot satisfy (a config reference, an App ID) may show as invalid.
            const unmet = Object.keys(def.defaults || {}).filter((k) => {
              const d = def.defaults[k];
              if (d.type) return true;
              if (typeof d.validate !== 'function') return !!d.required && (d.value === '' || d.value === undefined);
              return d.validate.call(withDefaults, withDefaults[k], {}) !== true;
            });
            const result = {
              id: bare.id,
              bare: bare.validationErrors || [],
              defaults: withDefaults.validationErrors || [],
              unmet,
            };
            RED.nodes.remove(withDefaults.id);
            RED.view.redraw(true);
            return result;
          },
          { type, config },
        );
        if (JSON.stringify(added.bare) !== JSON.stringify(added.defaults))
          problems.push(
            `${type} added with only its type: errors ${JSON.stringify(added.bare)}, with its defaults ${JSON.stringify(added.defaults)}`,
          );

        // Its dialog.
        if (config) {
          await p.evaluate((id: string) => RED.editor.editConfig('', RED.nodes.node(id).type, id), added.id);
          await p.locator('#node-config-dialog-ok').waitFor({ state: 'visible' });
        } else {
          await p.evaluate((id: string) => RED.editor.edit(RED.nodes.node(id)), added.id);
          await p.locator('#node-dialog-ok').waitFor({ state: 'visible' });
        }
        await p.waitForFunction(
          (config: boolean) =>
            !$('.red-ui-tray').is(':animated') &&
            (config ? $('#node-config-dialog-edit-form') : $('form#dialog-form')).length > 0,
          config,
        );
        for (const size of SIZES) {
          await p.setViewportSize(size);
          await frames(p);
          const facts = await dialogFacts(p, config);
          const at = `${type} at ${size.width}x${size.height}`;
          for (const l of facts.labels) {
            if (l.wraps) problems.push(`${at}: label "${l.text}" wraps`);
            if (l.cut) problems.push(`${at}: label "${l.text}" is cut off`);
          }
          for (const c of facts.cutSelects) problems.push(`${at}: ${c}`);
          const right = Math.max(...facts.fieldRights);
          if (facts.fieldRights.some((r) => Math.abs(r - right) > 2))
            problems.push(`${at}: fields end at different edges ${[...new Set(facts.fieldRights)].join(', ')}`);
          if (facts.tipRights.some((r) => r > right + 2))
            problems.push(`${at}: a tip box ends at ${Math.max(...facts.tipRights)}, the fields at ${right}`);
          if (facts.overflow > 1) problems.push(`${at}: the dialog scrolls sideways by ${facts.overflow}px`);
          for (const id of facts.invalid)
            if (!added.unmet.some((k) => id.endsWith(`-${k}`)))
              problems.push(`${at}: "${id}" is marked invalid though its default is valid`);
          if (size === SIZES[0]) {
            for (const re of [RAW_PLACEHOLDER, RAW_KEY]) {
              const m = re.exec(facts.text);
              if (m) problems.push(`${type}: dialog shows "${m[0].trim()}"`);
            }
            shownText += facts.text;
            const labels = facts.labels.map((l) => l.text);
            if (lang === 'en-US') english.set(type, labels);
            else {
              for (const text of labels) {
                if ((english.get(type) ?? []).includes(text) && /\b[a-z]{4,}\b/.test(text))
                  problems.push(`${type}: label "${text}" is not translated`);
              }
            }
          }
          await p.screenshot({ path: path.join(SHOTS, `${lang}-${type}-dialog-${size.width}.png`) });
        }
        if (type === 'transcript-captions') {
          // The caption preview: the sample sentences whole, in the editor's language.
          await p.waitForFunction(() => {
            const doc = ($('#transcript-captions-preview')[0] as any)?.contentDocument;
            return doc && doc.body && doc.body.getAttribute('data-state') === 'demo';
          });
          const preview = await p.evaluate(() => {
            const doc = ($('#transcript-captions-preview')[0] as any).contentDocument;
            const stage = doc.getElementById('stage');
            const cut = [...stage.querySelectorAll('*')].filter((e: any) => e.scrollWidth > e.clientWidth + 1).length;
            return { text: stage.textContent as string, cut };
          });
          if (preview.cut) problems.push(`caption preview cuts ${preview.cut} line(s): ${preview.text}`);
          if (lang !== 'en-US' && !/[\u3040-\u30ff\u3400-\u9fff]/.test(preview.text))
            problems.push(`caption preview sample is not translated: ${preview.text}`);
        }
        await p.setViewportSize(SIZES[0]);
        await p.locator(config ? '#node-config-dialog-cancel' : '#node-dialog-cancel').click();
        await p.waitForFunction(() => RED.editor.getEditStack().length === 0, null, { timeout: 10000 });
        await p.evaluate((id: string) => {
          RED.nodes.remove(id);
          RED.view.redraw(true);
        }, added.id);
      }

      // Test connection answers in the editor's language, naming the value or the dialog's field.
      for (const [route, { body, names }] of Object.entries(TESTS)) {
        const answer = await p.evaluate(
          ({ route, body }: { route: string; body: Record<string, string> }) =>
            new Promise<any>((resolve) =>
              $.ajax({
                url: `${route}/test`,
                type: 'POST',
                contentType: 'application/json',
                dataType: 'json',
                headers: { 'Accept-Language': RED.i18n.lang() },
                data: JSON.stringify(body),
              }).always((res: any) => resolve(res)),
            ),
          { route, body },
        );
        const message = String(answer?.message);
        if (answer?.ok !== false) problems.push(`${route} Test connection accepted ${JSON.stringify(body)}`);
        if (RAW_PLACEHOLDER.test(message)) problems.push(`${route} Test connection shows ${message}`);
        if (!names.test(message))
          problems.push(`${route} Test connection does not name the field or value: ${message}`);
        if (/\b(apiKey|customerId|customerSecret|accessKeyId|endpoint)\b/.test(message))
          problems.push(`${route} Test connection names an internal field: ${message}`);
        // English left in the answer, apart from the values it quotes back.
        const prose = Object.values(body).reduce((m, v) => m.split(v).join(''), message);
        if (lang !== 'en-US' && (!/[\u3040-\u30ff\u3400-\u9fff]/.test(prose) || /\b[a-z]+ [a-z]+ [a-z]+\b/.test(prose)))
          problems.push(`${route} Test connection answers in English: ${message}`);
      }

      // Palette labels: no raw keys, and broken only between words.
      const palette = await p.evaluate(() =>
        $('#red-ui-palette-container-speech .red-ui-palette-node')
          .toArray()
          .map((e: any) => ({
            label: RED.utils.getPaletteLabel
              ? RED.utils.getPaletteLabel(
                  $(e).attr('data-palette-type'),
                  RED.nodes.getType($(e).attr('data-palette-type')),
                )
              : '',
            lines: ($(e).find('.red-ui-palette-label').html() as string).split(/<br\/?>/),
          })),
      );
      for (const { label, lines } of palette) {
        const all = lines.join('\n');
        if (RAW_PLACEHOLDER.test(all) || RAW_KEY.test(all)) problems.push(`palette shows ${all}`);
        const words = new Set(String(label).split(/[ -]/));
        for (const line of lines)
          for (const w of line.split(/[ -]/))
            if (label && w && !words.has(w))
              problems.push(`palette label "${label}" breaks inside a word: "${lines.join('|')}"`);
        shownText += all;
      }

      // Every character shown has a glyph: drawn, it differs from the font's "missing" box.
      const missing = await p.evaluate((text: string) => {
        const chars = [...new Set([...text].filter((c) => c.codePointAt(0)! > 0x2000 && !/\s/.test(c)))];
        const canvas = document.createElement('canvas');
        canvas.width = 40;
        canvas.height = 40;
        const ctx = canvas.getContext('2d');
        ctx.font = getComputedStyle(document.body).font.replace(/\d+px/, '28px');
        const draw = (c: string) => {
          ctx.clearRect(0, 0, 40, 40);
          ctx.fillText(c, 4, 32);
          return ctx.getImageData(0, 0, 40, 40).data.join(',');
        };
        const none = draw('\u{10FFFD}');
        return chars.filter((c) => draw(c) === none);
      }, shownText);
      if (missing.length)
        problems.push(`no glyph for ${missing.map((c) => `U+${c.codePointAt(0)!.toString(16)}`).join(' ')}`);
      assert.deepEqual(problems, []);
    });
  }
});
