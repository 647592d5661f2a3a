import { Problem, SpeechApiError, Vendor } from './lib/errors';
import { translator, Translate } from './lib/i18n';
import { DoneFn, Node, NodeAPI, NodeDef, NodeMessage, SendFn } from './lib/node-red';
import {
  COMPLETED_EVENT,
  CueStream,
  EXTENSIONS,
  FORMAT_DEFAULTS,
  FormatOptions,
  formatCue,
  formatTranscript,
  readInput,
  readOptions,
  Sentence,
  SESSION_LIMITS,
  SessionLimits,
  SessionStore,
} from './transcript';

export const TYPE = 'transcript-format';

/** The editor's defaults: a node deployed with only type and wires behaves like a fresh dialog. */
export const DEFAULTS = {
  name: '',
  ...FORMAT_DEFAULTS,
  emitCues: false,
};

const STATUS_EVERY_MS = 1000;
const FILENAME_UNSAFE = /[^A-Za-z0-9._-]+/g;

/** A file name from a task ID that cannot leave the file node's directory ("../", "/", ":"). */
export function filenameFor(taskId: string | undefined, ext: string): string {
  const base = (taskId ?? '')
    .replace(FILENAME_UNSAFE, '_')
    .replace(/^[._]+/, '')
    .slice(0, 100);
  return `${base || 'transcript'}.${ext}`;
}

/**
 * SpeechApiError needs a vendor; input of unknown origin gets a plain Error with the same
 * `code` and `problems`, so Catch nodes read both alike.
 */
function formatError(vendor: Vendor | undefined, code: string, message: string, problems?: Problem[]): Error {
  if (vendor) return new SpeechApiError({ vendor, code, message, problems });
  const err = new Error(message) as Error & { code: string; problems?: Problem[] };
  err.name = 'TranscriptFormatError';
  err.code = code;
  if (problems) err.problems = problems;
  return err;
}

interface Stream {
  cues?: CueStream;
  vendor?: Vendor;
  taskId?: string;
}

export function createTranscriptFormat(limits: SessionLimits = SESSION_LIMITS) {
  return function register(RED: NodeAPI): void {
    const t = translator(RED, TYPE);

    function TranscriptFormat(this: Node, def: NodeDef) {
      RED.nodes.createNode(this, def);
      const node = this;
      const given: Record<string, unknown> = {};
      for (const key of Object.keys(DEFAULTS)) if (def[key] !== undefined) given[key] = def[key];
      const { options, problems } = readOptions(given);
      const emitCues = given.emitCues === true || given.emitCues === 'true';
      if (problems.length) {
        node.error(
          t('error.badOptions', { detail: describe(t, problems) }, `Invalid options: ${describe(t, problems)}`),
        );
        node.status({ fill: 'red', shape: 'ring', text: t('status.misconfigured', {}, 'misconfigured') });
      }

      const store = new SessionStore<Stream>(
        limits,
        () => ({ cues: emitCues ? new CueStream(options) : undefined }),
        (s) => {
          node.warn(
            t(
              'warn.evicted',
              { key: s.key, max: limits.maxSessions },
              `More than ${limits.maxSessions} transcripts open: dropped the oldest, "${s.key}".`,
            ),
          );
        },
      );

      let statusTimer: NodeJS.Timeout | undefined;
      let lastStatus = '';
      const showStatus = (text: string): void => {
        lastStatus = text;
        if (statusTimer) return;
        node.status({ fill: 'green', shape: 'dot', text });
        statusTimer = setTimeout(() => {
          statusTimer = undefined;
          node.status({ fill: 'green', shape: 'dot', text: lastStatus });
        }, STATUS_EVERY_MS);
      };

      const fileMessage = (
        msg: NodeMessage,
        sentences: Sentence[],
        o: FormatOptions,
        taskId: string | undefined,
      ): NodeMessage => {
        const formatted = formatTranscript(sentences, o);
        msg.payload = formatted.output;
        msg.filename = filenameFor(taskId, EXTENSIONS[o.format]);
        msg.cues = formatted.count;
        if (taskId !== undefined) msg.taskId = taskId;
        showStatus(
          t('status.file', { format: o.format, count: formatted.count }, `${o.format}: ${formatted.count} cues`),
        );
        return msg;
      };

      node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
        try {
          if (problems.length) return done(formatError(undefined, 'InvalidInput', describe(t, problems), problems));
          const input = readInput(msg.payload);
          const completeFlag = msg.complete !== undefined && msg.complete !== false && msg.complete !== null;
          if (input.kind === 'document' || input.kind === 'events') {
            send(fileMessage(msg, input.sentences, options, input.taskId ?? stringOf(msg.taskId)));
            return done();
          }
          if (input.kind === 'unreadable' && !completeFlag) {
            return done(
              formatError(
                input.vendor,
                'UnreadableInput',
                t('error.unreadable', { reason: input.reason }, `Cannot format this input: ${input.reason}.`),
              ),
            );
          }
          const event = input.kind === 'event' ? input : undefined;
          const key = event?.taskId ?? stringOf(msg.taskId) ?? stringOf(msg.topic) ?? '';
          if (event?.sentence) {
            const session = store.open(key);
            session.extra.vendor ??= event.vendor;
            session.extra.taskId ??= event.taskId ?? stringOf(msg.taskId);
            if (!store.add(session, event.sentence)) {
              if (session.dropped === 1)
                node.warn(
                  t(
                    'warn.full',
                    { key, max: limits.maxSentencesPerSession },
                    `Transcript "${key}" holds ${limits.maxSentencesPerSession} sentences; later ones are dropped.`,
                  ),
                );
            } else {
              const cues = session.extra.cues?.add(event.sentence) ?? [];
              if (cues.length) {
                const labels = options.speakerLabels;
                send([
                  cues.map((cue) => ({
                    ...msg,
                    payload: formatCue(cue, options, labels),
                    cue,
                    taskId: session.extra.taskId ?? msg.taskId,
                  })),
                ]);
              }
            }
            showStatus(
              t('status.collecting', { count: session.sentences.length }, `${session.sentences.length} sentences`),
            );
          }
          if (event?.completed || completeFlag) {
            const session = store.close(key);
            send(
              fileMessage(
                msg,
                session?.sentences ?? [],
                options,
                session?.extra.taskId ?? event?.taskId ?? stringOf(msg.taskId) ?? (key || undefined),
              ),
            );
          }
          done();
        } catch (err) {
          done(err instanceof Error ? err : new Error(String(err)));
        }
      });

      node.on('close', (_removed: boolean, closed: () => void) => {
        store.clear();
        if (statusTimer) clearTimeout(statusTimer);
        closed();
      });
    }

    RED.nodes.registerType(TYPE, TranscriptFormat);
  };
}

function describe(t: Translate, problems: Problem[]): string {
  return problems.map((p) => t(`invalid.${p.field}`, p.params, p.message)).join('; ');
}

function stringOf(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
}

export { COMPLETED_EVENT };
export default createTranscriptFormat();
