#!/usr/bin/env node
// The CLI runs irwatch's TypeScript sources directly (the local stack loads the same handlers).
import { register } from 'tsx/esm/api';

// The SDK warns on every start that a future release needs Node 22; irwatch supports Node 20.19+.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (!warning.message.startsWith('NodeVersionSupportWarning')) console.warn(warning);
});

register();
const { run } = await import('../local/cli/cli.ts');
await run(process.argv.slice(2));
