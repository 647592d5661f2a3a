import { SpeechApiError, Vendor } from './errors';
import { localizeError, Translate } from './i18n';
import { payloadObject } from './merge';
import { DoneFn, Node, NodeMessage, SendFn } from './node-red';
import { withStatusParams } from './state/mode';

/** What an action succeeded with: the status text to show. */
export interface ActionResult {
  status: string;
}

/**
 * The input handler every action node shares: blue dot while requests are in
 * flight, green with the result, red ring with the error code; exactly one of
 * send+done() or done(err) per message, whatever `work` throws.
 */
export function onInput(
  node: Node,
  t: Translate,
  work: (msg: NodeMessage) => Promise<ActionResult>,
  options: { readsPayload?: boolean; stateNote?: () => Record<string, string> } = {},
): void {
  let inFlight = 0;
  const note = options.stateNote ?? (() => ({}));
  node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
    inFlight++;
    node.status({
      fill: 'blue',
      shape: 'dot',
      text: t.status('status.sending', { count: inFlight, ...note() }, 'sending'),
    });
    Promise.resolve()
      .then(() => work(msg))
      .then(
        (result) => {
          inFlight--;
          node.status({ fill: 'green', shape: 'dot', text: withStatusParams(result.status, note()) });
          // send() clones for a second wire and may throw (a value nested too deeply for the
          // clone): that ends the message with the error, never as an unhandled rejection.
          try {
            send(msg);
          } catch (err) {
            done(err instanceof Error ? err : new Error(String(err)));
            return;
          }
          done();
        },
        (err: unknown) => {
          inFlight--;
          const code = err instanceof SpeechApiError ? err.code : 'error';
          node.status({ fill: 'red', shape: 'ring', text: code });
          if (options.readsPayload) notePayloadNotRead(err, msg.payload);
          done(localizeError(t, err));
        },
      );
  });
}

/** The config node a node names, or an error a Catch node can see. */
export function requireConfig<T>(
  vendor: Vendor,
  getNode: (id: string) => unknown,
  id: unknown,
  isT: (n: unknown) => n is T,
  t: Translate,
  what: string,
): T {
  const config = typeof id === 'string' && id ? getNode(id) : undefined;
  if (!isT(config)) {
    throw new SpeechApiError({
      vendor,
      code: 'NoConfig',
      message: t('errors.NoConfig', { what }, `No ${what} config node is selected, or it is disabled.`),
    });
  }
  return config;
}

/**
 * When parameters are missing and msg.payload was text that holds no JSON object, the user
 * probably meant it to carry them: say so first, rather than only blaming the fields.
 */
function notePayloadNotRead(err: unknown, payload: unknown): void {
  if (!(err instanceof SpeechApiError) || !err.problems || typeof payload !== 'string') return;
  if (payload.trim() === '' || payloadObject(payload)) return;
  err.problems.unshift({
    field: 'msg.payload',
    rule: 'payloadNotRead',
    message: 'msg.payload is text that is not a JSON object, so none of its fields were read.',
  });
}
