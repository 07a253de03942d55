/** Process liveness that survives pid reuse, and process-group signals. */
import { readFileSync } from 'node:fs';

/**
 * A token that identifies one incarnation of a pid: its start time in clock ticks since boot
 * (/proc/PID/stat field 22). Undefined where /proc is not available; callers then fall back
 * to a plain existence check.
 */
export function processStartToken(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: split after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

export function isProcessAlive(pid: number, startToken?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return true; // no /proc here: existence is all we can know
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // A zombie has exited and only waits for its parent to reap it.
  if (fields[0] === 'Z' || fields[0] === 'X') return false;
  return startToken === undefined || fields[19] === startToken;
}

/** Signals a whole process group (the job's process and everything it started). */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}
