import fs from 'fs';
import os from 'os';
import path from 'path';
import should from 'should';
import { FileStore } from '../../nodes/lib/state/file-store';
import { JobBook, snapshotMessage } from '../../nodes/lib/jobs/job-book';
import { formatElapsed } from '../../nodes/lib/jobs/poll';

describe('FileStore', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filestore-'));
    file = path.join(dir, 'sub', 'jobs.json');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('persists every change before resolving, and a new instance reads it back', async () => {
    const a = new FileStore(file);
    await a.set('k1', 'v1');
    (await a.setIfAbsent('k1', 'other')).should.be.false();
    (await a.setIfAbsent('k2', 'v2')).should.be.true();
    await a.delete('k1');
    const b = new FileStore(file);
    should(await b.get('k1')).be.undefined();
    (await b.get('k2'))!.should.equal('v2');
    (await b.keys('k')).should.eql(['k2']);
    fs.readdirSync(path.dirname(file)).should.eql(['jobs.json']); // no temp files left
  });

  it('keeps every one of many concurrent changes', async () => {
    const a = new FileStore(file);
    await Promise.all(Array.from({ length: 200 }, (_, i) => a.set(`job:${i}`, String(i))));
    await Promise.all(Array.from({ length: 100 }, (_, i) => a.delete(`job:${i * 2}`)));
    const b = new FileStore(file);
    (await b.keys('job:')).length.should.equal(100);
    (await b.get('job:1'))!.should.equal('1');
  });

  it('starts empty on a truncated file, sets it aside and warns', async () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"version":1,"entries":{"a":{"value":"x","exp');
    const warnings: string[] = [];
    const s = new FileStore(file, { onWarning: (m) => warnings.push(m) });
    (await s.keys('')).should.eql([]);
    warnings.length.should.equal(1);
    fs.readdirSync(path.dirname(file))
      .some((f) => f.startsWith('jobs.json.corrupt-'))
      .should.be.true();
    await s.set('b', 'y');
    JSON.parse(fs.readFileSync(file, 'utf8')).entries.b.value.should.equal('y');
  });

  it('expires entries with a ttl', async () => {
    let now = 1000;
    const s = new FileStore(file, { now: () => now });
    await s.set('t', 'v', 50);
    (await s.get('t'))!.should.equal('v');
    now = 1100;
    should(await s.get('t')).be.undefined();
  });

  describe('a large store: changes go to a journal', () => {
    const value = 'x'.repeat(300);
    /** About 600 kB: past the size up to which every change rewrites the whole file. */
    async function large(): Promise<FileStore> {
      const s = new FileStore(file);
      await Promise.all(Array.from({ length: 2000 }, (_, i) => s.set(`job:${i}`, `${i}:${value}`)));
      return s;
    }
    const journals = () => fs.readdirSync(path.dirname(file)).filter((f) => f.endsWith('.log'));

    it('appends a change instead of rewriting the store, and a new instance reads snapshot plus journal', async () => {
      const s = await large();
      const snapshot = fs.readFileSync(file, 'utf8');
      await s.delete('job:7');
      await s.set('job:new', 'n', 60_000);
      await s.set('job:8', 'changed');
      fs.readFileSync(file, 'utf8').should.equal(snapshot, 'the snapshot is not rewritten');
      journals().length.should.equal(1);
      fs.statSync(path.join(path.dirname(file), journals()[0])).size.should.be.below(400);
      const b = new FileStore(file);
      should(await b.get('job:7')).be.undefined();
      (await b.get('job:new'))!.should.equal('n');
      (await b.get('job:8'))!.should.equal('changed');
      (await b.keys('job:')).length.should.equal(2000);
    });

    it('rewrites the snapshot once the journal reaches half its size, and the old journal is gone', async () => {
      const s = await large();
      const first = journals();
      // 1,200 new values journal ~400 kB: past half of the ~700 kB store.
      for (let i = 0; i < 1200; i++) await s.set(`job:${i}`, `${i}:${value}!`);
      const b = new FileStore(file);
      (await b.keys('job:')).length.should.equal(2000);
      (await b.get('job:5'))!.should.equal(`5:${value}!`);
      (await b.get('job:1999'))!.should.equal(`1999:${value}`);
      journals().length.should.equal(1);
      journals().should.not.eql(first);
      (JSON.parse(fs.readFileSync(file, 'utf8')).entries['job:5'].value as string).should.equal(`5:${value}!`);
    });

    it('skips a journal line a crash cut short, and the next write supersedes the journal', async () => {
      const s = await large();
      await s.delete('job:1');
      fs.appendFileSync(path.join(path.dirname(file), journals()[0]), '\n{"k":"job:2"');
      const b = new FileStore(file);
      should(await b.get('job:1')).be.undefined();
      (await b.get('job:2'))!.should.equal(`2:${value}`, 'the torn removal was never acknowledged');
      await b.delete('job:3');
      const c = new FileStore(file);
      should(await c.get('job:3')).be.undefined();
      (await c.keys('job:')).length.should.equal(1998);
    });

    it('never replays the journal of an older snapshot (a crash after the rewrite, before its removal)', async () => {
      const s = await large();
      const { journal } = JSON.parse(fs.readFileSync(file, 'utf8')) as { journal: number };
      fs.writeFileSync(`${file}.${journal - 1}.log`, '\n{"k":"job:ghost","v":"old","e":null}\n{"k":"job:4"}\n');
      await s.delete('job:5');
      const b = new FileStore(file);
      should(await b.get('job:ghost')).be.undefined();
      (await b.get('job:4'))!.should.equal(`4:${value}`);
      should(await b.get('job:5')).be.undefined();
    });
  });

  it('is one object per path in a process', () => {
    FileStore.at(file).should.equal(FileStore.at(path.join(dir, 'sub', '..', 'sub', 'jobs.json')));
  });
});

describe('JobBook', () => {
  it('lets exactly one claimer take a job, durably', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobbook-'));
    const store = new FileStore(path.join(dir, 'jobs.json'));
    const book = new JobBook(store, 'test-claim:');
    const id = `job-${Date.now()}`;
    await book.add({ nodeId: 'n1', jobId: id, submittedAt: 1, deadline: 2, data: {}, msg: { topic: 't' } });
    (await book.list('n1')).map((j) => j.jobId).should.eql([id]);
    const claims = await Promise.all([book.claim('n1', id), book.claim('n1', id), book.claim('n1', id)]);
    claims.filter(Boolean).length.should.equal(1);
    (await new JobBook(new FileStore(path.join(dir, 'jobs.json')), 'test-claim:').list('n1')).should.eql([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('snapshots the serialisable, bounded part of a msg', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const { msg, dropped } = snapshotMessage({
      _msgid: 'm',
      payload: Buffer.alloc(10),
      topic: 't',
      req: {},
      big: 'x'.repeat(20000),
      circular,
      fn: () => 1,
    });
    msg.should.eql({ _msgid: 'm', topic: 't' });
    dropped.sort().should.eql(['big', 'circular', 'fn', 'req']);
  });

  it('formats elapsed time for the status', () => {
    formatElapsed(192000).should.equal('3m 12s');
    formatElapsed(45000).should.equal('45s');
    formatElapsed(3840000).should.equal('1h 4m');
  });
});
