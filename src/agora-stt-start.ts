import { agoraConfigOf } from './lib/accounts/agora';
import { jsonOf, listOf, translationsOf, uidListOf } from './lib/agora/fields';
import { onInput } from './lib/action-node';
import { translator } from './lib/i18n';
import { isPlainObject, mergeAllowed, payloadObject } from './lib/merge';
import { Node, NodeAPI, NodeDef, NodeMessage, resolveSecret, withDefaults } from './lib/node-red';
import { readTypedParams } from './lib/typed-params';
import { START_FIELDS } from './vendors/agora/validate';

export const TYPE = 'agora-stt-start';

/** The dialog's defaults (nodes/agora-stt-start.html), applied where a deployed node lacks a property. */
export const DEFAULTS = {
  name: '',
  agora: '',
  channel: '',
  channelType: 'str',
  languages: 'en-US',
  languagesType: 'str',
  taskName: '',
  taskNameType: 'str',
  maxIdleTime: '',
  maxIdleTimeType: 'num',
  pubBotUid: '',
  pubBotUidType: 'str',
  subBotUid: '',
  subBotUidType: 'str',
  subscribeAudioUids: '',
  subscribeAudioUidsType: 'str',
  unSubscribeAudioUids: '',
  unSubscribeAudioUidsType: 'str',
  translate: false,
  translateLanguages: '',
  translateLanguagesType: 'str',
  keywords: '',
  keywordsType: 'str',
  uidLanguagesConfig: '',
  uidLanguagesConfigType: 'json',
  enableJsonProtocol: false,
  captionConfig: '',
  captionConfigType: 'json',
  extensionParams: '',
  extensionParamsType: 'json',
  cryptionMode: '0',
};

/** Body field (or rtcConfig field) -> editor property; its TypedInput type is `<property>Type`. */
const TOP_PROPS: Record<string, string> = {
  languages: 'languages',
  name: 'taskName',
  maxIdleTime: 'maxIdleTime',
  keywords: 'keywords',
  uidLanguagesConfig: 'uidLanguagesConfig',
  captionConfig: 'captionConfig',
  extensionParams: 'extensionParams',
  translateLanguages: 'translateLanguages',
};
const RTC_PROPS: Record<string, string> = {
  channelName: 'channel',
  pubBotUid: 'pubBotUid',
  subBotUid: 'subBotUid',
  subscribeAudioUids: 'subscribeAudioUids',
  unSubscribeAudioUids: 'unSubscribeAudioUids',
};

const isOn = (v: unknown) => v === true || v === 'true';

export default function register(RED: NodeAPI): void {
  const t = translator(RED, 'agora-config');

  function AgoraSttStart(this: Node, raw: NodeDef) {
    RED.nodes.createNode(this, raw);
    const def = withDefaults(raw, DEFAULTS);
    const node = this;
    const translate = isOn(def.translate);
    const cryptionMode = Number(def.cryptionMode) || 0;

    /** The body the dialog describes for this msg (msg/flow/global/env fields evaluated). */
    async function editorBody(msg: NodeMessage): Promise<Record<string, unknown>> {
      const top = await readTypedParams(RED, node, def, TOP_PROPS, msg);
      const rtcIn = await readTypedParams(RED, node, def, RTC_PROPS, msg);
      const body: Record<string, unknown> = {};
      if (top.languages !== undefined) body.languages = listOf(top.languages);
      if (top.name !== undefined) body.name = top.name;
      if (top.maxIdleTime !== undefined) body.maxIdleTime = top.maxIdleTime;
      if (top.keywords !== undefined) body.keywords = listOf(top.keywords);
      for (const key of ['uidLanguagesConfig', 'captionConfig', 'extensionParams'])
        if (top[key] !== undefined) body[key] = jsonOf(top[key]);
      if (translate) body.translateConfig = { languages: translationsOf(top.translateLanguages ?? '') };
      const rtc: Record<string, unknown> = {};
      for (const key of ['channelName', 'pubBotUid', 'subBotUid'])
        if (rtcIn[key] !== undefined) rtc[key] = typeof rtcIn[key] === 'number' ? String(rtcIn[key]) : rtcIn[key];
      for (const key of ['subscribeAudioUids', 'unSubscribeAudioUids'])
        if (rtcIn[key] !== undefined) rtc[key] = uidListOf(rtcIn[key]);
      if (isOn(def.enableJsonProtocol)) rtc.enableJsonProtocol = true;
      if (cryptionMode) rtc.cryptionMode = cryptionMode;
      body.rtcConfig = rtc;
      return body;
    }

    onInput(
      node,
      t,
      async (msg) => {
        const agora = agoraConfigOf(RED, t, def.agora);
        const fromEditor = await editorBody(msg);
        const payload = payloadObject(msg.payload);
        const body = mergeAllowed(fromEditor, payload, START_FIELDS);
        // rtcConfig from msg.payload is merged field by field over the dialog's.
        if (payload && isPlainObject(payload.rtcConfig))
          body.rtcConfig = mergeAllowed(
            fromEditor.rtcConfig as Record<string, unknown>,
            payload.rtcConfig,
            Object.keys(payload.rtcConfig),
          );
        const rtc = body.rtcConfig;
        // The encryption secret and salt live in credentials, never in the flow or the msg out.
        if (isPlainObject(rtc) && Number(rtc.cryptionMode)) {
          if (rtc.secret === undefined) rtc.secret = resolveSecret(RED, node, node.credentials.encryptionSecret);
          if (rtc.salt === undefined) rtc.salt = resolveSecret(RED, node, node.credentials.encryptionSalt);
        }
        const started = await agora.client().start(body);
        // Given but not sent, by Agora's documented rule: said once per message, never silently.
        if (started.agora.ignored?.length)
          node.warn(
            t(
              'warn.ignored',
              { fields: started.agora.ignored.join(', ') },
              `Not sent on API v7, where Agora marks them deprecated: ${started.agora.ignored.join(', ')}.`,
            ),
          );
        agora.updates.touched(started.taskId);
        msg.payload = started.payload;
        msg.taskId = started.taskId;
        msg.agora = started.agora;
        return { status: started.taskId };
      },
      { readsPayload: true },
    );
  }

  RED.nodes.registerType(TYPE, AgoraSttStart, {
    credentials: {
      encryptionSecret: { type: 'password' },
      encryptionSalt: { type: 'password' },
    },
  });
}
