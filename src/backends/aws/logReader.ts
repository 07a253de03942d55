/**
 * Reading a SageMaker training job's log from CloudWatch Logs: every stream of log group
 * /aws/sagemaker/TrainingJobs whose name starts with `<job>/` (one per instance, e.g.
 * `<job>/algo-1-1700000000`), interleaved by time with FilterLogEvents, as `aws logs tail`
 * reads them.
 *
 * A cursor says how far a reader got: the number of events read (the position callers keep),
 * plus the latest timestamp and the ids of the events seen at it, so the next read asks only
 * for events from that timestamp on and drops the ones it has already returned.
 */
import {
  paginateFilterLogEvents,
  type CloudWatchLogsClient,
  type FilteredLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';

export const TRAINING_JOB_LOG_GROUP = '/aws/sagemaker/TrainingJobs';

export interface LogCursor {
  /** Events read so far. */
  readonly count: number;
  /** Timestamp (ms) of the latest event read. */
  readonly lastTimestamp?: number;
  /** Keys of the events read at lastTimestamp. */
  readonly seenAtLast: ReadonlySet<string>;
}

export interface LogEvent {
  timestamp: number;
  message: string;
  stream: string;
}

export const START: LogCursor = { count: 0, seenAtLast: new Set() };

const eventKey = (event: FilteredLogEvent): string =>
  `${event.logStreamName ?? ''}\u0000${event.eventId ?? ''}\u0000${event.timestamp ?? ''}`;

/**
 * The job's events after `cursor`, at most about `maxEvents` (whole pages are kept, so a read
 * may return a few more), and the cursor after them. A job without a log (yet) has no events.
 */
export async function readLogEvents(
  client: CloudWatchLogsClient,
  jobName: string,
  cursor: LogCursor,
  maxEvents = 10_000,
): Promise<{ events: LogEvent[]; cursor: LogCursor }> {
  const events: LogEvent[] = [];
  let lastTimestamp = cursor.lastTimestamp;
  let seenAtLast = new Set(cursor.seenAtLast);
  const prefix = `${jobName}/`;
  const pages = paginateFilterLogEvents(
    { client, pageSize: Math.min(10_000, Math.max(1, maxEvents)) },
    {
      logGroupName: TRAINING_JOB_LOG_GROUP,
      logStreamNamePrefix: prefix,
      ...(cursor.lastTimestamp !== undefined ? { startTime: cursor.lastTimestamp } : {}),
      // Ignored by CloudWatch, which always interleaves; emulators (moto) sort only with it.
      interleaved: true,
    },
  );
  try {
    for await (const page of pages) {
      for (const event of page.events ?? []) {
        // The prefix again: an emulator may not filter by it.
        if (!(event.logStreamName ?? prefix).startsWith(prefix)) continue;
        const timestamp = event.timestamp ?? 0;
        const key = eventKey(event);
        if (timestamp === lastTimestamp && seenAtLast.has(key)) continue;
        if (lastTimestamp === undefined || timestamp > lastTimestamp) {
          lastTimestamp = timestamp;
          seenAtLast = new Set();
        }
        if (timestamp === lastTimestamp) seenAtLast.add(key);
        events.push({
          timestamp,
          message: event.message ?? '',
          stream: event.logStreamName ?? '',
        });
      }
      if (events.length >= maxEvents) break;
    }
  } catch (err) {
    // No log group yet (no job of this account has logged in this region): no events.
    if ((err as Error).name !== 'ResourceNotFoundException') throw err;
  }
  return {
    events,
    cursor: {
      count: cursor.count + events.length,
      ...(lastTimestamp !== undefined ? { lastTimestamp } : {}),
      seenAtLast,
    },
  };
}

/** Log events as text: one line each (SageMaker sends one event per line of output). */
export function eventsText(events: readonly LogEvent[]): string {
  return events.map((e) => (e.message.endsWith('\n') ? e.message : `${e.message}\n`)).join('');
}
