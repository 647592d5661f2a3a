import { isAliyunLiveCallbackConfig } from './lib/accounts/aliyun-live-callback';
import { liveConfigOf } from './lib/accounts/aliyun-live';
import { onInput } from './lib/action-node';
import { translator } from './lib/i18n';
import { mergeAllowed } from './lib/merge';
import { Node, NodeAPI, NodeDef, withDefaults } from './lib/node-red';
import { readTypedParams } from './lib/typed-params';
import { CREATE_PARAM_NAMES } from './vendors/aliyun-live/create-params';
import { stateNote } from './lib/state/mode';

export const TYPE = 'aliyun-live-asr-create';

/** The dialog's defaults (nodes/aliyun-live-asr-create.html), applied where a deployed node lacks a property. */
export const DEFAULTS = {
  name: '',
  live: '',
  callback: '',
  mode: 'live',
  modeType: 'aliyunMode',
  streamUrl: '',
  streamUrlType: 'str',
  sdkAppId: '',
  sdkAppIdType: 'str',
  channelId: '',
  channelIdType: 'str',
  rtcUserId: '',
  rtcUserIdType: 'str',
  language: 'cn',
  languageType: 'aliyunLanguage',
  callbackUrl: '',
  callbackUrlType: 'str',
  translateEnabled: 'false',
  translateEnabledType: 'bool',
  targetLanguages: '',
  targetLanguagesType: 'aliyunTarget',
  autoTerminateEnabled: 'false',
  autoTerminateEnabledType: 'bool',
  autoTerminateDelay: '',
  autoTerminateDelayType: 'num',
  reportInterval: '',
  reportIntervalType: 'num',
};

/** Vendor parameter -> editor property (its TypedInput type is `<property>Type`). */
export const EDITOR_PROPS: Record<string, string> = {
  Mode: 'mode',
  StreamURL: 'streamUrl',
  SDKAppID: 'sdkAppId',
  ChannelID: 'channelId',
  RtcUserId: 'rtcUserId',
  Language: 'language',
  CallbackURL: 'callbackUrl',
  TranslateEnabled: 'translateEnabled',
  TargetLanguages: 'targetLanguages',
  AutoTerminateEnabled: 'autoTerminateEnabled',
  AutoTerminateDelay: 'autoTerminateDelay',
  ReportInterval: 'reportInterval',
};

export default function register(RED: NodeAPI): void {
  const t = translator(RED, 'aliyun-live-config');

  function AliyunLiveAsrCreate(this: Node, raw: NodeDef) {
    RED.nodes.createNode(this, raw);
    const def = withDefaults(raw, DEFAULTS);
    const node = this;
    onInput(
      node,
      t,
      async (msg) => {
        const live = liveConfigOf(RED, t, def.live);
        const fromEditor = await readTypedParams(RED, node, def, EDITOR_PROPS, msg);
        const params = mergeAllowed(fromEditor, msg.payload, CREATE_PARAM_NAMES);
        // The shared callback config wins over msg.payload: the callback node verifies
        // against exactly this URL and key, so any other pair would only produce 401s.
        const callback = def.callback ? RED.nodes.getNode(String(def.callback)) : undefined;
        if (isAliyunLiveCallbackConfig(callback)) {
          if (callback.callbackUrl) params.CallbackURL = callback.callbackUrl;
          const authKey = callback.authKey();
          if (authKey) params.AuthKey = authKey;
        }
        const res = await live.client().createRtcAsrTask(params);
        msg.payload = res;
        msg.taskId = res.TaskId;
        msg.aliyun = { action: 'CreateRtcAsrTask', requestId: res.RequestId };
        // The full ID is in msg.taskId; on the canvas a short one keeps the status clear of the next node.
        return { status: res.TaskId.length > 16 ? `${res.TaskId.slice(0, 15)}…` : res.TaskId };
      },
      { readsPayload: true, stateNote: stateNote(RED, t) },
    );
  }

  RED.nodes.registerType(TYPE, AliyunLiveAsrCreate);
}
