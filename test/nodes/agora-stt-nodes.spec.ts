import should from 'should';
import { processStore } from '../../nodes/lib/state/memory-store';
import { recordStartClaims } from '../support/start-claims';
import { AgoraEmulator, AGORA_DEFAULTS, checkRtcToken } from '../emulator/agora';
import {
  agoraConfig,
  agoraCredentials,
  freshChannel,
  helper,
  loadAgora,
  resetPacing,
  send,
  shortPacing,
  startEmulator,
  UPDATE_SPACING_MS,
} from './agora-harness';

type Msg = Record<string, any>;

const startNode = (extra: Msg = {}) => ({
  id: 'start',
  type: 'agora-stt-start',
  agora: 'cfg',
  wires: [['out']],
  ...extra,
});
const queryNode = (extra: Msg = {}) => ({
  id: 'query',
  type: 'agora-stt-query',
  agora: 'cfg',
  wires: [['out']],
  ...extra,
});
const updateNode = (extra: Msg = {}) => ({
  id: 'update',
  type: 'agora-stt-update',
  agora: 'cfg',
  wires: [['out']],
  ...extra,
});
const stopNode = (extra: Msg = {}) => ({
  id: 'stop',
  type: 'agora-stt-stop',
  agora: 'cfg',
  wires: [['out']],
  ...extra,
});
const ALL = (cfg: Msg, start: Msg = {}) => [cfg, startNode(start), queryNode(), updateNode(), stopNode()];

const SECRETS = [AGORA_DEFAULTS.customerSecret, AGORA_DEFAULTS.appCertificate];

describe('Agora STT action nodes against the emulator', function () {
  this.timeout(20000);
  let emulator: AgoraEmulator;

  before(async () => {
    emulator = await startEmulator();
    shortPacing();
  });
  after(async () => {
    resetPacing();
    await emulator.close();
  });
  beforeEach(async () => {
    emulator.reset();
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  const requests = (action: string) => emulator.requests.filter((r) => r.action === action);

  describe('v7', () => {
    it('starts from the dialog (token built from the certificate), then queries, updates and stops', async () => {
      const channel = freshChannel();
      await loadAgora(
        ALL(agoraConfig(emulator), {
          channel,
          channelType: 'str',
          languages: 'en-US, zh-CN',
          pubBotUid: '88222',
          taskName: 'demo-task',
          subscribeAudioUids: '1001,1002',
          translate: true,
          translateLanguages: 'en-US: ja-JP, fr-FR',
          keywords: 'Agora, Node-RED',
          enableJsonProtocol: true,
          maxIdleTime: '60',
          maxIdleTimeType: 'num',
        }),
        agoraCredentials(),
      );
      const started = await send('start', { keep: 'me' });
      should.not.exist(started.error, JSON.stringify(started.error));
      const msg = started.msg!;
      msg.keep.should.equal('me');
      msg.taskId.should.be.a.String().and.equal(msg.payload.agent_id);
      msg.agora.should.containDeep({
        apiVersion: 'v7',
        taskId: msg.taskId,
        name: 'demo-task',
        channel,
        pubBotUid: '88222',
      });
      should(msg.agora.builderToken).be.undefined();
      const join = requests('join')[0];
      (join.body as Msg).should.containDeep({
        languages: ['en-US', 'zh-CN'],
        name: 'demo-task',
        maxIdleTime: 60,
        keywords: ['Agora', 'Node-RED'],
        rtcConfig: {
          channelName: channel,
          pubBotUid: '88222',
          subscribeAudioUids: ['1001', '1002'],
          enableJsonProtocol: true,
          pubBotToken: '***',
        },
        translateConfig: { languages: [{ source: 'en-US', target: ['ja-JP', 'fr-FR'] }] },
      });
      // The emulator accepted it, so the token verified; check it independently too.
      const agent = emulator.agents.get(msg.taskId)!;
      should(
        checkRtcToken(
          (agent as any).config.rtcConfig.pubBotToken,
          AGORA_DEFAULTS.appId,
          AGORA_DEFAULTS.appCertificate,
          channel,
          '88222',
          Math.floor(Date.now() / 1000),
        ),
      ).be.undefined();

      const queried = await send('query', msg);
      queried.msg!.payload.agent_id.should.equal(msg.taskId);
      queried.msg!.payload.status.should.be.oneOf('STARTING', 'RUNNING');
      queried.msg!.agora.state.should.equal(queried.msg!.payload.status.toLowerCase());

      const updated = await send('update', { ...queried.msg, payload: { languages: ['ja-JP'] } });
      should.not.exist(updated.error, JSON.stringify(updated.error));
      updated.msg!.agora.should.containDeep({ sequenceId: 1, updateMask: 'languages' });
      requests('update')[0].params.should.containDeep({ sequenceId: '1', updateMask: 'languages' });

      const stopped = await send('stop', updated.msg!);
      should.not.exist(stopped.error, JSON.stringify(stopped.error));
      stopped.msg!.payload.should.eql({});
      requests('leave').length.should.equal(1);
      for (const m of [msg, queried.msg, updated.msg, stopped.msg])
        for (const s of SECRETS) JSON.stringify(m).should.not.containEql(s);
    });

    it('shows the task id in a green status, and the code in a red ring on failure', async () => {
      const channel = freshChannel();
      await loadAgora([agoraConfig(emulator), startNode({ channel, pubBotUid: '7' })], agoraCredentials());
      const node = helper.getNode('start');
      const ok = await send('start', {});
      node.status.lastCall.args[0].should.eql({ fill: 'green', shape: 'dot', text: ok.msg!.taskId });
      const bad = await send('start', { payload: { languages: 'en-US' } });
      bad.error!.error.code.should.equal('InvalidInput');
      node.status.lastCall.args[0].should.eql({ fill: 'red', shape: 'ring', text: 'InvalidInput' });
    });

    it('takes the body from a function node (another realm), rtcConfig merged field by field', async () => {
      const channel = freshChannel();
      const fn = `msg.payload = { languages: ['de-DE'], name: 'fn-task', rtcConfig: { channelName: ${JSON.stringify(channel)}, unSubscribeAudioUids: ['5'] } }; return msg;`;
      await loadAgora(
        [
          agoraConfig(emulator),
          { id: 'fn', type: 'function', func: fn, outputs: 1, noerr: 0, wires: [['start']] },
          startNode({ channel: 'ignored', pubBotUid: '42', enableJsonProtocol: true }),
        ],
        agoraCredentials(),
      );
      const { msg, error } = await send('fn', { payload: 'go' });
      should.not.exist(error, JSON.stringify(error));
      msg!.agora.name.should.equal('fn-task');
      (requests('join')[0].body as Msg).should.containDeep({
        languages: ['de-DE'],
        name: 'fn-task',
        rtcConfig: { channelName: channel, pubBotUid: '42', unSubscribeAudioUids: ['5'], enableJsonProtocol: true },
      });
    });

    it('takes the body from JSON text in msg.payload (inject JSON, http in)', async () => {
      const channel = freshChannel();
      await loadAgora([agoraConfig(emulator), startNode()], agoraCredentials());
      const { msg, error } = await send('start', {
        payload: JSON.stringify({ languages: ['en-US'], rtcConfig: { channelName: channel, pubBotUid: '9' } }),
      });
      should.not.exist(error, JSON.stringify(error));
      msg!.agora.channel.should.equal(channel);
      msg!.agora.name.should.match(/^nr-/);
    });

    it('reports every validation problem at once as InvalidInput and sends nothing', async () => {
      await loadAgora(
        [agoraConfig(emulator), startNode({ languages: 'en-US,fr-FR,de-DE,ja-JP,zh-CN' })],
        agoraCredentials(),
      );
      const { error, msg } = await send('start', {
        payload: { maxIdleTime: -1, keywords: 'one', endpoint: 'http://203.0.113.9' },
      });
      should.not.exist(msg);
      error!.error.code.should.equal('InvalidInput');
      const fields = error!.error.cause.problems.map((p: Msg) => p.field);
      fields.should.containDeep([
        'languages',
        'maxIdleTime',
        'keywords',
        'rtcConfig.channelName',
        'rtcConfig.pubBotUid',
      ]);
      emulator.requests.length.should.equal(0);
    });

    it('sends the pub bot token from msg.payload instead of building one', async () => {
      const channel = freshChannel();
      await loadAgora([agoraConfig(emulator), startNode({ channel, pubBotUid: '11' })], agoraCredentials());
      const { error } = await send('start', { payload: { rtcConfig: { pubBotToken: '007notAValidToken' } } });
      error!.error.code.should.equal('InvalidToken');
      requests('join').length.should.equal(1);

      const { RtcTokenBuilder, RtcRole } = require('agora-token');
      const mine = RtcTokenBuilder.buildTokenWithUid(
        AGORA_DEFAULTS.appId,
        AGORA_DEFAULTS.appCertificate,
        channel,
        11,
        RtcRole.PUBLISHER,
        600,
        600,
      );
      const ok = await send('start', { payload: { rtcConfig: { pubBotToken: mine } } });
      should.not.exist(ok.error, JSON.stringify(ok.error));
      (emulator.agents.get(ok.msg!.taskId) as any).config.rtcConfig.pubBotToken.should.equal(mine);
    });

    it('builds no token without a certificate (for projects without one)', async () => {
      const open = await startEmulator({ apps: { [AGORA_DEFAULTS.appId]: {} } });
      try {
        await loadAgora(
          [agoraConfig(open), startNode({ channel: freshChannel(), pubBotUid: '12' })],
          agoraCredentials({}, false),
        );
        const { msg, error } = await send('start', {});
        should.not.exist(error, JSON.stringify(error));
        should((open.requests[0].body as Msg).rtcConfig.pubBotToken).be.undefined();
        msg!.taskId.should.be.a.String();
      } finally {
        await open.close();
      }
    });

    it('spaces concurrent starts for one channel at least 1 s apart', async () => {
      const channel = freshChannel();
      await loadAgora([agoraConfig(emulator), startNode({ channel, pubBotUid: '13' })], agoraCredentials());
      // The client's decisions to send (see recordStartClaims), not arrivals in this busy process.
      const { claims, stop } = recordStartClaims(processStore, channel);
      try {
        const [a, b] = await Promise.all([send('start', {}), send('start', {})]);
        should.not.exist(a.error || b.error);
        a.msg!.taskId.should.not.equal(b.msg!.taskId);
      } finally {
        stop();
      }
      claims.length.should.equal(2);
      (claims[1] - claims[0]).should.be.aboveOrEqual(1000);
      // Each start was sent after its claim: the emulator saw both, after the first claim.
      const joins = requests('join').map((r) => r.at);
      joins.length.should.equal(2);
      for (const at of joins) at.should.be.aboveOrEqual(claims[0]);
    });

    it('queues updates to keep the spacing, saying "waiting", with increasing sequence ids', async () => {
      const channel = freshChannel();
      await loadAgora(ALL(agoraConfig(emulator), { channel, pubBotUid: '14' }), agoraCredentials());
      const started = (await send('start', {})).msg!;
      const update = helper.getNode('update');
      const outs: Msg[] = [];
      const done = new Promise<void>((resolve, reject) => {
        helper.getNode('out').on('input', (m: Msg) => {
          outs.push(m);
          if (outs.length === 2) resolve();
        });
        helper.getNode('errors').on('input', (m: Msg) => reject(new Error(JSON.stringify(m.error))));
      });
      update.receive({ ...started, payload: { languages: ['fr-FR'] } });
      update.receive({ ...started, payload: { rtcConfig: { subscribeAudioUids: ['all'] } } });
      await done;
      outs.map((m) => m.agora.sequenceId).should.eql([1, 2]);
      outs[1].agora.updateMask.should.equal('rtcConfig.subscribeAudioUids');
      const texts = update.status.args.map((a: Msg[]) => a[0]);
      texts.should.containDeep([{ fill: 'yellow', shape: 'ring' }]);
      const times = [requests('join')[0].at, ...requests('update').map((r) => r.at)];
      (times[1] - times[0]).should.be.aboveOrEqual(UPDATE_SPACING_MS - 10);
      (times[2] - times[1]).should.be.aboveOrEqual(UPDATE_SPACING_MS - 10);
    });

    it('a keywords-only update from the dialog is sent with updateMask=keywords (v7 update.mdx)', async () => {
      const channel = freshChannel();
      await loadAgora(
        [
          agoraConfig(emulator),
          startNode({ channel, pubBotUid: '16', wires: [['update']] }),
          updateNode({ keywords: 'Agora, STT' }),
        ],
        agoraCredentials(),
      );
      const { msg, error } = await send('start', {});
      should.not.exist(error, JSON.stringify(error));
      msg!.agora.updateMask.should.equal('keywords');
      requests('update')[0].status.should.equal(200);
      (requests('update')[0].body as Msg).should.eql({ keywords: ['Agora', 'STT'] });
    });

    it('does not send a v7 subBotUid Agora marks deprecated, and says so (msg.agora.ignored and a warning)', async () => {
      const channel = freshChannel();
      await loadAgora([agoraConfig(emulator), startNode({ channel, pubBotUid: '88222' })], agoraCredentials());
      const { msg, error } = await send('start', { payload: { rtcConfig: { subBotUid: '47091' } } });
      should.not.exist(error, JSON.stringify(error));
      msg!.agora.ignored.should.eql(['rtcConfig.subBotUid']);
      should((requests('join')[0].body as Msg).rtcConfig.subBotUid).be.undefined();
      const warn = (helper.getNode('start') as unknown as { warn: { args: unknown[][] } }).warn;
      warn.args
        .map((a) => String(a[0]))
        .join('\n')
        .should.match(/rtcConfig\.subBotUid/);
    });

    it('updates from the dialog: languages, translation on, uid lists', async () => {
      const channel = freshChannel();
      await loadAgora(
        [
          agoraConfig(emulator),
          startNode({ channel, pubBotUid: '15', wires: [['update']] }),
          updateNode({
            languages: 'zh-CN',
            translate: 'true',
            translateLanguages: 'zh-CN: en-US',
            unSubscribeAudioUids: '3',
          }),
        ],
        agoraCredentials(),
      );
      const { msg, error } = await send('start', {});
      should.not.exist(error, JSON.stringify(error));
      msg!.agora.updateMask.should.equal(
        'languages,rtcConfig.unSubscribeAudioUids,translateConfig.enable,translateConfig.languages',
      );
      (requests('update')[0].body as Msg).should.containDeep({
        languages: ['zh-CN'],
        rtcConfig: { unSubscribeAudioUids: ['3'] },
        translateConfig: { enable: true, languages: [{ source: 'zh-CN', target: ['en-US'] }] },
      });
    });

    it('lists agents of a channel, following every page', async () => {
      const channel = freshChannel();
      await loadAgora(
        [
          agoraConfig(emulator),
          startNode({ channel, pubBotUid: '16' }),
          queryNode({ mode: 'list', channel, state: '2' }),
        ],
        agoraCredentials(),
      );
      await send('start', {});
      await send('start', {});
      // RUNNING (state 2) once the emulator's STARTING step has passed.
      const running = () =>
        [...emulator.agents.values()].filter((a) => a.channel === channel && a.status === 'RUNNING').length;
      for (let i = 0; i < 500 && running() < 2; i++) await new Promise((r) => setTimeout(r, 10));
      const { msg, error } = await send('query', {});
      should.not.exist(error, JSON.stringify(error));
      msg!.payload.agents.length.should.equal(2);
      msg!.payload.total.should.equal(2);
      requests('list')[0].params.should.containDeep({ channel, state: '2' });
    });

    it('refuses an update with nothing to change, and a query without a task id, sending nothing', async () => {
      await loadAgora(ALL(agoraConfig(emulator)), agoraCredentials());
      const u = await send('update', { taskId: 'agent1' });
      u.error!.error.code.should.equal('InvalidInput');
      u.error!.error.cause.problems[0].rule.should.equal('noChanges');
      const q = await send('query', {});
      q.error!.error.code.should.equal('InvalidInput');
      emulator.requests.length.should.equal(0);
    });
  });

  describe('v6 (legacy)', () => {
    const v6 = () => agoraConfig(emulator, { apiVersion: 'v6' });

    it('acquires a builder token, starts, queries, updates and stops with that token', async () => {
      const channel = freshChannel();
      await loadAgora(ALL(v6(), { channel, pubBotUid: '21', subBotUid: '22', languages: 'en-US' }), agoraCredentials());
      const started = await send('start', {});
      should.not.exist(started.error, JSON.stringify(started.error));
      const msg = started.msg!;
      msg.agora.should.containDeep({ apiVersion: 'v6', channel, pubBotUid: '21', subBotUid: '22' });
      msg.agora.builderToken.should.be.a.String();
      msg.taskId.should.equal(msg.payload.taskId);
      requests('start')[0].params.builderToken.should.equal(msg.agora.builderToken);
      (requests('start')[0].body as Msg).should.containDeep({ rtcConfig: { pubBotToken: '***', subBotToken: '***' } });

      const q = await send('query', msg);
      q.msg!.payload.status.should.equal('IN_PROGRESS');
      q.msg!.agora.state.should.equal('running'); // the word agora-stt-events uses too
      const u = await send('update', { ...msg, payload: { languages: ['fr-FR'] } });
      should.not.exist(u.error, JSON.stringify(u.error));
      requests('update')[0].params.should.containDeep({
        builderToken: msg.agora.builderToken,
        sequenceId: '1',
        updateMask: 'languages',
      });
      const s = await send('stop', msg);
      should.not.exist(s.error, JSON.stringify(s.error));
      requests('stop')[0].params.builderToken.should.equal(msg.agora.builderToken);
    });

    it('refuses a stop without the builder token before sending', async () => {
      await loadAgora(ALL(v6()), agoraCredentials());
      const { error } = await send('stop', { taskId: 'task-1', agora: { apiVersion: 'v6' } });
      error!.error.code.should.equal('InvalidInput');
      error!.error.cause.problems[0].field.should.equal('builderToken');
      emulator.requests.length.should.equal(0);
    });

    it('refuses v7-only fields on v6', async () => {
      await loadAgora(
        [v6(), startNode({ channel: freshChannel(), pubBotUid: '1', subBotUid: '1', keywords: 'x' })],
        agoraCredentials(),
      );
      const { error } = await send('start', {});
      error!.error.cause.problems.map((p: Msg) => p.rule).should.containDeep(['v7Only', 'distinctBots']);
      emulator.requests.length.should.equal(0);
    });
  });

  describe('secrets', () => {
    it('never puts a secret in msg, status or errors (customer secret, certificate, storage key, encryption secret and salt)', async () => {
      const salt = Buffer.alloc(32, 7).toString('base64');
      const encryptionSecret = 'enc-secret-CANARY-1';
      const storageSecret = 'storage-secret-CANARY-2';
      const channel = freshChannel();
      await loadAgora(
        [
          agoraConfig(emulator),
          startNode({
            channel,
            pubBotUid: '31',
            cryptionMode: '7',
            captionConfig: 'caption',
            captionConfigType: 'msg',
          }),
        ],
        agoraCredentials({ start: { encryptionSecret, encryptionSalt: salt } }),
      );
      const caption = {
        sliceDuration: 60,
        storage: { accessKey: 'ak', secretKey: storageSecret, bucket: 'b', vendor: 2, region: 3 },
      };
      const ok = await send('start', { caption });
      should.not.exist(ok.error, JSON.stringify(ok.error));
      (requests('join')[0].body as Msg).should.containDeep({
        rtcConfig: { cryptionMode: 7, secret: '***', salt: '***' },
      });
      const agent = emulator.agents.get(ok.msg!.taskId) as any;
      agent.config.rtcConfig.secret.should.equal(encryptionSecret);
      // A refused start whose body holds every secret (the msg itself carries the caption settings the flow put there).
      const bad = await send('start', { caption: { ...caption, storage: { ...caption.storage, vendor: 99 } } });
      bad.error!.error.code.should.equal('InvalidInput');
      const node = helper.getNode('start');
      const seen = JSON.stringify([ok.msg!.payload, ok.msg!.agora, ok.msg!.taskId, bad.error!.error, node.status.args]);
      for (const s of [...SECRETS, encryptionSecret, storageSecret, salt]) seen.should.not.containEql(s);
    });

    it('keeps the customer secret out of an authentication error', async () => {
      await loadAgora([agoraConfig(emulator), startNode({ channel: freshChannel(), pubBotUid: '32' })], {
        cfg: {
          customerId: AGORA_DEFAULTS.customerId,
          customerSecret: 'wrong-CANARY-secret',
          appCertificate: AGORA_DEFAULTS.appCertificate,
        },
      });
      const { error } = await send('start', {});
      error!.error.code.should.equal('InvalidCredentials');
      error!.error.cause.httpStatus.should.equal(401);
      JSON.stringify(error).should.not.containEql('CANARY');
    });
  });
});
