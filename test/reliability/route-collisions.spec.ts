/**
 * Route collisions and the caption page's token (issue #15): paths that collide with Node-RED's
 * admin routes or another route of the package are refused, case-insensitively, with an error
 * the user sees; a user's `http in` on a caption sub-route is reported; a token-protected
 * caption page gets its own script and style.
 */
import http from 'http';
import { AddressInfo } from 'net';
import { ALL_NODES, coreNode, helper, tab } from '../nodes/harness';
import { forgetParkedRooms } from '../../nodes/transcript-captions';

type Msg = Record<string, any>;

const logged = (level: number, pattern: RegExp): Msg[] =>
  helper
    .log()
    .args.map((a: Msg[]) => a[0])
    .filter((e: Msg) => e.level === level && pattern.test(String(e.msg)));

const routesOn = (RED: any, path: string): number =>
  (RED.httpNode._router?.stack ?? []).filter(
    (l: Msg) => l.route && String(l.route.path).toLowerCase().startsWith(path.toLowerCase()),
  ).length;

describe('reliability: route collisions and the token-protected caption page', function () {
  this.timeout(30000);
  let RED: any;

  async function load(nodes: Msg[], creds: Msg = {}, extra: unknown[] = []): Promise<void> {
    await helper.startServer();
    await helper.load([(r: any) => (RED = r), ...ALL_NODES, ...extra], tab(nodes), creds);
  }
  afterEach(async () => {
    await helper.unload();
    forgetParkedRooms();
    await helper.stopServer();
  });

  it("refuses paths on Node-RED's admin routes, in any case, with an error and a red status, mounting nothing", async () => {
    await load([
      { id: 'cap', type: 'transcript-captions', path: '/flows' },
      { id: 'cb', type: 'aliyun-live-asr-callback', path: '/RED/cb', wires: [['out']] },
      { id: 'cap2', type: 'transcript-captions', path: '/Settings/page' },
    ]);
    const errors = logged(helper.log().ERROR, /Node-RED's own route/);
    errors.map((e) => e.id).should.eql(['cap', 'cb', 'cap2']);
    String(errors[0].msg).should.containEql('/flows');
    for (const id of ['cap', 'cb', 'cap2'])
      (helper.getNode(id) as any).status.should.be.calledWithMatch({ fill: 'red', shape: 'ring' });
    routesOn(RED, '/flows').should.equal(0);
    routesOn(RED, '/red').should.equal(0);
    routesOn(RED, '/settings').should.equal(0);
  });

  it('refuses a second route of the package on the same path in another case, or on a caption sub-route', async () => {
    await load([
      { id: 'cap', type: 'transcript-captions', name: 'captions', path: '/coll' },
      { id: 'cb', type: 'aliyun-live-asr-callback', path: '/Coll', wires: [['out']] },
      { id: 'cb2', type: 'aliyun-live-asr-callback', path: '/coll/rooms', wires: [['out']] },
    ]);
    const clashes = logged(helper.log().ERROR, /Two nodes use the path/);
    clashes.map((w) => w.id).should.eql(['cb', 'cb2']);
    String(clashes[0].msg).should.containEql('"captions" (cap)');
    (helper.getNode('cb') as any).status.should.be.calledWithMatch({ fill: 'red' });
    // Only the caption node's own routes: its page and six sub-routes.
    routesOn(RED, '/coll').should.equal(7);
  });

  it("reports a user's http in on a caption sub-route, whichever was deployed first", async () => {
    await load(
      [
        { id: 'hin', type: 'http in', url: '/cap/rooms', method: 'get', wires: [[]] },
        { id: 'cap', type: 'transcript-captions', path: '/cap' },
        { id: 'hin2', type: 'http in', url: '/CAP/events', method: 'get', wires: [[]] },
      ],
      {},
      [coreNode('network/21-httpin.js')],
    );
    // The second one was mounted after the caption node: found once every flow has started.
    const warned = () => logged(helper.log().WARN, /also answers/).filter((w) => w.id === 'cap');
    await new Promise<void>((resolve) => {
      const check = () => (warned().length >= 2 ? resolve() : setImmediate(check));
      check();
    });
    const paths = warned().map((w) => String(w.msg));
    paths.some((m) => m.includes('/cap/rooms')).should.be.true(paths.join('\n'));
    paths.some((m) => m.toLowerCase().includes('/cap/events')).should.be.true(paths.join('\n'));
  });

  it('a token-protected page gets its own script and style, requested as the page names them', async () => {
    await load([{ id: 'cap', type: 'transcript-captions', path: '/tok' }], { cap: { token: 'page-token-1' } });
    const server = http.createServer(RED.httpNode);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const page = await fetch(`${base}/tok?token=page-token-1`);
      page.status.should.equal(200);
      const html = await page.text();
      const assets = [...html.matchAll(/(?:href|src)="(\/tok\/[^"]+)"/g)].map((m) => m[1]);
      assets.should.have.length(2);
      for (const a of assets) (await fetch(`${base}${a}`)).status.should.equal(200, a);
      (await fetch(`${base}/tok`)).status.should.equal(401);
      (await fetch(`${base}/tok/rooms`)).status.should.equal(401);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
