import { NodeAPI } from './lib/node-red';

/**
 * A node set with no node types: Node-RED loads a catalogue per node set, and this one's
 * (`nodes/locales/<lang>/speech-common.json`) holds the strings every vendor's nodes share,
 * for the runtime (`RED._`) and the editor alike.
 */
export default function register(_RED: NodeAPI): void {
  // Nothing to register: the set exists for its catalogue.
}
