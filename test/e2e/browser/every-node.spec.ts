/**
 * What a newcomer sees of EVERY node type this package registers (read from the editor's
 * registry, so a new vendor's nodes are held to the same bar as soon as they are in
 * package.json), in en-US, zh-CN and ja, at the editor's default sidebar width:
 *
 * - no help page scrolls sideways (code and examples wrap);
 * - no dialog, help page or palette label shows a raw placeholder (`__value__`) or a
 *   catalogue key (`label.path`) as text;
 * - zh-CN and ja dialogs have no label left in English (a label identical to the English one
 *   that holds an English word);
 * - one dialog layout: labels on one line, fields ending at one right edge, tip boxes no
 *   wider than the fields.
 *
 * Screenshots of every dialog and help page go to .tmp/screenshots/every-node/.
 */
import assert from 'assert/strict';
import fs from 'fs';
import path from 'path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PACKAGE_NAME, REPO_ROOT, startNodeRedInstance, type NodeRedProcess } from '../node-red-process';

declare const RED: any;
declare const $: any;
declare const document: any;
declare const localStorage: any;
declare const getComputedStyle: any;

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = path.join(REPO_ROOT, '.tmp', 'screenshots', 'every-node');
const LANGS = ['en-US', 'zh-CN', 'ja'];
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
    await browser?.close();
    await red?.stop();
  });

  async function openEditor(lang: string): Promise<Page> {
    const context = await browser!.newContext({
      viewport: { width: 1400, height: 900 },
      locale: lang,
      timezoneId: 'UTC',
    });
    await context.addInitScript((l: string) => localStorage.setItem('editor-language', l), lang);
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
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
      };
    }, config);
  }

  for (const lang of LANGS) {
    it(`${lang}: every help page wraps, and no dialog, help or palette label shows a placeholder, a key or (zh-CN, ja) English left untranslated`, async () => {
      const page = await openEditor(lang);
      const types = await packageTypes(page);
      assert.ok(types.length >= 6, `only ${types.length} package node types registered`);
      const problems: string[] = [];
      const category = await page.evaluate(() => $('#red-ui-palette-header-speech > span').text());
      if (lang !== 'en-US' && category === 'speech') problems.push(`palette category "speech" is not translated`);

      for (const { type, config } of types) {
        // Help, in the sidebar at its default width.
        await page.evaluate((type: string) => RED.sidebar.help.show(type), type);
        await page.waitForTimeout(150);
        const help = await page.evaluate(() => {
          const box =
            document.querySelector('.red-ui-sidebar-help-stack .red-ui-help') || document.querySelector('.red-ui-help');
          const panel = box ? box.closest('.red-ui-panel') || box.parentElement : null;
          const wide = box
            ? [...box.querySelectorAll('*')]
                .filter((e: any) => e.scrollWidth > e.clientWidth + 2 && getComputedStyle(e).overflowX !== 'visible')
                .map((e: any) => `${e.tagName}: ${e.scrollWidth - e.clientWidth}px`)
            : ['no help'];
          return {
            text: box ? box.innerText : '',
            wide,
            overflow: panel ? panel.scrollWidth - panel.clientWidth : -1,
            width: box ? box.getBoundingClientRect().width : 0,
          };
        });
        if (help.overflow > 1) problems.push(`${type} help scrolls sideways by ${help.overflow}px`);
        for (const w of help.wide) problems.push(`${type} help: ${w} of hidden overflow`);
        if (RAW_PLACEHOLDER.test(help.text)) problems.push(`${type} help shows ${RAW_PLACEHOLDER.exec(help.text)![0]}`);
        await page.screenshot({ path: path.join(SHOTS, `${lang}-${type}-help.png`) });

        // The dialog.
        if (config) {
          await page.evaluate((type: string) => RED.editor.editConfig('', type, '_ADD_'), type);
          await page.locator('#node-config-dialog-ok').waitFor({ state: 'visible' });
        } else {
          const id: string = await page.evaluate((type: string) => {
            const r = RED.nodes.import(
              [{ id: RED.nodes.id(), type, x: 300, y: 200, z: RED.workspaces.active(), wires: [] }],
              { generateIds: false, applyNodeDefaults: true },
            );
            RED.view.redraw(true);
            return r.nodes[0].id;
          }, type);
          await page.evaluate((id: string) => RED.editor.edit(RED.nodes.node(id)), id);
          await page.locator('#node-dialog-ok').waitFor({ state: 'visible' });
        }
        await page.waitForTimeout(400);
        // After the picture: taking it resizes the page, and the dialog must stay in shape after a resize.
        await page.screenshot({ path: path.join(SHOTS, `${lang}-${type}-dialog.png`) });
        const facts = await dialogFacts(page, config);
        for (const l of facts.labels) {
          if (l.wraps) problems.push(`${type}: label "${l.text}" wraps`);
          if (l.cut) problems.push(`${type}: label "${l.text}" is cut off`);
        }
        const right = Math.max(...facts.fieldRights);
        if (facts.fieldRights.some((r) => Math.abs(r - right) > 2))
          problems.push(`${type}: fields end at different edges ${[...new Set(facts.fieldRights)].join(', ')}`);
        if (facts.tipRights.some((r) => r > right + 2))
          problems.push(`${type}: a tip box ends at ${Math.max(...facts.tipRights)}, the fields at ${right}`);
        if (facts.overflow > 1) problems.push(`${type}: the dialog scrolls sideways by ${facts.overflow}px`);
        for (const re of [RAW_PLACEHOLDER, RAW_KEY]) {
          const m = re.exec(facts.text);
          if (m) problems.push(`${type}: dialog shows "${m[0].trim()}"`);
        }
        const labels = facts.labels.map((l) => l.text);
        if (lang === 'en-US') english.set(type, labels);
        else {
          for (const text of labels) {
            if ((english.get(type) ?? []).includes(text) && /\b[a-z]{4,}\b/.test(text))
              problems.push(`${type}: label "${text}" is not translated`);
          }
        }
        await page.locator(config ? '#node-config-dialog-cancel' : '#node-dialog-cancel').click();
        await page.waitForFunction(() => RED.editor.getEditStack().length === 0, null, { timeout: 10000 });
        await page.waitForTimeout(300);
      }
      // Test connection answers in the editor's language, with the value where a placeholder was.
      const answer = await page.evaluate(
        () =>
          new Promise<any>((resolve) =>
            $.ajax({
              url: 'aliyun-live-config/test',
              type: 'POST',
              contentType: 'application/json',
              dataType: 'json',
              headers: { 'Accept-Language': RED.i18n.lang() },
              data: JSON.stringify({ endpoint: 'not a url', accessKeyId: 'k', accessKeySecret: 's' }),
            }).always((res: any) => resolve(res)),
          ),
      );
      if (RAW_PLACEHOLDER.test(String(answer?.message))) problems.push(`Test connection shows ${answer.message}`);
      if (!String(answer?.message).includes('not a url'))
        problems.push(`Test connection does not name the value: ${answer?.message}`);
      if (lang !== 'en-US' && !/[\u3040-\u30ff\u3400-\u9fff]/.test(String(answer?.message)))
        problems.push(`Test connection answers in English: ${answer?.message}`);
      const palette = await page.evaluate(() =>
        $('#red-ui-palette-container-speech .red-ui-palette-label')
          .toArray()
          .map((e: any) => $(e).text())
          .join('\n'),
      );
      if (RAW_PLACEHOLDER.test(palette) || RAW_KEY.test(palette)) problems.push(`palette shows ${palette}`);
      await page.context().close();
      assert.deepEqual(problems, []);
    });
  }
});
