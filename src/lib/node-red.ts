/**
 * The slice of Node-RED's runtime API these nodes use. @types/node-red predates
 * Node-RED 4, so the package declares what it relies on here, in one place.
 */
import type { Application, RequestHandler } from 'express';

export interface NodeMessage {
  _msgid?: string;
  payload?: unknown;
  topic?: string;
  [key: string]: unknown;
}

export interface NodeStatus {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

export type SendFn = (msg: NodeMessage | Array<NodeMessage | NodeMessage[] | null>) => void;
export type DoneFn = (err?: Error) => void;

export interface Node<TCreds = Record<string, string | undefined>> {
  id: string;
  type: string;
  name?: string;
  z?: string;
  credentials: TCreds;
  on(event: 'input', listener: (msg: NodeMessage, send: SendFn, done: DoneFn) => void): void;
  on(event: 'close', listener: (removed: boolean, done: () => void) => void): void;
  status(status: NodeStatus): void;
  send(msg: NodeMessage | Array<NodeMessage | null>): void;
  log(msg: string): void;
  warn(msg: string): void;
  error(err: string | Error, msg?: NodeMessage): void;
}

export interface NodeDef {
  id: string;
  type: string;
  name?: string;
  z?: string;
  [key: string]: unknown;
}

export interface NodeAPI {
  nodes: {
    createNode(node: object, def: NodeDef): void;
    registerType(
      type: string,
      // Node-RED binds `this` to the new node; each constructor declares its own node type.
      ctor: (this: never, def: NodeDef) => void,
      opts?: { credentials?: Record<string, { type: 'text' | 'password' }>; settings?: Record<string, unknown> },
    ): void;
    getNode(id: string): unknown;
  };
  util: {
    evaluateNodeProperty(
      value: unknown,
      type: string,
      node: object,
      msg: NodeMessage | undefined,
      cb: (err: Error | null, result: unknown) => void,
    ): void;
    getSetting?(node: object, name: string): unknown;
  };
  httpNode: Application;
  httpAdmin: Application;
  auth: { needsPermission(permission: string): RequestHandler };
  settings: Record<string, unknown> & { httpNodeRoot?: string | false; httpAdminRoot?: string | false };
  /** Runtime events ("flows:started"); absent in some test harnesses. */
  events?: { on(event: string, fn: () => void): void; removeListener(event: string, fn: () => void): void };
  log: { info(m: string): void; warn(m: string): void; error(m: string): void; debug(m: string): void };
  _: (key: string, params?: Record<string, unknown>) => string;
}

/** Evaluates a TypedInput (msg/flow/global/env/jsonata/str/num/bool/json) with the callback form Node-RED 4 requires. */
export function evaluateProperty(
  RED: NodeAPI,
  node: object,
  value: unknown,
  type: string | undefined,
  msg: NodeMessage,
): Promise<unknown> {
  if (!type || type === 'str') return Promise.resolve(value);
  return new Promise((resolve, reject) => {
    try {
      RED.util.evaluateNodeProperty(value, type, node, msg, (err, result) => (err ? reject(err) : resolve(result)));
    } catch (err) {
      reject(err);
    }
  });
}

/** What the editor sends for a password field the user did not change; the stored value applies. */
export const UNCHANGED_PASSWORD = '__PWRD__';

/** A secret the editor sent in a test request, or undefined where the stored one applies. */
export function typedSecret(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' && value !== UNCHANGED_PASSWORD ? value : undefined;
}

/**
 * The credential a Test button sends. What the user typed is sent exactly as typed: a typed
 * "${HOME}" is the text "${HOME}", never the runtime's environment, because anyone who may
 * press Test may also name any endpoint. Only a saved node's stored credential is resolved
 * (as the node itself resolves it at run time); the caller sends it only to the saved endpoint.
 */
export function testSecret(
  RED: NodeAPI,
  saved: object | undefined,
  typed: unknown,
  stored: string | undefined,
): string | undefined {
  const value = typedSecret(typed);
  if (value !== undefined) return value;
  return saved && stored ? resolveSecret(RED, saved, stored) : undefined;
}

/** The JSON body of an admin request, or an empty object. */
export function adminBody(req: { body?: unknown }): Record<string, unknown> {
  return (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
}

const ENV_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/**
 * A credential typed as `${NAME}` is read from the environment at run time, so
 * flows can be shared without the secret in them.
 */
export function resolveSecret(RED: NodeAPI, node: object, value: string | undefined): string | undefined {
  if (!value) return value;
  const ref = ENV_REFERENCE.exec(value.trim());
  if (!ref) return value;
  const fromFlow = RED.util.getSetting ? RED.util.getSetting(node, ref[1]) : undefined;
  const resolved = fromFlow !== undefined && fromFlow !== null ? String(fromFlow) : process.env[ref[1]];
  return resolved === undefined || resolved === '' ? undefined : resolved;
}

/**
 * The node's properties with the editor's defaults filled in where a property is missing:
 * flows written by hand, generated, deployed through the Admin API or saved by an older
 * version often lack fields, and must behave as the dialog's defaults say.
 */
export function withDefaults(def: NodeDef, defaults: Record<string, unknown>): NodeDef {
  const out: Record<string, unknown> = { ...def };
  for (const [key, value] of Object.entries(defaults)) {
    if (out[key] === undefined || out[key] === null) out[key] = value;
  }
  return out as NodeDef;
}
