import crypto from 'crypto';
import http from 'http';

/** Signs like Alibaba: md5(SIG-TIME/CallbackURL/AuthKey), computed here independently of the product. */
export function sign(sigTime: string, callbackUrl: string, authKey: string): string {
  return crypto.createHash('md5').update(`${sigTime}/${callbackUrl}/${authKey}`).digest('hex');
}

let counter = 0;

/** A callback body as the vendor sends it: `content` is a JSON string. */
export function callbackBody(
  name: string,
  extra: { index?: number; result?: string; messageId?: string | null; taskId?: string } = {},
): string {
  const messageId = extra.messageId === null ? undefined : (extra.messageId ?? crypto.randomBytes(16).toString('hex'));
  counter++;
  const content = {
    header: {
      namespace: 'SpeechTranscriber',
      name,
      status: 20000000,
      status_text: 'Gateway:SUCCESS:Success.',
      message_id: messageId,
      task_id: 'nls' + counter,
    },
    payload: {
      index: extra.index ?? 1,
      time: 1000 + counter,
      begin_time: 100,
      result: extra.result ?? 'hello world',
      confidence: 0.9,
      words: [
        { text: 'hello', startTime: 100, endTime: 500 },
        { text: 'world', startTime: 500, endTime: 1000 },
      ],
      status: 0,
    },
  };
  return JSON.stringify({
    task_id: extra.taskId ?? 'asr-11111111-2222-4333-8444-555555555555',
    sdk_app_id: '',
    channel_id: '',
    rtc_user_id: '',
    callback_time_stamp: Date.now(),
    language: 'cn',
    content: JSON.stringify(content),
  });
}

export interface Reply {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

export function post(
  baseUrl: string,
  path: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
  method = 'POST',
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${baseUrl}${path}`,
      { method, agent, headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export function signedHeaders(callbackUrl: string, authKey: string, at = Date.now()): Record<string, string> {
  const sigTime = String(Math.floor(at / 1000));
  return { 'SIG-TIME': sigTime, 'ASR-SIG': sign(sigTime, callbackUrl, authKey) };
}
