import { agoraConfigOf } from './lib/accounts/agora';
import { jsonOf, listOf, taskRefOf, translationsOf, uidListOf } from './lib/agora/fields';
import { onInput } from './lib/action-node';
import { SpeechApiError } from './lib/errors';
import { translator } from './lib/i18n';
import { isPlainObject, mergeAllowed, payloadObject } from './lib/merge';
import { Node, NodeAPI, NodeDef, withDefaults } from './lib/node-red';
import { readTypedParams } from './lib/typed-params';
import { UPDATE_FIELDS } from './vendors/agora/validate';

export const TYPE = 'agora-stt-update';

/** The dialog's defaults (nodes/agora-stt-update.html), applied where a deployed node lacks a property. */
export const DEFAULTS = {
  name: '',
  agora: '',
  taskId: 'taskId',
  taskIdType: 'msg',
  languages: '',
  languagesType: 'str',
  keywords: '',
  keywordsType: 'str',
  uidLanguagesConfig: '',
  uidLanguagesConfigType: 'json',
  subscribeAudioUids: '',
  subscribeAudioUidsType: 'str',
  unSubscribeAudioUids: '',
  unSubscribeAudioUidsType: 'str',
  translate: '',
  translateLanguages: '',
  translateLanguagesType: 'str',
};

const PROPS: Record<string, string> = {
  taskId: 'taskId',
  languages: 'languages',
  keywords: 'keywords',
  uidLanguagesConfig: 'uidLanguagesConfig',
  subscribeAudioUids: 'subscribeAudioUids',
  unSubscribeAudioUids: 'unSubscribeAudioUids',
  translateLanguages: 'translateLanguages',
};

export default function register(RED: NodeAPI): void {
  const t = translator(RED, 'agora-config');

  function AgoraSttUpdate(this: Node, raw: NodeDef) {
    RED.nodes.createNode(this, raw);
    const def = withDefaults(raw, DEFAULTS);
    const node = this;
    const translate = String(def.translate);
    onInput(
      node,
      t,
      async (msg) => {
        const agora = agoraConfigOf(RED, t, def.agora);
        const v = await readTypedParams(RED, node, def, PROPS, msg);
        // Empty fields are left unchanged: only what the dialog or msg.payload names is sent.
        const changes: Record<string, unknown> = {};
        if (v.languages !== undefined) changes.languages = listOf(v.languages);
        if (v.keywords !== undefined) changes.keywords = listOf(v.keywords);
        if (v.uidLanguagesConfig !== undefined) changes.uidLanguagesConfig = jsonOf(v.uidLanguagesConfig);
        const rtc: Record<string, unknown> = {};
        for (const key of ['subscribeAudioUids', 'unSubscribeAudioUids'])
          if (v[key] !== undefined) rtc[key] = uidListOf(v[key]);
        if (Object.keys(rtc).length) changes.rtcConfig = rtc;
        if (translate === 'true')
          changes.translateConfig = { enable: true, languages: translationsOf(v.translateLanguages ?? '') };
        else if (translate === 'false') changes.translateConfig = { enable: false };
        const payload = payloadObject(msg.payload);
        const merged = mergeAllowed(changes, payload, UPDATE_FIELDS);
        if (payload && isPlainObject(payload.rtcConfig))
          merged.rtcConfig = mergeAllowed(rtc, payload.rtcConfig, Object.keys(payload.rtcConfig));

        const ref = taskRefOf(msg, v.taskId);
        const key = typeof ref.taskId === 'string' ? ref.taskId : '';
        // Agora wants 5 s after the start and between updates: say so while the client holds this one.
        if (key && agora.updates.willWait(key))
          node.status({ fill: 'yellow', shape: 'ring', text: t.status('status.waiting', {}, 'waiting') });
        if (key) agora.updates.begin(key);
        let sent = true;
        try {
          const updated = await agora.client().update(ref, merged);
          msg.payload = updated.payload;
          msg.taskId = ref.taskId;
          msg.agora = {
            ...(isPlainObject(msg.agora) ? msg.agora : {}),
            sequenceId: updated.sequenceId,
            updateMask: updated.updateMask,
          };
          return { status: updated.updateMask };
        } catch (err) {
          sent = !(err instanceof SpeechApiError && (err.code === 'InvalidInput' || err.code === 'Aborted'));
          throw err;
        } finally {
          if (key) agora.updates.end(key, sent);
        }
      },
      { readsPayload: true },
    );
  }

  RED.nodes.registerType(TYPE, AgoraSttUpdate);
}
