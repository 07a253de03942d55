/**
 * SageMaker training instance types: accelerators, CPUs, memory and an approximate on-demand
 * price, for the instance-type picker, the batch-size suggestion and the cost estimate.
 *
 * Prices are SageMaker Training on-demand list prices for us-east-1 in USD per instance-hour,
 * as AWS published them (https://aws.amazon.com/sagemaker/pricing/) when this table was
 * written. They change by region and over time, so every figure derived from them is shown
 * as an estimate and users can override any price with the `sagemakerWorkbench.instancePrices`
 * setting.
 */

export interface InstanceTypeInfo {
  /** e.g. "ml.p3.8xlarge" */
  readonly name: string;
  readonly vcpus: number;
  readonly memoryGiB: number;
  /** Number of GPUs (or Trainium chips); 0 for CPU instances. */
  readonly gpus: number;
  /** GPU model, e.g. "V100"; undefined for CPU instances. */
  readonly gpuModel?: string;
  /** Memory of one GPU in GiB. */
  readonly gpuMemoryGiB?: number;
  /** Approximate on-demand training price, USD per instance-hour, us-east-1. */
  readonly pricePerHour: number;
}

/** The date the prices below were read; shown beside every estimate. */
export const INSTANCE_PRICES_AS_OF = '2026-11';

const cpu = (
  name: string,
  vcpus: number,
  memoryGiB: number,
  pricePerHour: number,
): InstanceTypeInfo => ({
  name,
  vcpus,
  memoryGiB,
  gpus: 0,
  pricePerHour,
});

const gpu = (
  name: string,
  vcpus: number,
  memoryGiB: number,
  gpus: number,
  gpuModel: string,
  gpuMemoryGiB: number,
  pricePerHour: number,
): InstanceTypeInfo => ({ name, vcpus, memoryGiB, gpus, gpuModel, gpuMemoryGiB, pricePerHour });

export const INSTANCE_TYPES: readonly InstanceTypeInfo[] = [
  cpu('ml.m5.large', 2, 8, 0.115),
  cpu('ml.m5.xlarge', 4, 16, 0.23),
  cpu('ml.m5.2xlarge', 8, 32, 0.461),
  cpu('ml.m5.4xlarge', 16, 64, 0.922),
  cpu('ml.m5.12xlarge', 48, 192, 2.765),
  cpu('ml.m5.24xlarge', 96, 384, 5.53),
  cpu('ml.c5.xlarge', 4, 8, 0.204),
  cpu('ml.c5.2xlarge', 8, 16, 0.408),
  cpu('ml.c5.4xlarge', 16, 32, 0.816),
  cpu('ml.c5.9xlarge', 36, 72, 1.836),
  cpu('ml.c5.18xlarge', 72, 144, 3.672),
  gpu('ml.p3.2xlarge', 8, 61, 1, 'V100', 16, 3.825),
  gpu('ml.p3.8xlarge', 32, 244, 4, 'V100', 16, 14.688),
  gpu('ml.p3.16xlarge', 64, 488, 8, 'V100', 16, 28.152),
  gpu('ml.p3dn.24xlarge', 96, 768, 8, 'V100', 32, 35.894),
  gpu('ml.g4dn.xlarge', 4, 16, 1, 'T4', 16, 0.736),
  gpu('ml.g4dn.2xlarge', 8, 32, 1, 'T4', 16, 0.94),
  gpu('ml.g4dn.4xlarge', 16, 64, 1, 'T4', 16, 1.505),
  gpu('ml.g4dn.8xlarge', 32, 128, 1, 'T4', 16, 2.72),
  gpu('ml.g4dn.12xlarge', 48, 192, 4, 'T4', 16, 4.89),
  gpu('ml.g4dn.16xlarge', 64, 256, 1, 'T4', 16, 5.44),
  gpu('ml.g5.xlarge', 4, 16, 1, 'A10G', 24, 1.408),
  gpu('ml.g5.2xlarge', 8, 32, 1, 'A10G', 24, 1.515),
  gpu('ml.g5.4xlarge', 16, 64, 1, 'A10G', 24, 2.03),
  gpu('ml.g5.8xlarge', 32, 128, 1, 'A10G', 24, 3.06),
  gpu('ml.g5.12xlarge', 48, 192, 4, 'A10G', 24, 7.09),
  gpu('ml.g5.16xlarge', 64, 256, 1, 'A10G', 24, 4.096),
  gpu('ml.g5.24xlarge', 96, 384, 4, 'A10G', 24, 10.18),
  gpu('ml.g5.48xlarge', 192, 768, 8, 'A10G', 24, 20.36),
  gpu('ml.p4d.24xlarge', 96, 1152, 8, 'A100', 40, 37.688),
  gpu('ml.p5.48xlarge', 192, 2048, 8, 'H100', 80, 113.068),
];

const BY_NAME = new Map(INSTANCE_TYPES.map((t) => [t.name, t]));

/** The catalog entry for an instance type, or undefined for types the table does not know. */
export function instanceTypeInfo(name: string): InstanceTypeInfo | undefined {
  return BY_NAME.get(name);
}

/** Price per instance-hour: the user's override first, then the table. */
export function instancePricePerHour(
  name: string,
  overrides: Readonly<Record<string, number>> = {},
): number | undefined {
  const override = overrides[name];
  if (typeof override === 'number' && Number.isFinite(override) && override >= 0) return override;
  return BY_NAME.get(name)?.pricePerHour;
}

/** "4 x V100 (16 GiB), 32 vCPU, 244 GiB" - the picker's description of a type. */
export function describeInstanceType(info: InstanceTypeInfo): string {
  const accelerators =
    info.gpus > 0 ? `${info.gpus} x ${info.gpuModel} (${info.gpuMemoryGiB} GiB), ` : 'CPU only, ';
  return `${accelerators}${info.vcpus} vCPU, ${info.memoryGiB} GiB`;
}

/**
 * The batch size to suggest on an instance: SageMaker's fine-tuning guidance is to keep the
 * per-GPU batch and scale the global batch by the number of GPUs (data parallel), so
 * `perDeviceBatchSize` x GPUs, or unchanged on CPU and single-GPU instances.
 */
export function suggestedBatchSize(perDeviceBatchSize: number, instanceType: string): number {
  const gpus = BY_NAME.get(instanceType)?.gpus ?? 0;
  return gpus > 1 ? perDeviceBatchSize * gpus : perDeviceBatchSize;
}

export interface WorstCaseCost {
  /** MaxRuntimeInSeconds x MaxParallelTrainingJobs x InstanceCount, in instance-hours. */
  readonly instanceHours: number;
  /** Upper bound for the whole job: every training job running to its MaxRuntimeInSeconds. */
  readonly totalInstanceHours: number;
  /** USD, or undefined when the instance type's price is unknown. */
  readonly maxCostUsd?: number;
  readonly pricePerHour?: number;
}

/**
 * Worst-case compute and cost of a tuning (or training) job before launch. `instanceHours` is
 * the figure the editor shows - the compute in flight at once when every parallel job
 * runs to its limit (MaxRuntimeInSeconds x MaxParallelTrainingJobs x instances per job); the
 * total covers all MaxNumberOfTrainingJobs, which is what a bill can reach.
 */
export function worstCaseCost(options: {
  instanceType: string;
  instanceCount: number;
  maxRuntimeInSeconds: number;
  maxParallelTrainingJobs?: number;
  maxNumberOfTrainingJobs?: number;
  priceOverrides?: Readonly<Record<string, number>>;
}): WorstCaseCost {
  const parallel = options.maxParallelTrainingJobs ?? 1;
  const total = options.maxNumberOfTrainingJobs ?? parallel;
  const hoursPerJob = (options.maxRuntimeInSeconds / 3600) * options.instanceCount;
  const pricePerHour = instancePricePerHour(options.instanceType, options.priceOverrides);
  const totalInstanceHours = hoursPerJob * total;
  return {
    instanceHours: hoursPerJob * parallel,
    totalInstanceHours,
    pricePerHour,
    maxCostUsd: pricePerHour === undefined ? undefined : totalInstanceHours * pricePerHour,
  };
}
