/**
 * Benchmark: subtitle messages per second through `agora-stt-decode` against a core `function`
 * node that decodes the same protobuf by hand with protobufjs (handed to it through
 * functionGlobalContext, as a user would), in the same Node-RED (the test helper), with the same
 * inputs, alternating runs after a warm-up. Both sides end in the same kind of msg: the text,
 * the final flag, the speaker and the decoded message as a plain object (int64 as strings).
 *
 *   node test/bench/agora-decode.js [--seconds=3] [--rounds=3] [--concurrency=32]
 */
import protobuf from 'protobufjs';
import { coreNode, helper, TAB } from '../nodes/harness';
import { removeHarnessSpies } from '../reliability/kit';
import decodeNode from '../../nodes/agora-stt-decode';
import { STT_MESSAGE_DESCRIPTOR } from '../../nodes/vendors/agora/stt-message';
import { BenchOptions, BenchResult, median, round } from './types';

type Msg = Record<string, any>;

export interface AgoraDecodeBenchOptions extends BenchOptions {
  /** Messages in flight on each side. */
  concurrency: number;
  warmupSeconds: number;
}

/** What a flow author would write: decode, make it a plain object (int64 as strings), pick text/final/speaker. */
const HAND_DECODE = `
let T = context.get('T');
if (!T) {
  T = global.get('protobuf').Root.fromJSON(global.get('sttDescriptor')).lookupType('Agora.SpeechToText.Text');
  context.set('T', T);
}
// toJSON, not toObject({longs: String}): the sandbox's String is not protobufjs's String.
const raw = T.decode(msg.payload).toJSON();
const words = raw.words || [];
msg.payload = {
  vendor: 'agora', event: raw.data_type, text: words.map((w) => w.text).join(''),
  final: words.length > 0 && words.every((w) => w.is_final), speaker: raw.uid, language: raw.culture, raw,
};
return msg;
`;

/** Realistic traffic: interim updates, a final sentence with word timings, a translation. */
function samples(): Buffer[] {
  const Text = protobuf.Root.fromJSON(STT_MESSAGE_DESCRIPTOR).lookupType('Agora.SpeechToText.Text');
  const enc = (o: Record<string, unknown>) => Buffer.from(Text.encode(Text.fromObject(o)).finish());
  const words = 'Good to see you all here on this fine day'.split(' ');
  const out: Buffer[] = [];
  for (let n = 1; n <= words.length; n++) {
    out.push(
      enc({
        uid: 1001,
        data_type: 'transcribe',
        culture: 'en-US',
        text_ts: 1753359520000 + n,
        duration_ms: 120,
        words: [{ text: words.slice(0, n).join(' '), is_final: false }],
      }),
    );
  }
  out.push(
    enc({
      uid: 1001,
      time: 1753359518654,
      duration_ms: 2040,
      data_type: 'transcribe',
      culture: 'en-US',
      text_ts: 1753359520754,
      sentence_id: 1753359518654,
      words: words.map((text, i) => ({
        text: `${text} `,
        is_final: true,
        start_ms: i * 200,
        duration_ms: 180,
        confidence: 0.93,
      })),
    }),
  );
  out.push(
    enc({
      uid: 1001,
      data_type: 'translate',
      text_ts: 1753359520754,
      trans: [{ is_final: true, lang: 'zh-CN', texts: ['很高兴今天在这里与大家见面'] }],
    }),
  );
  out.push(
    enc({
      uid: 2002,
      data_type: 'transcribe',
      culture: 'zh-CN',
      text_ts: 1753359521000,
      words: [
        { text: '北京', is_final: false },
        { text: '欢迎你', is_final: false },
      ],
    }),
  );
  return out;
}

/**
 * Keeps `concurrency` messages in flight through node `id` for `seconds`; each message's completion
 * (its done(), reported by a complete node) lets the next one in. Not its output: the decoder sends a
 * repeated final sentence only once, so a message may end with nothing sent.
 */
function closedLoop(
  id: string,
  inputs: Buffer[],
  concurrency: number,
  seconds: number,
): Promise<{ rps: number; errors: number }> {
  return new Promise((resolve) => {
    const node = helper.getNode(id);
    const out = helper.getNode('done');
    const errors = helper.getNode('errors');
    const end = Date.now() + seconds * 1000;
    let done = 0;
    let failed = 0;
    let inFlight = 0;
    let i = 0;
    const t0 = Date.now();
    const next = (): void => {
      if (Date.now() < end) {
        inFlight++;
        node.receive({ payload: inputs[i++ % inputs.length], topic: 'room', side: id });
      } else if (inFlight === 0) {
        out.removeAllListeners('input');
        errors.removeAllListeners('input');
        resolve({ rps: done / ((Date.now() - t0) / 1000), errors: failed });
      }
    };
    const settle = (ok: boolean): void => {
      inFlight--;
      if (ok) done++;
      else failed++;
      next();
    };
    out.on('input', (m: Msg) => m.side === id && settle(true));
    errors.on('input', () => settle(false));
    for (let k = 0; k < concurrency; k++) next();
  });
}

/** Both sides give the same text and final flag for every sample, or the comparison means nothing. */
async function sameResults(inputs: Buffer[]): Promise<void> {
  for (const payload of inputs) {
    const got = await Promise.all(
      ['ours', 'fn'].map(
        (id) =>
          new Promise<Msg>((resolve) => {
            const out = helper.getNode(id === 'ours' ? 'outOurs' : 'outFn');
            out.once('input', resolve);
            helper.getNode(id).receive({ payload });
          }),
      ),
    );
    const [a, b] = got.map((m) => m.payload);
    const textOf = (s: string) => s.replace(/\s+/g, ' ').trim();
    // A translation has no words, so the hand decode calls it not final; only the text and speaker compare there.
    const finalDiffers = a.event === 'transcribe' && a.final !== b.final;
    if (textOf(a.text) !== textOf(b.text) || finalDiffers || String(a.speaker) !== String(b.speaker)) {
      throw new Error(
        `the two sides disagree: ${JSON.stringify([a.text, a.final, a.speaker])} vs ${JSON.stringify([b.text, b.final, b.speaker])}`,
      );
    }
  }
}

export async function runAgoraDecodeBench(opts: Partial<AgoraDecodeBenchOptions> = {}): Promise<BenchResult> {
  const o: AgoraDecodeBenchOptions = {
    seconds: 3,
    rounds: 3,
    concurrency: 32,
    warmupSeconds: 1,
    log: (l) => console.log(l),
    ...opts,
  };
  const inputs = samples();
  helper.settings({
    functionGlobalContext: { protobuf: require('protobufjs/light'), sttDescriptor: STT_MESSAGE_DESCRIPTOR },
  });
  await helper.startServer();
  try {
    await helper.load(
      [decodeNode, coreNode('function/10-function.js')],
      [
        { id: TAB, type: 'tab', label: 'bench' },
        {
          id: 'ours',
          type: 'agora-stt-decode',
          z: TAB,
          x: 0,
          y: 0,
          protocol: 'auto',
          finalOnly: false,
          wires: [['outOurs']],
        },
        {
          id: 'fn',
          type: 'function',
          z: TAB,
          x: 0,
          y: 0,
          func: HAND_DECODE,
          outputs: 1,
          noerr: 0,
          initialize: '',
          finalize: '',
          libs: [],
          wires: [['outFn']],
        },
        { id: 'outOurs', type: 'helper', z: TAB, x: 0, y: 0 },
        { id: 'outFn', type: 'helper', z: TAB, x: 0, y: 0 },
        // One complete node for both (the test helper registers the type once per complete node in a flow).
        { id: 'complete', type: 'complete', z: TAB, x: 0, y: 0, scope: ['ours', 'fn'], wires: [['done']] },
        { id: 'done', type: 'helper', z: TAB, x: 0, y: 0 },
        { id: 'catch', type: 'catch', z: TAB, x: 0, y: 0, scope: null, uncaught: false, wires: [['errors']] },
        { id: 'errors', type: 'helper', z: TAB, x: 0, y: 0 },
      ],
      {},
    );
    // The test helper wraps every node's send/status/log in sinon spies: measure the nodes, not them.
    removeHarnessSpies();
    await sameResults(inputs);
    const sides = {
      ours: () => closedLoop('ours', inputs, o.concurrency, o.seconds),
      function: () => closedLoop('fn', inputs, o.concurrency, o.seconds),
    };
    o.log(`  agora-stt-decode: warm-up ${o.warmupSeconds} s each`);
    await closedLoop('ours', inputs, o.concurrency, o.warmupSeconds);
    await closedLoop('fn', inputs, o.concurrency, o.warmupSeconds);
    const runs: Record<'ours' | 'function', Array<{ rps: number; errors: number }>> = { ours: [], function: [] };
    for (let r = 0; r < o.rounds; r++) {
      const order: Array<'ours' | 'function'> = r % 2 ? ['function', 'ours'] : ['ours', 'function'];
      for (const side of order) {
        const run = await sides[side]();
        runs[side].push(run);
        o.log(
          `  agora-stt-decode round ${r + 1} ${side}: ${Math.round(run.rps)} msgs/s${run.errors ? `, ${run.errors} errors` : ''}`,
        );
      }
    }
    const ours = median(runs.ours.map((x) => x.rps));
    const baseline = median(runs.function.map((x) => x.rps));
    const ratio = ours / baseline;
    const errors = [...runs.ours, ...runs.function].reduce((n, x) => n + x.errors, 0);
    return {
      name: 'agora decode: agora-stt-decode vs function node decoding by hand',
      unit: 'msgs/s',
      ours: round(ours, 0),
      baseline: round(baseline, 0),
      ratio: round(ratio),
      target: '≥ 1.00',
      pass: ratio >= 1 && errors === 0,
      details: {
        rounds: {
          ours: runs.ours.map((x) => Math.round(x.rps)),
          function: runs.function.map((x) => Math.round(x.rps)),
        },
        errors,
        concurrency: o.concurrency,
        secondsPerRun: o.seconds,
        inputs: `${inputs.length} protobuf messages (interim, final with word timings, translation, CJK), ${inputs.reduce((n, b) => n + b.length, 0)} bytes in all`,
      },
    };
  } finally {
    await helper.unload();
    await helper.stopServer();
  }
}

if (require.main === module) {
  const arg = (name: string, fallback: number): number => {
    const m = process.argv.map((a) => new RegExp(`^--${name}=(.+)$`).exec(a)).find(Boolean);
    return m ? Number(m[1]) : fallback;
  };
  runAgoraDecodeBench({
    seconds: arg('seconds', 3),
    rounds: arg('rounds', 3),
    concurrency: arg('concurrency', 32),
  }).then(
    (r) => {
      console.log(
        `${r.name}: ours ${r.ours} ${r.unit}, function node ${r.baseline} ${r.unit}, ratio ${r.ratio.toFixed(2)} (target ${r.target}) ${r.pass ? 'PASS' : 'MISS'}`,
      );
      console.log(JSON.stringify(r.details));
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(2);
    },
  );
}
