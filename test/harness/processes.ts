// Process-tree bookkeeping: every process group the harness starts is recorded here and is
// killed when the test process exits, however it exits (normal end, uncaught error, signal).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { sleep } from './util';

const liveGroups = new Set<number>();
let hooksInstalled = false;

/** Parent pid of every process on the machine (Linux /proc; empty elsewhere). */
function parentMap(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  if (!existsSync('/proc')) return children;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid ..." - comm may hold spaces and parentheses: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(rest[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  return children;
}

/** All descendants of pid (children, grandchildren, ...), even those that left its group. */
export function descendants(pid: number): number[] {
  const children = parentMap();
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    for (const child of children.get(next) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function signal(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig);
  } catch {
    // ESRCH: already gone
  }
}

/** SIGKILL a process group and every descendant of its leader, synchronously. */
export function killTreeNow(pgid: number): void {
  const tree = descendants(pgid);
  signal(-pgid, 'SIGKILL');
  for (const pid of tree) signal(pid, 'SIGKILL');
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const pgid of liveGroups) killTreeNow(pgid);
    liveGroups.clear();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const pgid of liveGroups) killTreeNow(pgid);
      liveGroups.clear();
      // Exit as a signal death would (playwright's own exit hook then kills the browser).
      process.exit(128 + (constants.signals[sig] ?? 1));
    });
  }
}

export function trackGroup(pgid: number): void {
  installHooks();
  liveGroups.add(pgid);
}

export function untrackGroup(pgid: number): void {
  liveGroups.delete(pgid);
}

/** True while pid runs (a zombie, waiting to be reaped, counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return existsSync('/proc') ? false : true;
  }
}

/**
 * Stops a process group politely (SIGTERM, then SIGKILL after graceMs), including descendants
 * that moved to a group of their own (terminals, detached jobs).
 */
export async function stopTree(
  pgid: number,
  exited: Promise<unknown>,
  graceMs = 5000,
): Promise<void> {
  const tree = descendants(pgid);
  signal(-pgid, 'SIGTERM');
  for (const pid of tree) signal(pid, 'SIGTERM');
  let leaderGone = false;
  void exited.then(
    () => (leaderGone = true),
    () => (leaderGone = true),
  );
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && (!leaderGone || tree.some(alive))) await sleep(100);
  // Whatever is left (including the group's members spawned after the snapshot) gets SIGKILL.
  const rest = [...new Set([...tree, ...descendants(pgid)])];
  signal(-pgid, 'SIGKILL');
  for (const pid of rest) signal(pid, 'SIGKILL');
  untrackGroup(pgid);
}
