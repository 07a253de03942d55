/**
 * A long transfer run from the command line: progress lines on stderr (rewritten in place on a
 * terminal, every 2 s otherwise) and Ctrl-C or SIGTERM cancelling it, which the transfer then
 * cleans up after.
 */
export async function withCancellableProgress<P, T>(
  describe: (progress: P) => { line: string; done: boolean },
  run: (options: { signal: AbortSignal; onProgress: (progress: P) => void }) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onSignal = () => {
    process.stderr.write('\ncancelling...\n');
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const tty = process.stderr.isTTY;
  let last = 0;
  const onProgress = (progress: P) => {
    const { line, done } = describe(progress);
    if (!done && Date.now() - last < (tty ? 200 : 2000)) return;
    last = Date.now();
    process.stderr.write(tty ? `\r${line}${done ? '\n' : ''}` : `${line}\n`);
  };
  try {
    return await run({ signal: controller.signal, onProgress });
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

export const mib = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(1);
