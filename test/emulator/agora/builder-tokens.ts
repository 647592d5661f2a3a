/**
 * v6 builderTokens (acquire). The real tokenName is opaque; ours [I] is base64url JSON
 * carrying the app id and issue time, so "unparseable" (1001) and "another app's
 * token" (1003) are decided from the token itself, as the vendor's errors imply.
 */
import { randomBytes } from 'crypto';

export const INSTANCE_ID = /^[a-zA-Z0-9_-]{1,64}$/;

export interface BuilderToken {
  tokenName: string;
  appId: string;
  instanceId: string;
  createdAt: number;
  /** The task this token started, once it has. */
  taskId?: string;
}

interface Payload {
  a: string;
  i: string;
  t: number;
  n: string;
}

export class BuilderTokens {
  private readonly issued = new Map<string, BuilderToken>();

  issue(appId: string, instanceId: string, now: number): BuilderToken {
    const payload: Payload = { a: appId, i: instanceId, t: now, n: randomBytes(8).toString('hex') };
    const tokenName = Buffer.from(JSON.stringify(payload)).toString('base64url');
    const token = { tokenName, appId, instanceId, createdAt: now };
    this.issued.set(tokenName, token);
    return token;
  }

  /** undefined when the string is not a token this service issued (code 1001). */
  parse(tokenName: string | undefined): BuilderToken | undefined {
    if (!tokenName) return undefined;
    return this.issued.get(tokenName);
  }

  clear(): void {
    this.issued.clear();
  }
}
