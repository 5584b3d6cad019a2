module.exports = {
  displayName: 'pairing-protocol',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
