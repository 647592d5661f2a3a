import 'should';
import { registerConfigTest, type TestRequest } from '../../nodes/lib/config-test-route';
import { SpeechApiError } from '../../nodes/lib/errors';

type Handler = (req: { headers: Record<string, string>; body: unknown }, res: { json(v: unknown): void }) => void;

/** A Node-RED admin API as small as the route needs: it records the handler and the permission asked for. */
function fakeRed() {
  const routes = new Map<string, Handler>();
  const permissions: string[] = [];
  const RED = {
    _: (key: string) => key,
    auth: { needsPermission: (p: string) => (permissions.push(p), () => undefined) },
    httpAdmin: { post: (path: string, _perm: unknown, handler: Handler) => routes.set(path, handler) },
    nodes: { getNode: (id: string) => (id === 'saved' ? { id, type: 'x-config' } : null) },
  };
  /** POSTs `body` and resolves with what the route answered (or rejects if it never does). */
  const post = (path: string, body: unknown, res: Partial<{ json(v: unknown): void }> = {}) =>
    new Promise<any>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer')), 2000);
      routes.get(path)!(
        { headers: { 'accept-language': 'en-US' }, body },
        {
          json: (v) => {
            clearTimeout(timer);
            resolve(v);
            res.json?.(v);
          },
        },
      );
    });
  return { RED: RED as any, permissions, post };
}

describe('lib/config-test-route: every config node\'s "Test" button route', () => {
  it('asks for write permission on the node type and hands the test the body and the deployed node', async () => {
    const { RED, permissions, post } = fakeRed();
    let seen: TestRequest | undefined;
    registerConfigTest(RED, 'x-config', (request) => {
      seen = request;
      return { ok: true, message: 'fine' };
    });
    permissions.should.eql(['x-config.write']);
    (await post('/x-config/test', { id: 'saved', endpoint: 'http://e' })).should.eql({ ok: true, message: 'fine' });
    seen!.body.should.eql({ id: 'saved', endpoint: 'http://e' });
    seen!.deployed!.should.eql({ id: 'saved', type: 'x-config' });
    (await post('/x-config/test', 'not an object')).ok.should.be.true();
    (seen!.deployed === undefined || seen!.deployed === null).should.be.true();
  });

  it('answers an outcome whatever the test throws: a vendor error with its code, anything else as "error"', async () => {
    const { RED, post } = fakeRed();
    registerConfigTest(RED, 'a-config', () => {
      throw new SpeechApiError({ vendor: 'agora', code: 'Unauthorized', message: 'Unauthorized: bad key' });
    });
    registerConfigTest(RED, 'b-config', async () => {
      throw new TypeError('Cannot read properties of undefined');
    });
    registerConfigTest(RED, 'c-config', () => Promise.reject('a bare string'));
    (await post('/a-config/test', {})).should.match({ ok: false, code: 'Unauthorized' });
    (await post('/b-config/test', {})).should.eql({
      ok: false,
      code: 'error',
      message: 'Cannot read properties of undefined',
    });
    (await post('/c-config/test', {})).should.eql({ ok: false, code: 'error', message: 'a bare string' });
  });

  it('leaves no rejection behind when the editor is gone before the answer', async () => {
    const { RED, post } = fakeRed();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      registerConfigTest(RED, 'x-config', () => ({ ok: true, message: 'fine' }));
      const answered = await post(
        '/x-config/test',
        {},
        {
          json: () => {
            throw new Error('Cannot set headers after they are sent to the client');
          },
        },
      );
      answered.ok.should.be.true();
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      unhandled.should.eql([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
