/**
 * The pure side of the instance-type picker (no vscode, so unit tests run it): one item per
 * type of the catalog in model/instanceTypes.ts, and the batch size scaled by the GPU count
 * as SageMaker's fine-tuning guidance advises (keep the per-GPU batch, multiply by GPUs).
 */
import type {
  CreateHyperParameterTuningJobRequest,
  CreateTrainingJobRequest,
  ParameterRanges,
  ResourceConfig,
} from '@aws-sdk/client-sagemaker';
import {
  describeInstanceType,
  INSTANCE_PRICES_AS_OF,
  INSTANCE_TYPES,
  instanceTypeInfo,
  suggestedBatchSize,
} from '../../model/instanceTypes';

/** The hyperparameter JumpStart's fine-tuning scripts read the batch size from. */
export const BATCH_SIZE = 'batch_size';

export interface InstanceTypeItem {
  label: string;
  description: string;
  detail?: string;
  instanceType: string;
  gpus: number;
  /** CPU or GPU, for the picker's separators. */
  group: 'CPU instances' | 'GPU instances';
  picked?: boolean;
}

/**
 * One item per catalog type: GPUs, vCPUs, memory and the approximate price as description;
 * with a per-GPU batch size, the batch each type would get as detail.
 */
export function instanceTypeItems(
  options: { current?: string; perDeviceBatchSize?: number } = {},
): InstanceTypeItem[] {
  return INSTANCE_TYPES.map((info) => {
    const batch =
      options.perDeviceBatchSize !== undefined
        ? suggestedBatchSize(options.perDeviceBatchSize, info.name)
        : undefined;
    const current = info.name === options.current;
    return {
      label: info.name,
      description: `${current ? 'current - ' : ''}${describeInstanceType(info)} - ~$${info.pricePerHour.toFixed(2)}/h`,
      ...(batch !== undefined && info.gpus > 1
        ? {
            detail: `batch_size ${batch} (${options.perDeviceBatchSize} per GPU x ${info.gpus} GPUs)`,
          }
        : {}),
      instanceType: info.name,
      gpus: info.gpus,
      group: info.gpus > 0 ? 'GPU instances' : 'CPU instances',
      ...(current ? { picked: true } : {}),
    };
  });
}

/** The picker's placeholder: where the prices come from. */
export const PRICE_NOTE = `Approximate SageMaker Training on-demand prices, us-east-1, ${INSTANCE_PRICES_AS_OF}`;

export interface ScaledBatch {
  hyperParameters: Record<string, string>;
  /** Set when batch_size changed: what and why, to tell the user. */
  note?: string;
}

/** GPUs of a type (unknown types and CPU instances count as one device). */
function devices(instanceType: string | undefined): number {
  return Math.max(1, (instanceType && instanceTypeInfo(instanceType)?.gpus) || 1);
}

/**
 * `batch_size` moved from one instance type to another: the per-GPU batch (the value divided
 * by the old type's GPUs) times the new type's GPUs. Without `from` the value is per GPU.
 * Values that are not positive integers, or would not divide evenly, are left alone.
 */
export function scaleBatchSize(
  hyperParameters: Readonly<Record<string, string>>,
  to: string,
  from?: string,
): ScaledBatch {
  const copy = { ...hyperParameters };
  const text = copy[BATCH_SIZE];
  const value = text !== undefined && /^\d+$/.test(text.trim()) ? Number(text) : undefined;
  if (!value) return { hyperParameters: copy };
  const perDevice = perDeviceBatch(value, from);
  if (perDevice === undefined) return { hyperParameters: copy };
  const scaled = suggestedBatchSize(perDevice, to);
  if (scaled === value) return { hyperParameters: copy };
  copy[BATCH_SIZE] = String(scaled);
  return { hyperParameters: copy, note: batchNote(value, scaled, perDevice, to) };
}

function perDeviceBatch(value: number, from: string | undefined): number | undefined {
  const gpus = devices(from);
  return value % gpus === 0 ? value / gpus : undefined;
}

function batchNote(before: number, after: number, perDevice: number, to: string): string {
  const gpus = devices(to);
  return gpus > 1
    ? `batch_size ${before} -> ${after}: ${perDevice} per GPU x ${gpus} GPUs on ${to} (SageMaker's fine-tuning guidance: keep the per-GPU batch, scale by the GPU count).`
    : `batch_size ${before} -> ${after}: ${to} has one ${instanceTypeInfo(to)?.gpus ? 'GPU' : 'device'}, so the per-GPU batch of ${perDevice}.`;
}

export interface RequestWithInstanceType<T> {
  request: T;
  notes: string[];
  /** How many ResourceConfigs were changed. */
  changed: number;
}

/**
 * A training or tuning request moved to another instance type: every ResourceConfig (and
 * HyperParameterTuningResourceConfig) of the request, with `batch_size` rescaled in its
 * hyperparameters, static hyperparameters or integer range. A copy; the input is untouched.
 */
export function withInstanceType<
  T extends Partial<CreateTrainingJobRequest & CreateHyperParameterTuningJobRequest>,
>(request: T, instanceType: string): RequestWithInstanceType<T> {
  const copy = structuredClone(request);
  const notes: string[] = [];
  let changed = 0;
  // A tuning config's ranges may serve several definitions: scale them once.
  const scaledRanges = new Set<ParameterRanges>();
  const move = (
    owner: {
      ResourceConfig?: ResourceConfig;
      HyperParameterTuningResourceConfig?: { InstanceType?: string };
    },
    hyperParameters: Record<string, string> | undefined,
    ranges: ParameterRanges | undefined,
    setHyperParameters: (hp: Record<string, string>) => void,
  ) => {
    const resources = owner.ResourceConfig ?? owner.HyperParameterTuningResourceConfig;
    if (!resources) return;
    const from = resources.InstanceType;
    resources.InstanceType = instanceType as ResourceConfig['InstanceType'];
    changed++;
    if (hyperParameters?.[BATCH_SIZE] !== undefined) {
      const scaled = scaleBatchSize(hyperParameters, instanceType, from);
      setHyperParameters(scaled.hyperParameters);
      if (scaled.note) notes.push(scaled.note);
    }
    const range = ranges?.IntegerParameterRanges?.find((r) => r.Name === BATCH_SIZE);
    if (ranges && range?.MinValue && range.MaxValue && !scaledRanges.has(ranges)) {
      scaledRanges.add(ranges);
      const low = scaleBatchSize({ [BATCH_SIZE]: range.MinValue }, instanceType, from);
      const high = scaleBatchSize({ [BATCH_SIZE]: range.MaxValue }, instanceType, from);
      if (low.note && high.note) {
        notes.push(
          `batch_size range ${range.MinValue}-${range.MaxValue} -> ${low.hyperParameters[BATCH_SIZE]}-${high.hyperParameters[BATCH_SIZE]} (per-GPU batch kept on ${instanceType}).`,
        );
        range.MinValue = low.hyperParameters[BATCH_SIZE];
        range.MaxValue = high.hyperParameters[BATCH_SIZE];
      }
    }
  };
  if (copy.ResourceConfig) {
    move(copy, copy.HyperParameters, undefined, (hp) => (copy.HyperParameters = hp));
  }
  const definitions = [
    ...(copy.TrainingJobDefinition ? [copy.TrainingJobDefinition] : []),
    ...(copy.TrainingJobDefinitions ?? []),
  ];
  for (const d of definitions) {
    move(
      d,
      d.StaticHyperParameters,
      d.HyperParameterRanges ?? copy.HyperParameterTuningJobConfig?.ParameterRanges,
      (hp) => (d.StaticHyperParameters = hp),
    );
  }
  return { request: copy, notes: [...new Set(notes)], changed };
}
