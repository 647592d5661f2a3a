import fs from 'fs';
import path from 'path';
import should from 'should';

const ROOT = path.join(__dirname, '..', '..');
const LANGS = ['en-US', 'zh-CN', 'ja'];
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const SETS = Object.keys(pkg['node-red'].nodes) as string[];
/** Node sets with an editor (every one but speech-common, which exists for its catalogue). */
const TYPES = SETS.filter((set) => fs.existsSync(path.join(ROOT, 'nodes', `${set}.html`)));

function flatten(obj: Record<string, unknown>, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object') for (const [kk, vv] of flatten(v as Record<string, unknown>, key)) out.set(kk, vv);
    else out.set(key, String(v));
  }
  return out;
}

const catalogue = (lang: string, type: string) =>
  flatten(JSON.parse(fs.readFileSync(path.join(ROOT, 'nodes', 'locales', lang, `${type}.json`), 'utf8')));
const placeholders = (s: string) => (s.match(/__[A-Za-z0-9]+__/g) ?? []).sort().join(',');

/** The help of a node in a language: English from nodes/<type>.html, the others from locales/<lang>/<type>.html. */
function help(lang: string, type: string): string {
  const file =
    lang === 'en-US'
      ? path.join(ROOT, 'nodes', `${type}.html`)
      : path.join(ROOT, 'nodes', 'locales', lang, `${type}.html`);
  const html = fs.readFileSync(file, 'utf8');
  const m = new RegExp(`<script[^>]*\\sdata-help-name="${type}"[^>]*>([\\s\\S]*?)</script>`).exec(html);
  should.exist(m, `${lang}: no help for ${type}`);
  return m![1];
}
const sections = (html: string) => [...html.matchAll(/<h3>([^<]*)<\/h3>/g)].map((m) => m[1].trim());

describe('translations', () => {
  for (const set of SETS.filter((s) => !TYPES.includes(s))) {
    it(`${set} (a catalogue without node types) has every key, with the same placeholders, in every language`, () => {
      const en = catalogue('en-US', set);
      en.size.should.be.above(0);
      for (const lang of LANGS.slice(1)) {
        const other = catalogue(lang, set);
        [...en.keys()].filter((k) => !other.has(k)).should.eql([], `${lang} lacks keys`);
        [...other.keys()].filter((k) => !en.has(k)).should.eql([], `${lang} has extra keys`);
        for (const [k, v] of en) should(placeholders(other.get(k)!)).equal(placeholders(v), `${lang} ${k}`);
      }
    });
  }

  for (const type of TYPES) {
    describe(type, () => {
      it('has a catalogue and help in every language', () => {
        for (const lang of LANGS) {
          fs.existsSync(path.join(ROOT, 'nodes', 'locales', lang, `${type}.json`)).should.be.true(
            `${lang}/${type}.json`,
          );
          if (lang !== 'en-US')
            fs.existsSync(path.join(ROOT, 'nodes', 'locales', lang, `${type}.html`)).should.be.true(
              `${lang}/${type}.html`,
            );
        }
        fs.readFileSync(path.join(ROOT, 'nodes', `${type}.html`), 'utf8').should.match(
          new RegExp(`data-help-name="${type}"`),
        );
      });

      it('has every key, with the same placeholders, in every language', () => {
        const en = catalogue('en-US', type);
        for (const lang of LANGS.slice(1)) {
          const other = catalogue(lang, type);
          [...en.keys()].filter((k) => !other.has(k)).should.eql([], `${lang} lacks keys`);
          [...other.keys()].filter((k) => !en.has(k)).should.eql([], `${lang} has extra keys`);
          for (const [k, v] of en) should(placeholders(other.get(k)!)).equal(placeholders(v), `${lang} ${k}`);
        }
      });

      it('has an Example section in its English help', () => {
        const en = sections(help('en-US', type));
        en.filter((h) => /^Examples?$/.test(h)).length.should.equal(1, `${type}: ${en.join(' | ')}`);
        // Before References, like every other section.
        if (en.includes('References'))
          en.findIndex((h) => /^Examples?$/.test(h)).should.be.below(en.indexOf('References'));
      });

      it('has the same help sections in every language', () => {
        const en = sections(help('en-US', type));
        en.length.should.be.above(0);
        for (const lang of LANGS.slice(1)) {
          const other = sections(help(lang, type));
          other.length.should.equal(
            en.length,
            `${lang}/${type}.html has ${other.length} <h3> sections (${other.join(' | ')}), English has ${en.length} (${en.join(' | ')})`,
          );
        }
      });

      it('resolves every data-i18n key its editor uses', () => {
        const html = fs.readFileSync(path.join(ROOT, 'nodes', `${type}.html`), 'utf8');
        const en = catalogue('en-US', type);
        const keys = [...html.matchAll(/data-i18n="([^"]+)"/g)]
          .flatMap((m) => m[1].split(';'))
          .map((k) => k.replace(/^\[[a-z-]+\]/, ''));
        for (const key of keys) {
          if (key.includes(':')) continue; // another catalogue (node-red core or a sibling node)
          en.has(key).should.be.true(`${type}: ${key}`);
        }
      });
    });
  }

  it('has every runtime string the Alibaba nodes use, in the catalogue each one reads', () => {
    let used = 0;
    for (const file of fs.readdirSync(path.join(ROOT, 'src')).filter((f) => f.startsWith('aliyun-'))) {
      const src = fs.readFileSync(path.join(ROOT, 'src', file), 'utf8');
      const ownType = /export const TYPE = '([^']+)'/.exec(src)?.[1];
      const set = /translator\(RED, TYPE\)/.test(src) ? ownType : /translator\(RED, '([^']+)'\)/.exec(src)?.[1];
      if (!set) continue;
      const en = catalogue('en-US', set);
      for (const m of src.matchAll(/\bt\(\s*[`']([a-zA-Z]+\.[a-zA-Z_.]+)[`']/g)) {
        used++;
        en.has(m[1]).should.be.true(`${file}: ${set}:${m[1]}`);
      }
    }
    // The inbound mechanism the callback node stands on reads the neutral catalogue.
    const common = catalogue('en-US', 'speech-common');
    const dir = path.join(ROOT, 'src', 'lib', 'inbound');
    for (const file of fs.readdirSync(dir)) {
      const src = fs.readFileSync(path.join(dir, file), 'utf8');
      for (const m of src.matchAll(/\bt\(\s*[`']([a-zA-Z]+\.[a-zA-Z_.]+)[`']/g)) {
        used++;
        common.has(m[1]).should.be.true(`lib/inbound/${file}: speech-common:${m[1]}`);
      }
    }
    used.should.be.above(10);
  });
});
