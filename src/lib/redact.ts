/**
 * Error texts are shown in the editor, logged and handed to Catch nodes: they must never
 * carry a password or token, whatever a user typed into a URL or a server echoed back.
 */

/** `scheme://user:password@` (or `scheme://user@`) anywhere in a text. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]*@/gi;

/** The text with the userinfo of every URL in it removed: "ftp://u:PASS@host/x" reads "ftp://host/x". */
export function withoutUserinfo(text: string): string {
  return text.replace(USERINFO, '$1');
}

/** RFC 3986 encoding (as Alibaba's POP signature uses): encodeURIComponent plus !'()*. */
function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Secrets shorter than this are not searched for: replacing "a" everywhere would garble the text, not protect it. */
const MIN_SECRET = 4;

/**
 * The text with every secret replaced by "***", as typed and in the encodings a request
 * puts it in (percent-encoded once or twice, form-encoded), so a vendor body that echoes
 * the request (a query string, a string to sign) cannot carry a token into an error.
 */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (!s || s.length < MIN_SECRET) continue;
    for (const f of [
      s,
      encodeURIComponent(s),
      rfc3986(s),
      rfc3986(rfc3986(s)),
      encodeURIComponent(s).replace(/%20/g, '+'),
    ]) {
      forms.add(f);
      forms.add(f.toLowerCase());
    }
  }
  let out = text;
  // Longest first: a form that contains another is replaced whole.
  for (const f of [...forms].sort((a, b) => b.length - a.length)) out = out.split(f).join('***');
  return out;
}
