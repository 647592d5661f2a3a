/**
 * Editor text -> Agora body values, shared by the Agora STT action nodes. Text typed in a dialog
 * becomes the documented shape; a value that already has it (from msg/flow/global) passes
 * unchanged, and anything wrong is left for the client's validation to name.
 */
import { isPlainObject } from '../merge';
import { NodeMessage } from '../node-red';
import { AgoraTaskRef } from '../../vendors/agora/types';

/** "en-US, zh-CN" or one per line -> ["en-US", "zh-CN"]; a list or other value as it is. */
export function listOf(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return value
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** UID lists also take a single number from msg/flow/global. */
export function uidListOf(value: unknown): unknown {
  return typeof value === 'number' ? [String(value)] : listOf(value);
}

/**
 * "en-US: zh-CN, ja-JP; fr-FR: en-US" -> [{source, target[]}]. A group without ":" keeps its
 * text as the source with no targets, so validation names it instead of it vanishing.
 */
export function translationsOf(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return value
    .split(/[;\n]/)
    .map((g) => g.trim())
    .filter((g) => g !== '')
    .map((group) => {
      const colon = group.indexOf(':');
      if (colon < 0) return { source: group, target: [] };
      return { source: group.slice(0, colon).trim(), target: listOf(group.slice(colon + 1)) };
    });
}

/** JSON text from a `json` TypedInput arrives parsed; a string from elsewhere is parsed if it can be. */
export function jsonOf(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * The task a query, update or stop acts on: the ID from the node's Task ID field, and what
 * the start node put in msg.agora (API version, builder token, name, channel).
 */
export function taskRefOf(msg: NodeMessage, taskId: unknown): AgoraTaskRef {
  const agora = isPlainObject(msg.agora) ? msg.agora : {};
  const ref: Record<string, unknown> = { taskId: typeof taskId === 'number' ? String(taskId) : taskId };
  for (const key of ['apiVersion', 'builderToken', 'name', 'channel'] as const) {
    if (agora[key] !== undefined) ref[key] = agora[key];
  }
  return ref as unknown as AgoraTaskRef;
}
