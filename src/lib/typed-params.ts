import { evaluateProperty, NodeAPI, NodeMessage } from './node-red';
import { isBlank } from './validate';

/** TypedInput types Node-RED evaluates; any other type is an editor-only list of literal choices. */
const EVALUATED_TYPES = new Set([
  'msg',
  'flow',
  'global',
  'env',
  'jsonata',
  'num',
  'bool',
  'json',
  'date',
  'bin',
  're',
]);

/**
 * Reads editor fields (`<prop>` + `<prop>Type`) into vendor parameter names.
 * Blank fields are left out so the vendor's defaults apply.
 */
export async function readTypedParams(
  RED: NodeAPI,
  node: object,
  config: Record<string, unknown>,
  props: Record<string, string>,
  msg: NodeMessage,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [param, prop] of Object.entries(props)) {
    const raw = config[prop];
    const type = typeof config[`${prop}Type`] === 'string' ? (config[`${prop}Type`] as string) : 'str';
    if (isBlank(raw) && type !== 'bool') continue;
    const value = EVALUATED_TYPES.has(type) ? await evaluateProperty(RED, node, raw, type, msg) : raw;
    if (!isBlank(value)) out[param] = value;
  }
  return out;
}
