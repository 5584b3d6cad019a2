module.exports = {
  displayName: 'jpd-access',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
