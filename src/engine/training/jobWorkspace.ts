/**
 * The folder a local job runs in, laid out as SageMaker lays out /opt/ml in its containers,
 * and the SM_* environment the SageMaker training toolkit gives a training script.
 */
import { cpSync, mkdirSync, symlinkSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cpus } from 'node:os';
import * as tar from 'tar';
import type { CreateTrainingJobRequest } from '../../model/types';
import type { ProcessSpec } from './processSpec';
import { decodeHyperParameter } from './processSpec';

export const CURRENT_HOST = 'algo-1';

export interface JobWorkspace {
  root: string;
  inputDir: string;
  configDir: string;
  dataDir: string;
  modelDir: string;
  outputDir: string;
  outputDataDir: string;
  codeDir: string;
  channelDirs: Record<string, string>;
}

export function workspaceLayout(root: string, channelNames: readonly string[]): JobWorkspace {
  const inputDir = join(root, 'input');
  const dataDir = join(inputDir, 'data');
  const outputDir = join(root, 'output');
  return {
    root,
    inputDir,
    configDir: join(inputDir, 'config'),
    dataDir,
    modelDir: join(root, 'model'),
    outputDir,
    outputDataDir: join(outputDir, 'data'),
    codeDir: join(root, 'code'),
    channelDirs: Object.fromEntries(channelNames.map((name) => [name, join(dataDir, name)])),
  };
}

/** Writes the config files SageMaker writes: hyperparameters, input data and resource config. */
export function writeConfig(workspace: JobWorkspace, request: CreateTrainingJobRequest): void {
  for (const dir of [
    workspace.configDir,
    workspace.dataDir,
    workspace.modelDir,
    workspace.outputDataDir,
  ]) {
    mkdirSync(dir, { recursive: true });
  }
  const json = (name: string, value: unknown) =>
    writeFileSync(join(workspace.configDir, name), `${JSON.stringify(value, null, 2)}\n`);
  json('hyperparameters.json', request.HyperParameters ?? {});
  json(
    'inputdataconfig.json',
    Object.fromEntries(
      (request.InputDataConfig ?? []).map((c) => [
        c.ChannelName,
        {
          TrainingInputMode:
            c.InputMode ?? request.AlgorithmSpecification?.TrainingInputMode ?? 'File',
          S3DistributionType:
            c.DataSource?.S3DataSource?.S3DataDistributionType ?? 'FullyReplicated',
          RecordWrapperType: c.RecordWrapperType ?? 'None',
          ...(c.ContentType ? { ContentType: c.ContentType } : {}),
        },
      ]),
    ),
  );
  json('resourceconfig.json', {
    current_host: CURRENT_HOST,
    hosts: [CURRENT_HOST],
    network_interface_name: 'lo',
  });
}

/**
 * Makes each channel's data visible at input/data/<channel>/. Local data is linked, not
 * copied: a channel folder becomes a symlink, a single file appears inside its channel folder.
 */
export function linkChannels(
  workspace: JobWorkspace,
  channels: readonly { name: string; path: string }[],
): void {
  for (const channel of channels) {
    const target = workspace.channelDirs[channel.name];
    if (statSync(channel.path).isDirectory()) {
      symlinkSync(channel.path, target, 'dir');
    } else {
      mkdirSync(target, { recursive: true });
      symlinkSync(channel.path, join(target, basename(channel.path)));
    }
  }
}

/** Copies (or unpacks) the submit directory into code/, as the toolkit downloads sourcedir.tar.gz. */
export async function installCode(
  workspace: JobWorkspace,
  spec: Extract<ProcessSpec, { kind: 'program' }>,
): Promise<void> {
  mkdirSync(workspace.codeDir, { recursive: true });
  if (statSync(spec.submitSource).isDirectory()) {
    cpSync(spec.submitSource, workspace.codeDir, {
      recursive: true,
      filter: (source) => !/(^|\/)(\.git|node_modules|__pycache__)$/.test(source),
    });
  } else {
    // node-tar refuses absolute paths and `..` entries, so a hostile archive stays inside code/.
    await tar.x({ file: spec.submitSource, cwd: workspace.codeDir, strict: true });
  }
}

/** The environment of the training process: the caller's, the request's, and SageMaker's SM_* variables. */
export function trainingEnvironment(
  workspace: JobWorkspace,
  request: CreateTrainingJobRequest,
  spec: ProcessSpec,
  base: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv {
  const hps = Object.fromEntries(
    Object.entries(request.HyperParameters ?? {})
      .filter(([name]) => !name.startsWith('sagemaker_'))
      .map(([name, value]) => [name, decodeHyperParameter(value)]),
  );
  const channelNames = Object.keys(workspace.channelDirs);
  const env: NodeJS.ProcessEnv = {
    ...base,
    ...(request.Environment ?? {}),
    TRAINING_JOB_NAME: request.TrainingJobName,
    SM_TRAINING_JOB_NAME: request.TrainingJobName,
    SM_MODEL_DIR: workspace.modelDir,
    SM_INPUT_DIR: workspace.inputDir,
    SM_INPUT_CONFIG_DIR: workspace.configDir,
    SM_INPUT_DATA_CONFIG: JSON.stringify(
      Object.fromEntries(channelNames.map((n) => [n, { TrainingInputMode: 'File' }])),
    ),
    SM_OUTPUT_DIR: workspace.outputDir,
    SM_OUTPUT_DATA_DIR: workspace.outputDataDir,
    SM_CHANNELS: JSON.stringify(channelNames),
    SM_HPS: JSON.stringify(hps),
    SM_HOSTS: JSON.stringify([CURRENT_HOST]),
    SM_CURRENT_HOST: CURRENT_HOST,
    SM_NUM_CPUS: String(cpus().length),
    SM_NUM_GPUS: '0',
    SM_LOG_LEVEL: '20',
    PYTHONUNBUFFERED: '1',
  };
  for (const [name, dir] of Object.entries(workspace.channelDirs))
    env[`SM_CHANNEL_${name.toUpperCase()}`] = dir;
  for (const [name, value] of Object.entries(hps)) env[`SM_HP_${name.toUpperCase()}`] = value;
  if (spec.kind === 'program') {
    env.SM_MODULE_DIR = workspace.codeDir;
    env.SM_USER_ENTRY_POINT = spec.program;
    env.SM_USER_ARGS = JSON.stringify(spec.userArgs);
  }
  return env;
}
