// The SDK warns on every start that a future release needs Node 22; irwatch supports Node 20.19+.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (!warning.message.startsWith('NodeVersionSupportWarning')) console.warn(warning);
});
