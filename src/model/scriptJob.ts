/**
 * Building the CreateTrainingJob request for "run my script as a local training job" -
 * the same request a user would write by hand for `smw create-training-job` - and parsing
 * the short forms the editor's input boxes accept.
 */
import { basename, dirname, extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CreateTrainingJobRequest, MetricDefinition } from './types';
import { LOCAL_PROCESS_IMAGE } from './types';

/** Placeholder role: the API requires one; the local engine never assumes it. */
export const LOCAL_ROLE_ARN = 'arn:aws:iam::000000000000:role/SageMakerWorkbenchLocal';

export const DEFAULT_METRIC_DEFINITIONS: MetricDefinition[] = [
  { Name: 'loss', Regex: 'loss[=:]\\s*([-+0-9.eE]+)' },
];

/** `base-YYYY-MM-DD-HH-MM-SS-mmm`, the SageMaker Python SDK's naming, cut to the 63-character limit. */
export function timestampedJobName(base: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:T.Z]/g, ' ')
    .trim()
    .split(/\s+/);
  const suffix = `${stamp[0]}-${stamp[1]}-${stamp[2]}-${stamp[3]}-${stamp[4]}-${stamp[5]}-${stamp[6]}`;
  const cleaned =
    base
      .replace(/[^a-zA-Z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63 - suffix.length - 1)
      .replace(/-+$/, '') || 'job';
  return `${cleaned}-${suffix}`;
}

export interface ScriptJobOptions {
  /** Absolute path of the training script (.py runs with python3; else executable). */
  script: string;
  jobName?: string;
  /** Channel name -> absolute local path. */
  channels?: Record<string, string>;
  hyperParameters?: Record<string, string>;
  metricDefinitions?: MetricDefinition[];
  /** file:// URI of the output folder. */
  outputUri: string;
  maxRuntimeInSeconds?: number;
}

export function scriptJobRequest(options: ScriptJobOptions): CreateTrainingJobRequest {
  const stem = basename(options.script, extname(options.script));
  const channels = Object.entries(options.channels ?? {});
  return {
    TrainingJobName: options.jobName ?? timestampedJobName(stem),
    RoleArn: LOCAL_ROLE_ARN,
    AlgorithmSpecification: {
      TrainingImage: LOCAL_PROCESS_IMAGE,
      TrainingInputMode: 'File',
      MetricDefinitions: options.metricDefinitions ?? DEFAULT_METRIC_DEFINITIONS,
    },
    HyperParameters: {
      ...options.hyperParameters,
      sagemaker_program: basename(options.script),
      sagemaker_submit_directory: pathToFileURL(dirname(options.script)).href,
    },
    ...(channels.length
      ? {
          InputDataConfig: channels.map(([name, path]) => ({
            ChannelName: name,
            DataSource: {
              S3DataSource: {
                S3DataType: 'S3Prefix',
                S3Uri: pathToFileURL(path).href,
                S3DataDistributionType: 'FullyReplicated',
              },
            },
          })),
        }
      : {}),
    OutputDataConfig: { S3OutputPath: options.outputUri },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
    StoppingCondition: { MaxRuntimeInSeconds: options.maxRuntimeInSeconds ?? 86400 },
  };
}

/** `a=1 b=two` -> { a: '1', b: 'two' }; an error names the first bad pair. */
export function parseKeyValues(text: string, separator = /\s+/): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of text
    .split(separator)
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`"${pair}" is not name=value`);
    const name = pair.slice(0, eq).trim();
    if (name in result) throw new Error(`"${name}" is given twice`);
    result[name] = pair.slice(eq + 1).trim();
  }
  return result;
}

/** `loss=loss: ([0-9.]+); acc=acc=([0-9.]+)` -> MetricDefinitions (split on `;`, name before the first `=`). */
export function parseMetricDefinitions(text: string): MetricDefinition[] {
  return Object.entries(parseKeyValues(text, /;/)).map(([Name, Regex]) => {
    try {
      new RegExp(Regex);
    } catch (err) {
      throw new Error(`the regex of ${Name} does not compile: ${(err as Error).message}`);
    }
    if (!/\((?!\?[:=!<])/.test(Regex) && !/\(\?<[A-Za-z]/.test(Regex)) {
      throw new Error(
        `the regex of ${Name} needs a capture group around the value, e.g. ${Name}=([0-9.]+)`,
      );
    }
    return { Name, Regex };
  });
}

export function formatMetricDefinitions(definitions: readonly MetricDefinition[]): string {
  return definitions.map((d) => `${d.Name}=${d.Regex}`).join('; ');
}
