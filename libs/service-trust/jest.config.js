module.exports = {
  displayName: 'service-trust',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
