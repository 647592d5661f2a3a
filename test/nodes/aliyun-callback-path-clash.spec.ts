import should from 'should';
import request from 'supertest';
import { ALL_NODES, helper, tab } from './harness';

type Msg = Record<string, any>;

describe('aliyun-live-asr-callback: two nodes on one path', function () {
  this.timeout(20000);
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('the second says so in its status and a warning that names the first, and does not listen', async () => {
    await helper.startServer();
    let RED: any;
    await helper.load(
      [
        (r: any) => {
          RED = r;
        },
        ...ALL_NODES,
      ],
      tab([
        { id: 'first', type: 'aliyun-live-asr-callback', name: 'subtitles in', path: '/cb/same', wires: [['out']] },
        { id: 'second', type: 'aliyun-live-asr-callback', path: '/cb/same', wires: [['out2']] },
        { id: 'third', type: 'aliyun-live-asr-callback', path: '/cb/other', wires: [['out2']] },
      ]),
      {},
    );
    const warnings = helper
      .log()
      .args.map((a: Msg[]) => a[0])
      .filter((e: Msg) => e.level === helper.log().ERROR);
    const clash = warnings.filter(
      (w: Msg) => /\/cb\/same/.test(String(w.msg)) && /Two nodes use the path/.test(String(w.msg)),
    );
    clash.should.have.length(1);
    clash[0].id.should.equal('second');
    String(clash[0].msg).should.containEql('"subtitles in" (first)');
    warnings.filter((w: Msg) => w.id === 'third' && /Two nodes use the path/.test(String(w.msg))).should.have.length(0);
    // Only the first answers the path.
    let got = 0;
    helper.getNode('out').on('input', () => got++);
    let got2 = 0;
    helper.getNode('out2').on('input', () => got2++);
    const body = JSON.stringify({
      task_id: 't1',
      content: JSON.stringify({
        header: { name: 'SentenceEnd', message_id: 'm1' },
        payload: { index: 0, result: 'x', time: 1, begin_time: 0 },
      }),
    });
    await request(RED.httpNode).post('/cb/same').set('content-type', 'application/json').send(body).expect(200);
    got.should.equal(1);
    got2.should.equal(0);
  });

  it('after a redeploy without the first, the path is free again', async () => {
    await helper.startServer();
    await helper.load(
      ALL_NODES,
      tab([{ id: 'a', type: 'aliyun-live-asr-callback', path: '/cb/again', wires: [['out']] }]),
      {},
    );
    await helper.unload();
    await helper.load(
      ALL_NODES,
      tab([{ id: 'b', type: 'aliyun-live-asr-callback', path: '/cb/again', wires: [['out']] }]),
      {},
    );
    const warnings = helper
      .log()
      .args.map((a: Msg[]) => a[0])
      .filter((e: Msg) => e.level === helper.log().ERROR && /Two nodes use the path/.test(String(e.msg)));
    should(warnings).have.length(0);
  });
});
