/**
 * Resolves on the first Ctrl-C (SIGINT) or SIGTERM, with both listeners removed again: how the
 * long-running commands (`irwatch start`, `irwatch dashboard`) wait until they are told to stop.
 */
export function untilInterrupted(): Promise<NodeJS.Signals> {
  return new Promise((resolveStop) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolveStop(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
