/**
 * Tells when anything in a job store changes (a journal append, a log line, a new job),
 * coalesced so a chatty job causes at most one callback per interval. Uses the OS file
 * watcher; where that is unavailable (some network file systems) it falls back to polling.
 */
import { watch, mkdirSync, type FSWatcher } from 'node:fs';

export interface Disposable {
  dispose(): void;
}

export function watchStore(
  dir: string,
  onChange: (changedPath: string | undefined) => void,
  options: { coalesceMs?: number; fallbackPollMs?: number } = {},
): Disposable {
  const coalesceMs = options.coalesceMs ?? 200;
  mkdirSync(dir, { recursive: true });
  let timer: NodeJS.Timeout | undefined;
  let lastPath: string | undefined;
  const fire = (path: string | undefined) => {
    lastPath = path;
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      onChange(lastPath);
    }, coalesceMs);
  };
  let watcher: FSWatcher | undefined;
  let poll: NodeJS.Timeout | undefined;
  try {
    watcher = watch(dir, { recursive: true }, (_event, file) => fire(file ?? undefined));
    watcher.on('error', () => {
      watcher?.close();
      watcher = undefined;
      poll ??= setInterval(() => fire(undefined), options.fallbackPollMs ?? 2000);
    });
  } catch {
    poll = setInterval(() => fire(undefined), options.fallbackPollMs ?? 2000);
  }
  return {
    dispose() {
      watcher?.close();
      if (poll) clearInterval(poll);
      if (timer) clearTimeout(timer);
    },
  };
}
