/** v7 operations: join, get, leave, update, list (§2.3). */
import { EmulatedAgent, V7_STATES, newAgentId } from './agents';
import { checkRtcToken } from './bot-tokens';
import { Errors } from './errors';
import type { OpRequest, OpResult, OpsContext } from './context';
import { isObject, type Json } from './validate-body';
import { joinProblems } from './validate-v7';
import { V7_UPDATE, applyUpdate, parseSequenceId, updateProblems } from './validate-update';

function view(a: EmulatedAgent): Json {
  return { agent_id: a.id, create_ts: a.createTs, status: a.status };
}

function findAgent(ctx: OpsContext, r: OpRequest): EmulatedAgent {
  const a = r.id === undefined ? undefined : ctx.agents.get(r.id);
  if (!a || a.apiVersion !== 'v7' || a.appId !== r.appId) throw Errors.agentNotFound();
  return a;
}

export function join(ctx: OpsContext, r: OpRequest): OpResult {
  const problems = joinProblems(r.body);
  if (problems.length) throw Errors.v7Invalid(problems[0]);
  const body = r.body as Json;
  const rtc = body.rtcConfig as Json;
  const channel = String(rtc.channelName);
  const cert = ctx.apps[r.appId]?.certificate;
  if (cert) {
    const nowSec = Math.floor(ctx.now() / 1000);
    if (rtc.pubBotToken === undefined)
      throw Errors.v7Invalid('rtcConfig.pubBotToken: required when the App Certificate is enabled');
    const pub = checkRtcToken(rtc.pubBotToken, r.appId, cert, channel, String(rtc.pubBotUid), nowSec);
    if (pub) throw Errors.v7InvalidToken(`rtcConfig.pubBotToken: ${pub}`);
    if (rtc.subBotToken !== undefined) {
      const sub = checkRtcToken(
        rtc.subBotToken,
        r.appId,
        cert,
        channel,
        String(rtc.subBotUid ?? rtc.pubBotUid),
        nowSec,
      );
      if (sub) throw Errors.v7InvalidToken(`rtcConfig.subBotToken: ${sub}`);
    }
  }
  // "it dedupes tasks per channel": a name is taken while its agent has not stopped.
  for (const a of ctx.agents.values()) {
    if (
      a.apiVersion === 'v7' &&
      a.appId === r.appId &&
      a.channel === channel &&
      a.name === body.name &&
      a.status !== 'STOPPED'
    )
      throw Errors.taskConflict();
  }
  const agent = new EmulatedAgent(
    { id: newAgentId(), apiVersion: 'v7', appId: r.appId, name: String(body.name), body, createdAt: ctx.now() },
    ctx.now,
    ctx.statusStepMs,
  );
  ctx.agents.set(agent.id, agent);
  ctx.events?.joined(agent);
  return view(agent);
}

export function get(ctx: OpsContext, r: OpRequest): OpResult {
  const a = findAgent(ctx, r);
  return { message: 'success', ...view(a) };
}

/** [I] Leaving an agent that is stopping or stopped answers 404 like an unknown one. */
export function leave(ctx: OpsContext, r: OpRequest): OpResult {
  const a = findAgent(ctx, r);
  if (a.stopping) throw Errors.agentNotFound();
  a.requestStop();
  ctx.events?.left(a);
  return 'empty';
}

function spacingWait(ctx: OpsContext, a: EmulatedAgent): number {
  const last = a.lastUpdateAt ?? a.createdAt;
  return last + ctx.updateSpacingMs - ctx.now();
}

export function update(ctx: OpsContext, r: OpRequest): OpResult {
  const a = findAgent(ctx, r);
  if (a.stopping) throw Errors.agentNotFound();
  // Both query params are deprecated in v7: [I] accepted when absent, enforced when sent.
  const rawSeq = r.params.sequenceId;
  const seq = rawSeq === undefined ? undefined : parseSequenceId(rawSeq);
  if (rawSeq !== undefined && seq === undefined) throw Errors.v7Invalid('sequenceId: must be a non-negative integer');
  if (seq !== undefined && seq <= a.sequenceId)
    throw Errors.v7Invalid(`sequenceId: must be greater than ${a.sequenceId}`);
  const body = r.body;
  const mask =
    r.params.updateMask !== undefined
      ? r.params.updateMask
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : isObject(body)
        ? Object.keys(body)
        : [];
  const problems = updateProblems(body, mask, V7_UPDATE);
  if (problems.length) throw Errors.v7Invalid(problems[0]);
  const wait = spacingWait(ctx, a);
  if (wait > 0) throw Errors.v7UpdateTooSoon(wait);
  applyUpdate(a.config, body as Json, mask);
  if (seq !== undefined) a.sequenceId = seq;
  a.lastUpdateAt = ctx.now();
  a.updates.push({ at: a.lastUpdateAt, sequenceId: seq, mask, body: structuredClone(body as Json) });
  return view(a);
}

function intParam(params: Record<string, string>, name: string, min: number, max: number): number | undefined {
  const raw = params[name];
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
    throw Errors.v7Invalid(`${name}: integer ${min} to ${max}`);
  return Number(raw);
}

/** Cursor paging: the cursor is the agent_id to continue after, "" on the last page. */
export function list(ctx: OpsContext, r: OpRequest): OpResult {
  const nowSec = Math.floor(ctx.now() / 1000);
  const state = intParam(r.params, 'state', 0, 6) ?? 2;
  // [I] limit 1..100 (default 20 is documented, the maximum is not).
  const limit = intParam(r.params, 'limit', 1, 100) ?? 20;
  const from = intParam(r.params, 'from_time', 0, Number.MAX_SAFE_INTEGER) ?? nowSec - 86400;
  const to = intParam(r.params, 'to_time', 0, Number.MAX_SAFE_INTEGER) ?? nowSec;
  if (from > to) throw Errors.v7Invalid('from_time: must not be after to_time');
  const channel = r.params.channel;
  const matching = [...ctx.agents.values()].filter(
    (a) =>
      a.apiVersion === 'v7' &&
      a.appId === r.appId &&
      (channel === undefined || a.channel === channel) &&
      a.createTs >= from &&
      a.createTs <= to &&
      a.status === V7_STATES[state],
  );
  let start = 0;
  const cursor = r.params.cursor;
  if (cursor !== undefined && cursor !== '') {
    const i = matching.findIndex((a) => a.id === cursor);
    // [I] A cursor that is not in the result set is refused rather than restarting.
    if (i < 0) throw Errors.v7Invalid('cursor: unknown agent_id');
    start = i + 1;
  }
  const page = matching.slice(start, start + limit);
  const more = start + page.length < matching.length;
  return {
    data: { count: page.length, list: page.map((a) => ({ start_ts: a.createTs, status: a.status, agent_id: a.id })) },
    meta: { cursor: more ? page[page.length - 1].id : '', total: matching.length },
    status: 'ok',
  };
}
