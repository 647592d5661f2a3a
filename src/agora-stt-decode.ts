import { SpeechApiError } from './lib/errors';
import { localizeError, translator } from './lib/i18n';
import { DoneFn, Node, NodeAPI, NodeDef, NodeMessage, SendFn } from './lib/node-red';
import {
  decodeSttMessage,
  SettledSegments,
  STT_PROTOCOLS,
  SttProtocol,
  UndecodableSubtitleError,
} from './vendors/agora/stt-decode';

export const TYPE = 'agora-stt-decode';

/** The editor's defaults (nodes/agora-stt-decode.html), applied to properties a flow leaves out. */
export const DEFAULTS = {
  name: '',
  protocol: 'auto' as SttProtocol,
  finalOnly: false,
};

const STATUS_EVERY_MS = 250;
const STATUS_CHARS = 32;

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > STATUS_CHARS ? `${oneLine.slice(0, STATUS_CHARS - 1)}…` : oneLine;
}

export default function register(RED: NodeAPI): void {
  const t = translator(RED, TYPE);

  function AgoraSttDecode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const protocol: SttProtocol = STT_PROTOCOLS.includes(def.protocol as SttProtocol)
      ? (def.protocol as SttProtocol)
      : DEFAULTS.protocol;
    const finalOnly = typeof def.finalOnly === 'boolean' ? def.finalOnly : DEFAULTS.finalOnly;
    if (def.protocol !== undefined && def.protocol !== protocol) {
      node.warn(
        t(
          'warn.protocol',
          { protocol: String(def.protocol) },
          `Unknown protocol "${String(def.protocol)}"; using auto.`,
        ),
      );
    }

    // The settled segments already sent final, so a repeated stable prefix is not sent twice (bounded).
    const settled = new SettledSegments();

    // Subtitles arrive several times a second: the status shows the latest text at most four times a second.
    let lastText: string | undefined;
    let statusTimer: NodeJS.Timeout | undefined;
    const showText = (text: string): void => {
      lastText = text;
      if (statusTimer) return;
      statusTimer = setTimeout(() => {
        statusTimer = undefined;
        node.status({ fill: 'green', shape: 'dot', text: shorten(lastText ?? '') });
      }, STATUS_EVERY_MS);
    };

    node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      let events;
      try {
        events = decodeSttMessage(msg.payload, protocol, settled);
      } catch (err) {
        if (statusTimer) {
          clearTimeout(statusTimer);
          statusTimer = undefined;
        }
        const code = err instanceof SpeechApiError ? err.code : 'error';
        node.status({ fill: 'red', shape: 'ring', text: code });
        if (err instanceof UndecodableSubtitleError) {
          err.message = `${err.code}: ${t(`undecodable.${err.reason}`, { detail: err.detail }, err.detail)}`;
        }
        done(localizeError(t, err));
        return;
      }
      const taskId = typeof msg.taskId === 'string' && msg.taskId ? msg.taskId : undefined;
      let first = true;
      for (const event of events) {
        if (finalOnly && !event.final) continue;
        if (taskId) event.taskId = taskId;
        // The input msg goes on (topic, taskId and the flow's own properties); a second event in
        // the same message gets a shallow copy.
        const out = first ? msg : { ...msg };
        first = false;
        out.payload = event;
        showText(event.text || event.translations?.[0]?.text || '');
        send(out);
      }
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (statusTimer) clearTimeout(statusTimer);
      statusTimer = undefined;
      done();
    });
  }

  RED.nodes.registerType(TYPE, AgoraSttDecode);
}
