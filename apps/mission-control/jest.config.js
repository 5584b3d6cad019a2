module.exports = {
  displayName: 'mission-control',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
