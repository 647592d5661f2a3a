/**
 * Preloaded into `node-red-dev validate` (node -r): the flow-library catalogue
 * (catalogue.nodered.org) is out of reach here, so its one lookup is served from
 * a fixture. Everything else (the npm registry) is fetched for real.
 */
import fs from 'fs';
import path from 'path';

const CATALOGUE_URL = 'https://catalogue.nodered.org/catalogue.json';
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, 'catalogue-fixture.json'), 'utf8'));
const cliDir = path.dirname(require.resolve('node-red-dev/package.json'));
const axios = require(require.resolve('axios', { paths: [cliDir] }));
const realGet = axios.get.bind(axios);

axios.get = (url: string, ...rest: unknown[]) => {
  if (url === CATALOGUE_URL) {
    process.stderr.write(
      `[offline-catalogue] served ${CATALOGUE_URL} from the fixture (${fixture.modules.length} modules)\n`,
    );
    return Promise.resolve({ status: 200, data: fixture });
  }
  return realGet(url, ...rest);
};
