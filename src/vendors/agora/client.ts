import { setMaxListeners } from 'events';
import type { Method } from 'axios';
import { Problem, SpeechApiError, validationError, withoutSecrets } from '../../lib/errors';
import { HttpClient } from '../../lib/http';
import { processStore } from '../../lib/state/memory-store';
import { StateStore } from '../../lib/state/store';
import { Checker } from './checker';
import { parseJson, toAgoraError } from './errors';
import { basicAuthorization, generateName } from './names';
import { abortedError, claimStartSlot, TASK_STATE_TTL_MS, UpdateQueue } from './pacing';
import { buildBotToken } from './tokens';
import {
  AgoraApiVersion,
  AgoraCallOptions,
  AgoraClientOptions,
  AgoraListFilter,
  AgoraTaskInfo,
  AgoraTaskRef,
} from './types';
import { INSTANCE_ID, prepareStart, prepareUpdate } from './validate';
import { AGENT_STATES } from './vocabulary';

export const DEFAULT_ENDPOINT = 'https://api.agora.io';
export const DEFAULT_UPDATE_SPACING_MS = 5000;
export const DEFAULT_START_SPACING_MS = 1000;
/**
 * "An authentication token is a dynamic key that is valid for a maximum of 24 hours"
 * (Docs-Source shared/video-sdk/token-authentication/deploy-token-server/index.mdx): bot tokens
 * are built for 24 h on both versions, though a v7 task may run 72 h (v7.2.3). Nothing in Agora's
 * material renews a running bot's token (update.mdx has no token field); webhook 104 warns 30 s
 * before it expires.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600;
export const DEFAULT_TOKEN_LIFETIME_SECONDS: Record<AgoraApiVersion, number> = {
  v7: MAX_TOKEN_LIFETIME_SECONDS,
  v6: MAX_TOKEN_LIFETIME_SECONDS,
};
/** A builder token lives 5 minutes; one older than this is replaced before the start is sent. */
const BUILDER_TOKEN_FRESH_MS = 4 * 60 * 1000;
export { AGENT_STATES };
const MAX_LIST_PAGES = 1000;
const TASK_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

type Json = Record<string, unknown>;

interface CallSpec {
  method: Method;
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: Json;
  idempotent: boolean;
  signal: AbortSignal;
  /** Values of this request that must never appear in an error (tokens, storage keys, encryption secrets). */
  secrets?: unknown[];
  /** Leave answers 200 with an empty body. */
  emptyOk?: boolean;
}

/** A small SDK for Agora Real-time STT: v7 agents (default) and v6 builder-token tasks (legacy). */
export class AgoraSttClient {
  private readonly http: HttpClient;
  private readonly store: StateStore;
  private readonly now: () => number;
  private readonly closing = new AbortController();
  private readonly updates: UpdateQueue;
  private readonly authorization: string;
  private readonly version: AgoraApiVersion;

  constructor(private readonly opts: AgoraClientOptions) {
    const problems = optionProblems(opts);
    if (problems.length) throw validationError('agora', problems);
    this.version = opts.apiVersion;
    this.now = opts.now ?? Date.now;
    this.store = opts.store ?? processStore;
    this.authorization = basicAuthorization(opts.customerId, opts.customerSecret);
    this.updates = new UpdateQueue(this.store, opts.updateSpacingMs ?? DEFAULT_UPDATE_SPACING_MS, this.now);
    setMaxListeners(0, this.closing.signal);
    this.http = new HttpClient({
      vendor: 'agora',
      baseURL: (opts.endpoint || DEFAULT_ENDPOINT).replace(/\/+$/, ''),
      timeoutMs: opts.timeoutMs,
      maxRetries: opts.maxRetries,
      toError: toAgoraError,
    });
  }

  /** v7: join (one unused name per task); v6: acquire a builder token and start with it. */
  async start(
    input: Json,
    call: AgoraCallOptions = {},
  ): Promise<{ taskId: string; payload: Json; agora: AgoraTaskInfo }> {
    const signal = this.signal(call);
    const prepared = prepareStart(this.version, input ?? {});
    if (prepared.problems.length) throw validationError('agora', prepared.problems);
    const body = prepared.body;
    const rtc = body.rtcConfig as Json;
    const channel = prepared.channel as string;
    this.addBotTokens(rtc, channel);
    const secrets = [rtc.pubBotToken, rtc.subBotToken, rtc.secret, rtc.salt, secretKeyOf(body)];
    const slotKey = `agora:start:${this.opts.appId}:${channel}`;
    const spacing = this.opts.startSpacingMs ?? DEFAULT_START_SPACING_MS;
    const info: AgoraTaskInfo = { apiVersion: this.version, taskId: '', channel, pubBotUid: prepared.pubBotUid };
    if (prepared.ignored.length) info.ignored = prepared.ignored;

    let payload: Json;
    if (this.version === 'v7') {
      const name = await this.claimName(body.name as string | undefined, channel);
      body.name = name;
      info.name = name;
      await claimStartSlot(this.store, slotKey, spacing, this.now, signal);
      try {
        payload = await this.call({
          method: 'POST',
          path: `${this.v7Base()}/join`,
          body,
          idempotent: false,
          signal,
          secrets,
        });
      } catch (err) {
        // A definite refusal never created the task, so a name the user chose may be tried again.
        if (isDefiniteRefusal(err)) await this.store.delete(nameKey(this.opts.appId, name));
        throw err;
      }
      info.taskId = stringOf(payload.agent_id);
      info.createTs = numberOf(payload.create_ts);
    } else {
      const instanceId = (body.name as string | undefined) ?? generateName(channel);
      delete body.name;
      info.name = instanceId;
      info.subBotUid = prepared.subBotUid;
      let acquired = await this.acquire(instanceId, signal);
      await claimStartSlot(this.store, slotKey, spacing, this.now, signal);
      if (this.now() - acquired.at > BUILDER_TOKEN_FRESH_MS) acquired = await this.acquire(instanceId, signal);
      const startWith = (token: string): Promise<Json> =>
        this.call({
          method: 'POST',
          path: `${this.v6Base()}/tasks`,
          query: { builderToken: token },
          body,
          idempotent: false,
          signal,
          secrets,
        });
      try {
        payload = await startWith(acquired.token);
      } catch (err) {
        // An expired token started nothing, so one more try with a fresh token is safe.
        if (!(err instanceof SpeechApiError) || err.code !== 'BuilderTokenExpired') throw err;
        acquired = await this.acquire(instanceId, signal);
        payload = await startWith(acquired.token);
      }
      info.builderToken = acquired.token;
      info.taskId = stringOf(payload.taskId);
      info.createTs = numberOf(payload.createTs);
    }
    if (!info.taskId) {
      throw new SpeechApiError({
        vendor: 'agora',
        code: 'InvalidResponse',
        message: `Agora accepted the start but returned no ${this.version === 'v7' ? 'agent_id' : 'taskId'}.`,
      });
    }
    info.status = stringOf(payload.status) || undefined;
    await this.updates.touch(this.taskKey(info.taskId));
    return { taskId: info.taskId, payload, agora: info };
  }

  async query(ref: AgoraTaskRef, call: AgoraCallOptions = {}): Promise<{ payload: Json; status?: string }> {
    const signal = this.signal(call);
    const { taskId, version, builderToken } = this.checkRef(ref);
    const payload =
      version === 'v7'
        ? await this.call({ method: 'GET', path: `${this.v7Base()}/agents/${enc(taskId)}`, idempotent: true, signal })
        : await this.call({
            method: 'GET',
            path: `${this.v6Base()}/tasks/${enc(taskId)}`,
            query: { builderToken },
            idempotent: true,
            signal,
          });
    return { payload, status: stringOf(payload.status) || undefined };
  }

  /** v7 only: every agent matching the filter, following the cursor through every page. */
  async list(
    filter: AgoraListFilter = {},
    call: AgoraCallOptions = {},
  ): Promise<{ payload: { agents: Json[]; total: number; pages: number } }> {
    if (this.version !== 'v7') {
      throw validationError('agora', [
        {
          field: 'apiVersion',
          rule: 'v7Only',
          message: 'Listing tasks is available only on API v7; this config node uses v6.',
          params: { field: 'apiVersion', version: 'v7' },
        },
      ]);
    }
    const signal = this.signal(call);
    const query = listQuery(filter);
    const agents: Json[] = [];
    const seen = new Set<string>();
    let total: number;
    let pages = 0;
    let cursor: string | undefined;
    do {
      const page = await this.listPage({ ...query, cursor }, signal);
      pages++;
      agents.push(...page.list);
      total = page.total ?? agents.length;
      // A cursor seen before, or an empty page, ends the walk: a misbehaving server cannot loop it.
      cursor = page.cursor && !seen.has(page.cursor) && page.list.length > 0 ? page.cursor : undefined;
      if (cursor) seen.add(cursor);
    } while (cursor && pages < MAX_LIST_PAGES);
    return { payload: { agents, total, pages } };
  }

  async update(
    ref: AgoraTaskRef,
    changes: Json,
    call: AgoraCallOptions = {},
  ): Promise<{ payload: Json; sequenceId: number; updateMask: string }> {
    const signal = this.signal(call);
    const problems: Problem[] = [];
    let checked: ReturnType<AgoraSttClient['checkRef']> | undefined;
    try {
      checked = this.checkRef(ref);
    } catch (err) {
      problems.push(...((err as SpeechApiError).problems ?? []));
    }
    const prepared = prepareUpdate(checked?.version ?? this.version, changes ?? {});
    problems.push(...prepared.problems);
    if (problems.length || !checked) throw validationError('agora', problems);
    const { taskId, version, builderToken } = checked;
    const { body, updateMask } = prepared;
    return this.updates.run(this.taskKey(taskId), signal, async (sequenceId) => {
      const payload =
        version === 'v7'
          ? await this.call({
              method: 'POST',
              path: `${this.v7Base()}/agents/${enc(taskId)}/update`,
              query: { sequenceId, updateMask },
              body,
              idempotent: false,
              signal,
            })
          : await this.call({
              method: 'PATCH',
              path: `${this.v6Base()}/tasks/${enc(taskId)}`,
              query: { builderToken, sequenceId, updateMask },
              body,
              idempotent: false,
              signal,
            });
      return { payload, sequenceId, updateMask };
    });
  }

  async stop(ref: AgoraTaskRef, call: AgoraCallOptions = {}): Promise<{ payload: Json }> {
    const signal = this.signal(call);
    const { taskId, version, builderToken } = this.checkRef(ref);
    // Stopping names one task, so a repeat is harmless (at worst "already stopped").
    const payload =
      version === 'v7'
        ? await this.call({
            method: 'POST',
            path: `${this.v7Base()}/agents/${enc(taskId)}/leave`,
            idempotent: true,
            signal,
            emptyOk: true,
          })
        : await this.call({
            method: 'DELETE',
            path: `${this.v6Base()}/tasks/${enc(taskId)}`,
            query: { builderToken },
            idempotent: true,
            signal,
            emptyOk: true,
          });
    await this.updates.forget(this.taskKey(taskId));
    return { payload };
  }

  /** A harmless authenticated read (the v7 list, one agent), whatever the API version. */
  async testConnection(): Promise<{ agents: number }> {
    const page = await this.listPage({ limit: 1 }, this.signal({}));
    return { agents: page.total ?? page.list.length };
  }

  /** Cancels queued and in-flight requests and waits, and frees pooled sockets. */
  close(): void {
    this.closing.abort();
    this.http.close();
  }

  private async listPage(
    query: Record<string, string | number | undefined>,
    signal: AbortSignal,
  ): Promise<{ list: Json[]; total?: number; cursor?: string }> {
    const payload = await this.call({
      method: 'GET',
      path: `${this.v7Base()}/agents`,
      query,
      idempotent: true,
      signal,
    });
    const data = (payload.data ?? {}) as Json;
    const meta = (payload.meta ?? {}) as Json;
    const list = Array.isArray(data.list) ? (data.list as Json[]) : [];
    return { list, total: numberOf(meta.total) ?? numberOf(data.count), cursor: stringOf(meta.cursor) || undefined };
  }

  private async acquire(instanceId: string, signal: AbortSignal): Promise<{ token: string; at: number }> {
    const payload = await this.call({
      method: 'POST',
      path: `${this.v6Base()}/builderTokens`,
      body: { instanceId },
      idempotent: false,
      signal,
    });
    const token = stringOf(payload.tokenName);
    if (!token)
      throw new SpeechApiError({
        vendor: 'agora',
        code: 'InvalidResponse',
        message: 'Agora answered the builder-token request without a tokenName.',
      });
    return { token, at: this.now() };
  }

  /** v7 names dedupe tasks, so a name is claimed once and never reused. */
  private async claimName(given: string | undefined, channel: string): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const name = given ?? generateName(channel);
      if (await this.store.setIfAbsent(nameKey(this.opts.appId, name), channel, TASK_STATE_TTL_MS)) return name;
      if (given || attempt >= 3) {
        throw validationError('agora', [
          {
            field: 'name',
            rule: 'nameUsed',
            message: `The task name "${name}" was already used for a task of this App ID; Agora refuses a name twice. Give a new name, or leave it empty to have one generated.`,
            params: { field: 'name', value: name },
          },
        ]);
      }
    }
  }

  private addBotTokens(rtc: Json, channel: string): void {
    const cert = this.opts.appCertificate;
    if (!cert) return;
    const lifetime = this.opts.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS[this.version];
    if (rtc.pubBotToken === undefined)
      rtc.pubBotToken = buildBotToken(this.opts.appId, cert, channel, rtc.pubBotUid as string, lifetime);
    if (this.version === 'v6' && rtc.subBotToken === undefined)
      rtc.subBotToken = buildBotToken(this.opts.appId, cert, channel, rtc.subBotUid as string, lifetime);
  }

  private checkRef(ref: AgoraTaskRef): { taskId: string; version: AgoraApiVersion; builderToken?: string } {
    const c = new Checker();
    const r = (ref && typeof ref === 'object' ? ref : {}) as AgoraTaskRef;
    const taskId =
      r.taskId === undefined || r.taskId === null || r.taskId === ''
        ? c.add('taskId', 'required', 'taskId is required: set msg.taskId (the start node sets it).')
        : c.string('taskId', r.taskId, 128, { pattern: TASK_ID, hint: 'must be a task or agent ID' });
    let version = this.version;
    if (r.apiVersion !== undefined) {
      if (r.apiVersion === 'v7' || r.apiVersion === 'v6') version = r.apiVersion;
      else c.add('apiVersion', 'enum', 'apiVersion must be v7 or v6.', { values: 'v7, v6' });
    }
    let builderToken: string | undefined;
    if (version === 'v6') {
      builderToken =
        r.builderToken === undefined || r.builderToken === ''
          ? c.add(
              'builderToken',
              'required',
              'A v6 task needs the builderToken it was started with (msg.agora.builderToken from the start node).',
            )
          : c.string('builderToken', r.builderToken, 4096);
    }
    if (c.problems.length) throw validationError('agora', c.problems);
    return { taskId: taskId as string, version, builderToken };
  }

  private async call(spec: CallSpec): Promise<Json> {
    const query = queryString(spec.query);
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    const headers: Record<string, string> = { authorization: this.authorization, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let raw;
    try {
      raw = await this.http.send(() => ({ method: spec.method, path: `${spec.path}${query}`, headers, body }), {
        idempotent: spec.idempotent,
        signal: spec.signal,
      });
    } catch (err) {
      throw this.redact(err, spec.secrets);
    }
    if (raw.body.trim() === '' && spec.emptyOk) return {};
    const parsed = parseJson(raw.body);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      if (spec.emptyOk) return {};
      throw new SpeechApiError({
        vendor: 'agora',
        code: 'InvalidResponse',
        httpStatus: raw.status,
        message: `Agora answered HTTP ${raw.status} with a body that is not a JSON object; check the endpoint in the config node.`,
      });
    }
    return parsed as Json;
  }

  /** Agora may echo a rejected field; secrets of the config or the request never leave in an error. */
  private redact(err: unknown, extra: unknown[] = []): unknown {
    return withoutSecrets(err, [
      this.opts.customerSecret,
      this.opts.appCertificate,
      this.authorization.slice('Basic '.length),
      ...extra,
    ]);
  }

  private signal(call: AgoraCallOptions): AbortSignal {
    if (this.closing.signal.aborted || call.signal?.aborted) throw abortedError();
    return call.signal ? AbortSignal.any([call.signal, this.closing.signal]) : this.closing.signal;
  }

  private taskKey(taskId: string): string {
    return `${this.opts.appId}:${taskId}`;
  }

  private v7Base(): string {
    return `/api/speech-to-text/v1/projects/${enc(this.opts.appId)}`;
  }

  private v6Base(): string {
    return `/v1/projects/${enc(this.opts.appId)}/rtsc/speech-to-text`;
  }
}

function nameKey(appId: string, name: string): string {
  return `agora:name:${appId}:${name}`;
}

/** The vendor answered 4xx (other than a conflict or throttling): nothing was created. */
function isDefiniteRefusal(err: unknown): boolean {
  const status = err instanceof SpeechApiError ? err.httpStatus : undefined;
  return status !== undefined && status >= 400 && status < 500 && status !== 409 && status !== 429;
}

function listQuery(filter: AgoraListFilter): Record<string, string | number | undefined> {
  const c = new Checker();
  const f = (filter && typeof filter === 'object' ? filter : {}) as AgoraListFilter;
  const q: Record<string, string | number | undefined> = {};
  if (f.channel !== undefined && f.channel !== '') q.channel = c.string('channel', f.channel, 64);
  if (f.state !== undefined && f.state !== '') {
    const named =
      typeof f.state === 'string'
        ? AGENT_STATES.indexOf(f.state.trim().toUpperCase() as (typeof AGENT_STATES)[number])
        : -1;
    q.state = named >= 0 ? named : c.int('state', f.state, 0, AGENT_STATES.length - 1);
  }
  if (f.fromTime !== undefined) q.from_time = c.int('fromTime', f.fromTime, 0, 4294967295);
  if (f.toTime !== undefined) q.to_time = c.int('toTime', f.toTime, 0, 4294967295);
  if (f.limit !== undefined) q.limit = c.int('limit', f.limit, 1, 100);
  if (c.problems.length) throw validationError('agora', c.problems);
  return q;
}

function optionProblems(opts: AgoraClientOptions): Problem[] {
  const c = new Checker();
  const o = (opts ?? {}) as Partial<AgoraClientOptions>;
  if (!o.appId) c.add('appId', 'required', 'The Agora config node has no App ID.');
  else c.string('appId', o.appId, 64, { pattern: INSTANCE_ID, hint: 'must be the App ID from Agora Console' });
  if (!o.customerId)
    c.add('customerId', 'required', 'The Agora config node has no customer ID (Agora Console → RESTful API).');
  if (!o.customerSecret)
    c.add('customerSecret', 'required', 'The Agora config node has no customer secret (Agora Console → RESTful API).');
  if (o.apiVersion !== 'v7' && o.apiVersion !== 'v6')
    c.add('apiVersion', 'enum', 'The API version must be v7 or v6.', { values: 'v7, v6' });
  if (o.endpoint) {
    let url: URL | undefined;
    try {
      url = new URL(o.endpoint);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol))
      c.add('endpoint', 'url', `The endpoint must be an http(s) URL such as ${DEFAULT_ENDPOINT}.`, {
        schemes: 'http/https',
        value: String(o.endpoint).slice(0, 200),
      });
  }
  for (const key of ['updateSpacingMs', 'startSpacingMs'] as const)
    if (o[key] !== undefined) c.int(key, o[key], 0, 600000);
  if (o.tokenLifetimeSeconds !== undefined)
    c.int('tokenLifetimeSeconds', o.tokenLifetimeSeconds, 60, MAX_TOKEN_LIFETIME_SECONDS);
  return c.problems;
}

function queryString(query?: Record<string, string | number | undefined>): string {
  if (!query) return '';
  const parts = Object.entries(query)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

function secretKeyOf(body: Json): unknown {
  const cap = body.captionConfig as Json | undefined;
  return (cap?.storage as Json | undefined)?.secretKey;
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

function stringOf(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function numberOf(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
