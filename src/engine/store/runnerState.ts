/** What every job's fold knows about its runner process, from RunnerSpawned/RunnerStarted events. */
export interface RunnerState {
  runnerPid?: number;
  runnerPidStart?: string;
  /** The runner journaled its start (its SIGTERM handler is in place). */
  runnerStarted?: boolean;
}

export type RunnerEvent =
  | { type: 'RunnerSpawned'; time: string; pid: number }
  | { type: 'RunnerStarted'; time: string; pid: number; pidStart?: string };

export function applyRunnerEvent(state: RunnerState, event: RunnerEvent): void {
  if (event.type === 'RunnerSpawned') {
    state.runnerPid ??= event.pid; // the spawner's pid is known before the runner writes anything
    return;
  }
  state.runnerPid = event.pid;
  state.runnerPidStart = event.pidStart;
  state.runnerStarted = true;
}
