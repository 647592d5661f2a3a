import path from 'path';
import { Readable } from 'stream';
import { unisoundConfigOf } from './lib/accounts/unisound';
import { newJob, unisoundJobs, waitOptions, WAIT_DEFAULTS } from './lib/unisound/jobs';
import { Problem, SpeechApiError, validationError } from './lib/errors';
import { localizeError, translator } from './lib/i18n';
import { mergeAllowed } from './lib/merge';
import { Node, NodeAPI, NodeDef, NodeMessage } from './lib/node-red';
import { readTypedParams } from './lib/typed-params';
import { isBlank } from './lib/validate';
import { CREATE_PARAM_NAMES, validateCreate } from './vendors/unisound/create-params';
import { formatFromName } from './vendors/unisound/format';
import type { UploadSource } from './vendors/unisound/upload';

export const TYPE = 'unisound-asr-submit';

/** The editor's defaults (blank = the vendor's default); applied to properties a deployed node lacks. */
export const DEFAULTS = {
  ...WAIT_DEFAULTS,
  wait: true,
  format: '',
  sample_rate: '',
  channel: '',
  language: '',
  enable_auto_lang: false,
  enable_itn: true,
  enable_speaker: false,
  speaker_num: '',
  speaker_ids: '',
  word_info: false,
  context: '',
  hotwords: '',
  fileRoot: '',
};

/**
 * The directories a path from a message must lie in (after links are followed): the settings
 * file's `speechPipelines.unisoundFileRoot` (the administrator's ceiling, which a flow cannot
 * widen) and the node's own `fileRoot`. Neither set: any file the runtime can read.
 */
export function fileRoots(
  settings: Record<string, unknown>,
  nodeRoot: unknown,
): { roots: string[]; problem?: Problem } {
  const roots: string[] = [];
  const fromSettings = (settings.speechPipelines as { unisoundFileRoot?: unknown } | undefined)?.unisoundFileRoot;
  for (const [where, v] of [
    ['speechPipelines.unisoundFileRoot', fromSettings],
    ['fileRoot', nodeRoot],
  ] as const) {
    if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) continue;
    if (typeof v !== 'string' || !path.isAbsolute(v.trim()))
      return {
        roots,
        problem: {
          field: where,
          rule: 'path',
          message: `${where} must be an absolute directory path (got "${String(v).slice(0, 80)}").`,
          params: { field: where },
        },
      };
    roots.push(path.resolve(v.trim()));
  }
  return { roots };
}

/** Editor properties carry the documented option names. */
const OPTION_PROPS: Record<string, string> = Object.fromEntries(
  CREATE_PARAM_NAMES.filter((n) => n !== 'file_id' && n !== 'file_url').map((n) => [n, n]),
);

/** The audio a msg carries: a path (payload string or msg.filename), a Buffer or a readable stream. */
export function audioSource(msg: NodeMessage, roots: string[] = []): UploadSource | undefined {
  const p = msg.payload;
  const filename = typeof msg.filename === 'string' && msg.filename.trim() ? msg.filename.trim() : undefined;
  if (Buffer.isBuffer(p)) return { kind: 'buffer', buffer: p, filename };
  if (
    p instanceof Readable ||
    (p &&
      typeof p === 'object' &&
      typeof (p as Readable).pipe === 'function' &&
      typeof (p as Readable).read === 'function')
  ) {
    return { kind: 'stream', stream: p as Readable, filename };
  }
  const file = typeof p === 'string' && p.trim() ? p.trim() : filename;
  // A relative path is read inside the (first) allowed directory, not the runtime's working directory.
  if (file) return { kind: 'path', path: roots.length ? path.resolve(roots[0], file) : file, roots };
  return undefined;
}

export default function register(RED: NodeAPI): void {
  const t = translator(RED, 'unisound-config');

  function UnisoundAsrSubmit(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const conf = { ...DEFAULTS, ...def } as NodeDef;
    const opts = waitOptions(conf);
    const wait = conf.wait !== false && conf.wait !== 'false';
    const allowed = fileRoots(RED.settings, conf.fileRoot);
    if (allowed.problem) node.error(allowed.problem.message);
    const jobs = unisoundJobs(RED, node, conf, t);
    const closing = new AbortController();
    jobs.resume().catch((err: unknown) => node.error(localizeError(t, err)));

    node.on('input', (msg, send, done) => {
      Promise.resolve()
        .then(async () => {
          const client = unisoundConfigOf(RED, t, conf.unisound).client();
          const fromEditor = await readTypedParams(RED, node, conf, OPTION_PROPS, msg);
          const params = mergeAllowed(fromEditor, msg.payload, CREATE_PARAM_NAMES);
          const problems: Problem[] = [];
          if (allowed.problem) problems.push(allowed.problem);
          const source = audioSource(msg, allowed.roots);
          if (source && (!isBlank(params.file_id) || !isBlank(params.file_url))) {
            problems.push({
              field: 'file_id',
              rule: 'oneSource',
              message: 'Give exactly one audio source: a file to upload, a file_id or a file_url.',
              params: { field: 'file_id' },
            });
          }
          // Opening the source checks its size and reads its first bytes; nothing is sent yet.
          const { prepareUpload } = require('./vendors/unisound/upload') as typeof import('./vendors/unisound/upload');
          const upload = source && !problems.length ? await prepareUpload(source) : undefined;
          if (isBlank(params.format)) params.format = upload?.format ?? urlFormat(params.file_url);
          const checked = validateCreate(
            upload ? { ...params, file_id: undefined, file_url: undefined } : params,
            !upload,
          );
          problems.push(...checked.problems);
          if (problems.length) {
            upload?.dispose();
            throw validationError('unisound', problems);
          }
          const body = checked.body;
          let fileId = body.file_id;
          if (upload) {
            node.status({ fill: 'blue', shape: 'dot', text: t.status('status.uploading', {}, 'uploading') });
            fileId = (await client.uploadFile(upload, { signal: closing.signal })).fileId;
            body.file_id = fileId;
          }
          node.status({ fill: 'blue', shape: 'dot', text: t.status('status.creating', {}, 'creating task') });
          const { taskId, traceId } = await client.createTask(body, { signal: closing.signal });
          msg.taskId = taskId;
          if (!wait) {
            const submittedAt = new Date().toISOString();
            msg.payload = { taskId, fileId, traceId };
            msg.unisound = { fileId, traceId, submittedAt };
            node.status({ fill: 'green', shape: 'dot', text: taskId });
            send(msg);
            done();
            return;
          }
          await jobs.submit(
            newJob(
              node.id,
              taskId,
              msg,
              { fileId, traceId, deleteFile: opts.deleteFile && !!upload, confirmed: true },
              opts.timeoutMs,
            ),
            msg,
            send,
            done,
          );
        })
        .catch((err: unknown) => {
          node.status({ fill: 'red', shape: 'ring', text: err instanceof SpeechApiError ? err.code : 'error' });
          done(localizeError(t, err));
        });
    });

    node.on('close', (removed: boolean, done: () => void) => {
      closing.abort();
      jobs.close(removed).then(done, (err: unknown) => {
        node.error(localizeError(t, err));
        done();
      });
    });
  }

  RED.nodes.registerType(TYPE, UnisoundAsrSubmit);
}

function urlFormat(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    return formatFromName(new URL(url).pathname);
  } catch {
    return undefined;
  }
}
