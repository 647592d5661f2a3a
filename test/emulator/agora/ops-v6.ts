/** v6 operations: acquire, start, query, stop, update (§2.4, errors §2.5). */
import { EmulatedAgent, newTaskId } from './agents';
import { checkRtcToken } from './bot-tokens';
import { INSTANCE_ID, type BuilderToken } from './builder-tokens';
import { Errors } from './errors';
import type { OpRequest, OpResult, OpsContext } from './context';
import { isObject, type Json } from './validate-body';
import { startProblems } from './validate-v6';
import { V6_UPDATE, applyUpdate, parseSequenceId, updateProblems } from './validate-update';

function view(a: EmulatedAgent): Json {
  return { taskId: a.id, createTs: a.createTs, status: a.status };
}

function token(ctx: OpsContext, r: OpRequest): BuilderToken {
  const t = ctx.builderTokens.parse(r.params.builderToken);
  if (!t) throw Errors.builderTokenUnparseable();
  if (t.appId !== r.appId) throw Errors.builderTokenOtherApp();
  return t;
}

/** The task named in the path, started with the token in the query. */
function ownedTask(ctx: OpsContext, r: OpRequest): EmulatedAgent {
  const t = token(ctx, r);
  const a = r.id === undefined ? undefined : ctx.agents.get(r.id);
  if (!a || a.apiVersion !== 'v6' || a.appId !== r.appId) throw Errors.taskNotFound();
  if (a.builderToken !== t.tokenName) throw Errors.taskTokenMismatch();
  return a;
}

export function acquire(ctx: OpsContext, r: OpRequest): OpResult {
  const body = r.body;
  if (!isObject(body) || typeof body.instanceId !== 'string' || !INSTANCE_ID.test(body.instanceId))
    throw Errors.schema('instanceId');
  const t = ctx.builderTokens.issue(r.appId, body.instanceId, ctx.now());
  return { createTs: Math.floor(t.createdAt / 1000), instanceId: t.instanceId, tokenName: t.tokenName };
}

export function start(ctx: OpsContext, r: OpRequest): OpResult {
  const t = token(ctx, r);
  if (t.taskId !== undefined) throw Errors.alreadyStarted(t.taskId);
  if (ctx.now() - t.createdAt > ctx.builderTokenTtlMs) throw Errors.builderTokenExpired();
  const problems = startProblems(r.body);
  if (problems.length) throw Errors.schema(problems[0]);
  const body = r.body as Json;
  const rtc = body.rtcConfig as Json;
  const cert = ctx.apps[r.appId]?.certificate;
  if (cert) {
    const nowSec = Math.floor(ctx.now() / 1000);
    for (const [tokenKey, uidKey] of [
      ['subBotToken', 'subBotUid'],
      ['pubBotToken', 'pubBotUid'],
    ] as const) {
      if (rtc[tokenKey] === undefined)
        throw Errors.schema(`rtcConfig.${tokenKey}: required when the App Certificate is enabled`);
      const p = checkRtcToken(rtc[tokenKey], r.appId, cert, String(rtc.channelName), String(rtc[uidKey]), nowSec);
      if (p) throw Errors.schema(`rtcConfig.${tokenKey}: ${p}`);
    }
  }
  const task = new EmulatedAgent(
    { id: newTaskId(), apiVersion: 'v6', appId: r.appId, body, builderToken: t.tokenName, createdAt: ctx.now() },
    ctx.now,
    ctx.statusStepMs,
  );
  t.taskId = task.id;
  ctx.agents.set(task.id, task);
  return view(task);
}

/** [I] A stopped task stays queryable (status STOPPED). */
export function query(ctx: OpsContext, r: OpRequest): OpResult {
  return view(ownedTask(ctx, r));
}

/** [I] 200 with `{}` (the doc leaves the body unspecified); a repeated stop is code 49. */
export function stop(ctx: OpsContext, r: OpRequest): OpResult {
  const a = ownedTask(ctx, r);
  if (a.stopping) throw Errors.stopRepeated();
  a.requestStop();
  return {};
}

export function update(ctx: OpsContext, r: OpRequest): OpResult {
  const a = ownedTask(ctx, r);
  if (a.stopping) throw Errors.taskNotFound();
  const seq = parseSequenceId(r.params.sequenceId);
  if (seq === undefined) throw Errors.schema('sequenceId: required non-negative integer');
  if (seq <= a.sequenceId) throw Errors.v6SequenceId(a.sequenceId);
  if (r.params.updateMask === undefined) throw Errors.schema('updateMask: required');
  const mask = r.params.updateMask
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const problems = updateProblems(r.body, mask, V6_UPDATE);
  if (problems.length) throw Errors.schema(problems[0]);
  const wait = (a.lastUpdateAt ?? a.createdAt) + ctx.updateSpacingMs - ctx.now();
  if (wait > 0) throw Errors.v6UpdateTooSoon(wait);
  applyUpdate(a.config, r.body as Json, mask);
  a.sequenceId = seq;
  a.lastUpdateAt = ctx.now();
  a.updates.push({ at: a.lastUpdateAt, sequenceId: seq, mask, body: structuredClone(r.body as Json) });
  return view(a);
}
