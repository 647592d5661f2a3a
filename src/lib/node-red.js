"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.UNCHANGED_PASSWORD = void 0;
exports.evaluateProperty = evaluateProperty;
exports.typedSecret = typedSecret;
exports.adminBody = adminBody;
exports.resolveSecret = resolveSecret;
exports.withDefaults = withDefaults;
/** Evaluates a TypedInput (msg/flow/global/env/jsonata/str/num/bool/json) with the callback form Node-RED 4 requires. */
function evaluateProperty(RED, node, value, type, msg) {
    if (!type || type === 'str')
        return Promise.resolve(value);
    return new Promise((resolve, reject) => {
        try {
            RED.util.evaluateNodeProperty(value, type, node, msg, (err, result) => (err ? reject(err) : resolve(result)));
        }
        catch (err) {
            reject(err);
        }
    });
}
/** What the editor sends for a password field the user did not change; the stored value applies. */
exports.UNCHANGED_PASSWORD = '__PWRD__';
/** A secret the editor sent in a test request, or undefined where the stored one applies. */
function typedSecret(value) {
    return typeof value === 'string' && value !== '' && value !== exports.UNCHANGED_PASSWORD ? value : undefined;
}
/** The JSON body of an admin request, or an empty object. */
function adminBody(req) {
    return (req.body && typeof req.body === 'object' ? req.body : {});
}
const ENV_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
/**
 * A credential typed as `${NAME}` is read from the environment at run time, so
 * flows can be shared without the secret in them.
 */
function resolveSecret(RED, node, value) {
    if (!value)
        return value;
    const ref = ENV_REFERENCE.exec(value.trim());
    if (!ref)
        return value;
    const fromFlow = RED.util.getSetting ? RED.util.getSetting(node, ref[1]) : undefined;
    const resolved = fromFlow !== undefined && fromFlow !== null ? String(fromFlow) : process.env[ref[1]];
    return resolved === undefined || resolved === '' ? undefined : resolved;
}
/**
 * The node's properties with the editor's defaults filled in where a property is missing:
 * flows written by hand, generated, deployed through the Admin API or saved by an older
 * version often lack fields, and must behave as the dialog's defaults say.
 */
function withDefaults(def, defaults) {
    const out = { ...def };
    for (const [key, value] of Object.entries(defaults)) {
        if (out[key] === undefined || out[key] === null)
            out[key] = value;
    }
    return out;
}
