/**
 * Unisound's result page was not found (vendor-apis.md §3.6): the client reads every shape the
 * evidence supports. The emulator answers in each of them (setResultShape), and the client's
 * status and the reader's document are checked for each; case-insensitive statuses; text without
 * segments is sent with a warning naming the fields seen.
 */
import should from 'should';
import { UnisoundEmulator, UNISOUND_DEFAULTS, RESULT_SHAPES, DEFAULT_SCRIPT } from '../emulator/unisound';
import { taskStatusOf, UnisoundClient } from '../../nodes/vendors/unisound/client';
import { toTranscriptDocument } from '../../nodes/vendors/unisound/result';
import { prepareUpload } from '../../nodes/vendors/unisound/upload';

describe('unisound result shapes', () => {
  let emu: UnisoundEmulator;
  let client: UnisoundClient;

  before(async () => {
    emu = new UnisoundEmulator({ processingMs: 30 });
    await emu.listen();
    // A high rate limit: the polls below wait for a condition, and the default 20 RPM would stall them.
    client = new UnisoundClient({
      apiKey: UNISOUND_DEFAULTS.apiKey,
      endpoint: emu.url,
      maxRetries: 0,
      rateLimit: 100000,
    });
  });
  after(async () => {
    client.close();
    await emu.close();
  });

  async function transcribe(): Promise<{ status: string; body: Record<string, unknown>; taskId: string }> {
    const up = await client.uploadFile(await prepareUpload({ kind: 'buffer', buffer: Buffer.from('RIFF0000WAVE') }));
    const { taskId } = await client.createTask({ model: 'u2-asr', file_id: up.fileId, format: 'wav' });
    // Poll until the task leaves Waiting/Processing: a condition, not a sleep.
    for (;;) {
      const state = await client.getTask(taskId);
      if (state.status !== 'Waiting' && state.status !== 'Processing') return { ...state, taskId };
    }
  }

  const allText = DEFAULT_SCRIPT.map((s) => s.text);

  for (const shape of RESULT_SHAPES) {
    it(`reads the '${shape}' shape: Success, and the script's text`, async () => {
      emu.setResultShape(shape);
      const { status, body, taskId } = await transcribe();
      status.should.equal('Success');
      const doc = toTranscriptDocument(taskId, body);
      should(doc.raw).equal(body);
      for (const t of allText) doc.text.should.containEql(t);
      if (shape === 'text-only') {
        doc.segments.should.have.length(1);
        doc.segments[0].text.should.equal(doc.text);
        should(doc.segments[0].start).be.undefined();
        doc.warning!.reason.should.equal('textWithoutSegments');
        doc.warning!.fields.should.containEql('text');
        doc.warning!.fields.should.containEql('status');
      } else {
        doc.segments.map((s) => s.text).should.eql(allText);
        doc.segments.map((s) => s.start).should.eql(DEFAULT_SCRIPT.map((s) => s.startMs));
        should(doc.warning).be.undefined();
      }
    });
  }

  it('compares statuses without regard to case, in status, task.status or data.status', () => {
    for (const [body, want] of [
      [{ status: 'Success' }, 'Success'],
      [{ status: 'success' }, 'Success'],
      [{ status: 'SUCCEEDED' }, 'Success'],
      [{ status: ' Completed ' }, 'Success'],
      [{ status: 'failed' }, 'Failed'],
      [{ status: 'CANCELED' }, 'Failed'],
      [{ status: 'waiting' }, 'Waiting'],
      [{ status: 'PROCESSING' }, 'Processing'],
      [{ task: { status: 'success' } }, 'Success'],
      [{ data: { status: 'Failed' } }, 'Failed'],
      [{ status: 'Paused' }, 'Paused'],
      [{}, 'Unknown'],
      [{ status: 7 }, 'Unknown'],
    ] as Array<[Record<string, unknown>, string]>)
      taskStatusOf(body).should.equal(want, JSON.stringify(body));
  });

  it('a successful result with neither text nor segments is a warned empty document, not a silent one', () => {
    const doc = toTranscriptDocument('t1', { status: 'Success', duration: 3, output: { x: 1 } });
    doc.text.should.equal('');
    doc.segments.should.eql([]);
    doc.warning!.should.eql({ reason: 'noText', fields: ['status', 'duration', 'output'] });
  });

  it('names nested fields in the warning: the container and the first list item', () => {
    const doc = toTranscriptDocument('t2', {
      status: 'Success',
      data: { text: 'hello', paragraphs: [{ content: 'hello', bg: 0 }] },
    });
    doc.text.should.equal('hello');
    doc.warning!.fields.should.eql([
      'status',
      'data',
      'data.text',
      'data.paragraphs',
      'data.paragraphs[0].content',
      'data.paragraphs[0].bg',
    ]);
  });
});
