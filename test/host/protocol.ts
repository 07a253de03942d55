// How the extension-host test run reports its counts to the harness (no vscode import here:
// the harness, running in plain Node, imports this file too).

/** Environment variable naming the JSON file the host run writes its HostResults to. */
export const HOST_RESULTS_ENV = 'SMW_HOST_RESULTS_FILE';
/** Optional mocha --grep for the host run. */
export const HOST_GREP_ENV = 'SMW_HOST_GREP';
/** Prefix of the log line that carries the same JSON (a fallback when the file is missing). */
export const HOST_RESULTS_PREFIX = '[smw-host-results] ';

export interface HostFailure {
  title: string;
  error: string;
}

export interface HostResults {
  passed: number;
  failed: number;
  pending: number;
  durationMs: number;
  failures: HostFailure[];
  /** Set when the run could not start or load its files (then failed >= 1). */
  crashed?: string;
}
