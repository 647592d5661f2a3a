/**
 * Runs the package's editor scripts (resources/editor.js, then each node's HTML scripts) in a
 * sandbox with a stand-in for the editor's RED, and returns what each node type registers. Tests
 * compare the dialogs' `defaults` with what the runtime applies, so the two cannot drift apart.
 */
import fs from 'fs';
import path from 'path';
import vm from 'vm';

const ROOT = path.join(__dirname, '..', '..');

export interface EditorDefinition {
  type: string;
  category?: string;
  defaults: Record<string, { value?: unknown; type?: string; required?: boolean }>;
  credentials?: Record<string, { type?: string }>;
  raw: Record<string, unknown>;
}

/** The node types package.json declares, with the HTML file each one's editor lives in. */
export function declaredNodeSets(): Array<{ set: string; js: string; html: string }> {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return Object.entries(pkg['node-red'].nodes as Record<string, string>).map(([set, js]) => ({
    set,
    js: path.join(ROOT, js),
    html: path.join(ROOT, js.replace(/\.js$/, '.html')),
  }));
}

function inlineScripts(html: string): string[] {
  const out: string[] = [];
  const re = /<script type="text\/javascript">([\s\S]*?)<\/script>/g;
  for (let m = re.exec(html); m; m = re.exec(html)) out.push(m[1]);
  return out;
}

export function editorDefinitions(): Map<string, EditorDefinition> {
  const found = new Map<string, EditorDefinition>();
  const anything: any = new Proxy(function () {}, {
    get: (_t, prop) => (prop === Symbol.toPrimitive ? () => '' : anything),
    apply: () => anything,
  });
  const RED = {
    _: (key: string) => key,
    nodes: {
      registerType(type: string, def: Record<string, any>) {
        found.set(type, {
          type,
          category: def.category,
          defaults: def.defaults ?? {},
          credentials: def.credentials,
          raw: def,
        });
      },
      node: () => null,
      eachConfig: () => undefined,
    },
    validators: anything,
    utils: anything,
    settings: {},
  };
  const window: Record<string, unknown> = {};
  const context = vm.createContext({ window, RED, $: anything, jQuery: anything, console, URL, document: anything });
  vm.runInContext(fs.readFileSync(path.join(ROOT, 'resources', 'editor.js'), 'utf8'), context);
  for (const { html } of declaredNodeSets()) {
    if (!fs.existsSync(html)) continue;
    for (const script of inlineScripts(fs.readFileSync(html, 'utf8'))) vm.runInContext(script, context);
  }
  return found;
}

/** A definition's `defaults` as plain values, the way a node's DEFAULTS export states them. */
export function defaultValues(def: EditorDefinition): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(def.defaults)) if (spec && 'value' in spec) out[k] = spec.value;
  return out;
}
