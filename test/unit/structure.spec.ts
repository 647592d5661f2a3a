/**
 * Node files are thin adapters that stand on shared code; they never import one another, so
 * what two nodes share lives in src/lib/ or the vendor's folder, where a reader looks for it.
 */
import assert from 'assert/strict';
import fs from 'fs';
import path from 'path';

const SRC = path.join(__dirname, '..', '..', 'src');

function nodeFiles(): string[] {
  return fs.readdirSync(SRC).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
}

/** The relative module specifiers a TypeScript file imports or requires. */
function imports(file: string): string[] {
  const text = fs.readFileSync(path.join(SRC, file), 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|require\(\s*|import\(\s*)'(\.[^']*)'/g)) found.push(m[1]);
  return found;
}

describe('source structure', () => {
  it('finds the node files it checks', () => {
    assert.ok(nodeFiles().length >= 17, nodeFiles().join(', '));
  });

  it('no node file imports another node file', () => {
    const nodes = new Set(nodeFiles().map((f) => f.replace(/\.ts$/, '')));
    const offences: string[] = [];
    for (const file of nodeFiles()) {
      for (const spec of imports(file)) {
        const target = path.normalize(spec).replace(/^\.\//, '');
        if (!target.includes('/') && nodes.has(target)) offences.push(`${file} imports ${spec}`);
      }
    }
    assert.deepEqual(offences, []);
  });

  it('the check sees an import of a node file when there is one', () => {
    // The scanner itself, against a line that would offend.
    const line = "import { x } from './agora-config';";
    assert.deepEqual(
      [...line.matchAll(/(?:from\s+|require\(\s*|import\(\s*)'(\.[^']*)'/g)].map((m) => m[1]),
      ['./agora-config'],
    );
  });
});
