import 'should';
import fs from 'fs';
import path from 'path';
import { declaredNodeSets, editorDefinitions } from '../support/editor-definitions';

const SCRIPT = '<script type="text/javascript" src="resources/@speech-pipelines/node-red-speech/editor.js"></script>';

describe('shared editor code (resources/)', () => {
  const sets = declaredNodeSets().filter((s) => fs.existsSync(s.html));

  it('is loaded by every node editor before its own scripts, whichever set Node-RED loads first', () => {
    for (const { html } of sets) {
      const text = fs.readFileSync(html, 'utf8');
      text.startsWith(SCRIPT).should.be.true(`${path.basename(html)} does not start with the shared editor script`);
    }
  });

  it('is shipped in the package and registers every declared node type when run', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    pkg.files.should.containEql('resources/');
    const registered = [...editorDefinitions().keys()].sort();
    registered.should.eql(sets.map((s) => s.set).sort());
  });
});
