/**
 * Each Agora node's DEFAULTS equal its dialog's `defaults`, and a node deployed with only its
 * type, wires and config reference behaves as those defaults say.
 */
import fs from 'fs';
import path from 'path';
import vm from 'vm';
import should from 'should';
import { AgoraEmulator } from '../emulator/agora';
import {
  agoraConfig,
  agoraCredentials,
  AGORA_TYPES,
  freshChannel,
  helper,
  loadAgora,
  send,
  startEmulator,
} from './agora-harness';

type Msg = Record<string, any>;
const ROOT = path.join(__dirname, '..', '..');

/** What the editor scripts of `types` register, run in a sandbox like test/support/editor-definitions.ts. */
function dialogs(types: string[]): Map<string, Msg> {
  const found = new Map<string, Msg>();
  const anything: any = new Proxy(function () {}, {
    get: (_t, p) => (p === Symbol.toPrimitive ? () => '' : anything),
    apply: () => anything,
  });
  const RED = {
    _: (k: string) => k,
    nodes: { registerType: (type: string, def: Msg) => found.set(type, def), node: () => null },
    validators: anything,
    utils: anything,
    settings: {},
  };
  const context = vm.createContext({
    window: {},
    RED,
    $: anything,
    jQuery: anything,
    console,
    URL,
    document: anything,
  });
  vm.runInContext(fs.readFileSync(path.join(ROOT, 'resources', 'editor.js'), 'utf8'), context);
  for (const type of types) {
    const html = fs.readFileSync(path.join(ROOT, 'nodes', `${type}.html`), 'utf8');
    for (const m of html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g))
      vm.runInContext(m[1], context);
  }
  return found;
}

describe('Agora STT runtime defaults', function () {
  this.timeout(20000);

  it("exports DEFAULTS equal to each dialog's defaults, and palette labels that name the vendor", () => {
    const defs = dialogs(AGORA_TYPES);
    for (const type of AGORA_TYPES) {
      const def = defs.get(type);
      should.exist(def, type);
      const values = Object.fromEntries(Object.entries(def!.defaults as Msg).map(([k, v]) => [k, v.value]));
      require(`../../nodes/${type}`).DEFAULTS.should.eql(values, type);
      def!.category.should.equal(type === 'agora-config' ? 'config' : 'speech');
      const en = JSON.parse(fs.readFileSync(path.join(ROOT, 'nodes', 'locales', 'en-US', `${type}.json`), 'utf8'));
      en.paletteLabel.should.match(/^Agora STT /);
    }
  });

  describe('nodes deployed with only type, wires and config', () => {
    let emulator: AgoraEmulator;
    before(async () => {
      emulator = await startEmulator();
    });
    after(() => emulator.close());
    beforeEach(async () => {
      emulator.reset();
      await helper.startServer();
    });
    afterEach(async () => {
      await helper.unload();
      await helper.stopServer();
    });

    it('config: v7 at https://api.agora.io, 10 s timeout, 3 retries', async () => {
      await loadAgora([{ id: 'cfg', type: 'agora-config', appId: 'a'.repeat(32) }], {});
      helper.getNode('cfg').settings.should.eql({
        appId: 'a'.repeat(32),
        apiVersion: 'v7',
        endpoint: 'https://api.agora.io',
        timeoutMs: 10000,
        maxRetries: 3,
      });
    });

    it('start: languages en-US, everything else from msg.payload; query, update and stop read msg.taskId and msg.agora', async () => {
      const minimal = (id: string, type: string) => ({ id, type, agora: 'cfg', wires: [['out']] });
      await loadAgora(
        [
          agoraConfig(emulator),
          minimal('start', 'agora-stt-start'),
          minimal('query', 'agora-stt-query'),
          minimal('update', 'agora-stt-update'),
          minimal('stop', 'agora-stt-stop'),
        ],
        agoraCredentials(),
      );
      const channel = freshChannel();
      const started = await send('start', { payload: { rtcConfig: { channelName: channel, pubBotUid: '5' } } });
      should.not.exist(started.error, JSON.stringify(started.error));
      const join = emulator.requests.find((r) => r.action === 'join')!;
      (join.body as Msg).languages.should.eql(['en-US']);
      should((join.body as Msg).translateConfig).be.undefined();
      should((join.body as Msg).rtcConfig.enableJsonProtocol).be.undefined();
      (await send('query', started.msg!)).msg!.payload.agent_id.should.equal(started.msg!.taskId);
      const updated = await send('update', { ...started.msg, payload: { languages: ['fr-FR'] } }, 12000);
      should.not.exist(updated.error, JSON.stringify(updated.error));
      (await send('stop', started.msg!)).msg!.taskId.should.equal(started.msg!.taskId);
    });
  });
});
