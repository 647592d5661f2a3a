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
  Session,
  SESSION_LIMITS,
  SessionLimit,
  SessionLimits,
  SessionStore,
} from './transcript';
import { OnceNotices } from './lib/once';

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
export function filenameFor(taskId: string | undefined, ext: string, part = 1): string {
  const base = (taskId ?? '')
    .replace(FILENAME_UNSAFE, '_')
    .replace(/^[._]+/, '')
    .slice(0, 100);
  // A session opened again after its file was sent is a continuation: its own file, never the first one's name.
  return `${base || 'transcript'}${part > 1 ? `.part${part}` : ''}.${ext}`;
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

/** English fallbacks of the budget warnings (the catalogue has them in every language). */
const LIMIT_TEXT: Record<SessionLimit, (key: string, max: number) => string> = {
  text: (key, max) =>
    `A sentence in "${key}" was over ${max} bytes and was cut to that; cut sentences are counted in msg.truncated (said once).`,
  sentences: (key, max) =>
    `Transcript "${key}" holds ${max} sentences; later ones are dropped and counted in msg.truncated (said once).`,
  sessionBytes: (key, max) =>
    `Transcript "${key}" holds ${max} bytes; later sentences are dropped and counted in msg.truncated (said once).`,
  sessions: (key, max) =>
    `More than ${max} transcripts open: closed the least recently used, "${key}", without a file (said once).`,
  totalBytes: (key, max) =>
    `Open transcripts reached ${max} bytes in all: closed the least recently used, "${key}", without a file (said once).`,
};

/** Task IDs and topics are kept as keys: longer ones are cut. */
const MAX_KEY = 200;

export function createTranscriptFormat(limits: Partial<SessionLimits> = {}) {
  const settings: SessionLimits = { ...SESSION_LIMITS, ...limits };
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

      const notices = new OnceNotices<SessionLimit>();
      const budget: Record<SessionLimit, number> = {
        text: settings.sentence.textBytes,
        sentences: settings.maxSentencesPerSession,
        sessionBytes: settings.maxSessionBytes,
        sessions: settings.maxSessions,
        totalBytes: settings.maxTotalBytes,
      };
      const store = new SessionStore<Stream>(
        settings,
        () => ({ cues: emitCues ? new CueStream(options) : undefined }),
        () => undefined,
        // Each budget is announced the first time it is hit, never once per message.
        (kind, s) =>
          notices.hit(kind, () =>
            node.warn(t(`warn.${kind}`, { key: s.key, max: budget[kind] }, LIMIT_TEXT[kind](s.key, budget[kind]))),
          ),
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
        session?: Session<Stream>,
      ): NodeMessage => {
        const formatted = formatTranscript(sentences, o);
        const filename = filenameFor(taskId, EXTENSIONS[o.format], session?.part);
        msg.payload = formatted.output;
        msg.filename = filename;
        msg.cues = formatted.count;
        if (taskId !== undefined) msg.taskId = taskId;
        if (session && session.part > 1) msg.part = session.part;
        if (session && (session.dropped || session.cut)) msg.truncated = { dropped: session.dropped, cut: session.cut };
        // What was written, not what is being collected: the file's name and its cues (text: lines).
        showStatus(
          t('status.file', { file: filename, count: formatted.count }, `${filename}: ${formatted.count} cues written`),
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
          const key = (event?.taskId ?? stringOf(msg.taskId) ?? stringOf(msg.topic) ?? '').slice(0, MAX_KEY);
          if (event?.sentence) {
            const session = store.open(key);
            session.extra.vendor ??= event.vendor;
            session.extra.taskId ??= (event.taskId ?? stringOf(msg.taskId))?.slice(0, MAX_KEY);
            if (store.add(session, event.sentence)) {
              const cues = session.extra.cues?.add(session.sentences[session.sentences.length - 1]) ?? [];
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
            const count = session.sentences.length;
            showStatus(
              session.part > 1
                ? t('status.collectingPart', { count, part: session.part }, `part ${session.part}: ${count} sentences`)
                : t('status.collecting', { count }, `${count} sentences`),
            );
          }
          if (event?.completed || completeFlag) {
            const session = store.close(key);
            // Its file was sent already and nothing came since: an empty file under that name would overwrite it.
            if (!session && store.wasClosed(key)) return done();
            send(
              fileMessage(
                msg,
                session?.sentences ?? [],
                options,
                session?.extra.taskId ?? event?.taskId ?? stringOf(msg.taskId) ?? (key || undefined),
                session,
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
