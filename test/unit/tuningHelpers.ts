import type {
  CreateHyperParameterTuningJobRequest,
  DescribeHyperParameterTuningJobResponse,
} from '@aws-sdk/client-sagemaker';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LocalBackend } from '../../src/backends/local/localBackend';
import { writeScript } from './helpers';

/** A training script: objective = (x - 0.3)^2 (+0.1 for sgd), printed once per epoch. */
export const QUADRATIC = `#!/bin/sh
x=""; opt="adam"; epochs=3; delay=0
while [ $# -gt 0 ]; do
  case "$1" in --x) x="$2";; --optimizer) opt="$2";; --epochs) epochs="$2";; --delay) delay="$2";; esac
  shift 2
done
i=0
while [ $i -lt $epochs ]; do
  sleep "$delay"
  awk -v x="$x" -v o="$opt" -v e="$i" -v n="$epochs" 'BEGIN { v = (x - 0.3) ^ 2 + (o == "sgd" ? 0.1 : 0) + 0.01 * (n - 1 - e); printf "epoch=%d val_loss=%.6f\\n", e, v }'
  i=$((i + 1))
done
`;

export function tuningRequest(
  root: string,
  name: string,
  overrides: {
    config?: Partial<
      NonNullable<CreateHyperParameterTuningJobRequest['HyperParameterTuningJobConfig']>
    >;
    statics?: Record<string, string>;
    script?: string;
  } = {},
): CreateHyperParameterTuningJobRequest {
  writeScript(root, 'quad.sh', overrides.script ?? QUADRATIC);
  return {
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobConfig: {
      Strategy: 'Random',
      RandomSeed: 11,
      HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'val_loss' },
      ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 },
      ParameterRanges: {
        ContinuousParameterRanges: [
          { Name: 'x', MinValue: '0', MaxValue: '1', ScalingType: 'Linear' },
        ],
        CategoricalParameterRanges: [{ Name: 'optimizer', Values: ['adam', 'sgd'] }],
      },
      ...overrides.config,
    },
    TrainingJobDefinition: {
      StaticHyperParameters: {
        sagemaker_program: 'quad.sh',
        sagemaker_submit_directory: pathToFileURL(join(root, 'code')).href,
        ...overrides.statics,
      },
      AlgorithmSpecification: {
        TrainingImage: 'local:process',
        TrainingInputMode: 'File',
        MetricDefinitions: [{ Name: 'val_loss', Regex: 'val_loss=(\\S+)' }],
      },
      RoleArn: 'arn:aws:iam::123456789012:role/SageMakerRole',
      OutputDataConfig: { S3OutputPath: pathToFileURL(join(root, 'output')).href },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
      StoppingCondition: { MaxRuntimeInSeconds: 120 },
    },
  };
}

export async function waitForTuning(
  backend: LocalBackend,
  name: string,
  until: (job: DescribeHyperParameterTuningJobResponse) => boolean = (job) =>
    !['InProgress', 'Stopping'].includes(job.HyperParameterTuningJobStatus!),
  timeoutMs = 60_000,
): Promise<DescribeHyperParameterTuningJobResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await backend.describeHyperParameterTuningJob({
      HyperParameterTuningJobName: name,
    });
    if (until(job)) return job;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${name}: ${job.HyperParameterTuningJobStatus} ${JSON.stringify(job.TrainingJobStatusCounters)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A second training script for jobs with several definitions: objective
 * loss = (y - 0.6)^2 + 0.2 + 0.02 (layers - 1), printed once per epoch - never better than 0.2,
 * so QUADRATIC's definition (best 0) is the better one.
 */
export const SHIFTED = `#!/bin/sh
y=""; layers=1; epochs=3; delay=0
while [ $# -gt 0 ]; do
  case "$1" in --y) y="$2";; --layers) layers="$2";; --epochs) epochs="$2";; --delay) delay="$2";; esac
  shift 2
done
i=0
while [ $i -lt $epochs ]; do
  sleep "$delay"
  awk -v y="$y" -v l="$layers" -v e="$i" -v n="$epochs" 'BEGIN { v = (y - 0.6) ^ 2 + 0.2 + 0.02 * (l - 1) + 0.01 * (n - 1 - e); printf "epoch=%d loss=%.6f\\n", e, v }'
  i=$((i + 1))
done
`;

/** SHIFTED's objective as a function of a trial's hyperparameters (for in-process tuner runs). */
export const shifted = (hps: Record<string, string>) =>
  (Number(hps.y) - 0.6) ** 2 + 0.2 + 0.02 * (Number(hps.layers) - 1);

/**
 * A request with two TrainingJobDefinitions: "quad" runs QUADRATIC (metric val_loss, ranges x
 * and optimizer), "shifted" runs SHIFTED (metric loss, ranges y and layers). Both minimise.
 */
export function multiDefinitionRequest(
  root: string,
  name: string,
  overrides: {
    config?: Partial<
      NonNullable<CreateHyperParameterTuningJobRequest['HyperParameterTuningJobConfig']>
    >;
    quadStatics?: Record<string, string>;
    shiftedStatics?: Record<string, string>;
  } = {},
): CreateHyperParameterTuningJobRequest {
  const single = tuningRequest(root, name);
  writeScript(root, 'shifted.sh', SHIFTED);
  const base = single.TrainingJobDefinition!;
  // Several definitions: the objective and ranges live on each definition, not on the config.
  const config = { ...single.HyperParameterTuningJobConfig! };
  const ranges = config.ParameterRanges;
  delete config.HyperParameterTuningJobObjective;
  delete config.ParameterRanges;
  return {
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobConfig: { ...config, ...overrides.config },
    TrainingJobDefinitions: [
      {
        ...base,
        DefinitionName: 'quad',
        TuningObjective: { Type: 'Minimize', MetricName: 'val_loss' },
        HyperParameterRanges: ranges,
        StaticHyperParameters: { ...base.StaticHyperParameters, ...overrides.quadStatics },
      },
      {
        ...base,
        DefinitionName: 'shifted',
        TuningObjective: { Type: 'Minimize', MetricName: 'loss' },
        HyperParameterRanges: {
          ContinuousParameterRanges: [{ Name: 'y', MinValue: '0', MaxValue: '1' }],
          IntegerParameterRanges: [{ Name: 'layers', MinValue: '1', MaxValue: '3' }],
        },
        StaticHyperParameters: {
          ...base.StaticHyperParameters,
          sagemaker_program: 'shifted.sh',
          ...overrides.shiftedStatics,
        },
        AlgorithmSpecification: {
          ...base.AlgorithmSpecification!,
          MetricDefinitions: [{ Name: 'loss', Regex: 'loss=(\\S+)' }],
        },
        ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 5 },
      },
    ],
  };
}
