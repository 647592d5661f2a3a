/**
 * The admin route behind a config node's "Test" button, as every vendor's config node has it:
 * write permission on the node type, the answer in the editor's language, and always an answer.
 */
import type { Request, Response } from 'express';
import { SpeechApiError } from './errors';
import { localizeError, requestLanguage, Translate, translator } from './i18n';
import { adminBody, NodeAPI } from './node-red';

export interface TestRequest {
  t: Translate;
  /** What the dialog sends: its current fields, typed secrets, and the node's id. */
  body: Record<string, unknown>;
  /** The deployed node with that id, if any: only its stored secrets may be used, and only as deployed. */
  deployed: unknown;
}

export type TestAnswer = { ok: boolean; code?: string; message: string } & Record<string, unknown>;

export function registerConfigTest(
  RED: NodeAPI,
  type: string,
  test: (request: TestRequest) => TestAnswer | Promise<TestAnswer>,
): void {
  RED.httpAdmin.post(`/${type}/test`, RED.auth.needsPermission(`${type}.write`), (req: Request, res: Response) => {
    // Answered in the editor's language (editor.js sends it), not only the runtime's.
    const t = translator(RED, type).in(requestLanguage(req.headers['accept-language']));
    const body = adminBody(req);
    const deployed = typeof body.id === 'string' ? RED.nodes.getNode(body.id) : undefined;
    // Whatever throws, the button gets an outcome: never a request left hanging or a rejection nobody handles.
    Promise.resolve()
      .then(() => test({ t, body, deployed }))
      .then(
        (answer) => res.json(answer),
        (err: unknown) =>
          res.json({
            ok: false,
            code: err instanceof SpeechApiError ? err.code : 'error',
            message: localizeError(t, err).message,
          }),
      )
      .catch(() => undefined); // the editor went away: nobody is left to answer
  });
}
