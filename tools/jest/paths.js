// Maps the `paths` of tsconfig.base.json to Jest's moduleNameMapper, so tests import libraries
// by the same names as the apps do.
const fs = require('node:fs');
const path = require('node:path');

function pathsToModuleNameMapper(tsconfigFile) {
  const { compilerOptions } = JSON.parse(fs.readFileSync(tsconfigFile, 'utf8'));
  const root = path.dirname(tsconfigFile);
  const mapper = {};
  for (const [name, [target]] of Object.entries(compilerOptions.paths)) {
    mapper[`^${name.replace(/[/@-]/g, '\\$&')}$`] = path.join(root, target);
  }
  return mapper;
}

module.exports = { pathsToModuleNameMapper };
