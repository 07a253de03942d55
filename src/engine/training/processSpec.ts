/**
 * How a `local:process` job's command line is found, the way SageMaker's containers find it:
 * either the request's ContainerEntrypoint + ContainerArguments, or - as the SageMaker
 * training toolkit does for framework containers, and the only form a tuning job can use -
 * the script named by the `sagemaker_program` hyperparameter inside
 * `sagemaker_submit_directory`.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, extname, isAbsolute, join, normalize, sep } from 'node:path';
import type { CreateTrainingJobRequest } from '../../model/types';
import { validationError } from '../../model/errors';
import { localPathOf } from '../util/fileUri';
import { builtinAlgorithmOf, type BuiltinAlgorithm } from '../../model/builtinAlgorithms';

export const PROGRAM_HP = 'sagemaker_program';
export const SUBMIT_DIR_HP = 'sagemaker_submit_directory';

export type ProcessSpec =
  | { kind: 'entrypoint'; argv: string[] }
  /** A built-in algorithm (local:image-classification ...), run by the engine's own trainer. */
  | { kind: 'builtin'; algorithm: BuiltinAlgorithm }
  | {
      kind: 'program';
      /** Folder or .tar.gz the script comes from; copied into the job's code folder. */
      submitSource: string;
      program: string;
      /** How the script is started: python3 for .py, else the script itself. */
      interpreter?: string;
      userArgs: string[];
    };

/** SageMaker's Python SDK JSON-encodes these values (`"\"train.py\""`); plain values work too. */
export function decodeHyperParameter(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    try {
      const decoded: unknown = JSON.parse(value);
      if (typeof decoded === 'string') return decoded;
    } catch {
      /* not JSON: keep the raw value */
    }
  }
  return value;
}

/** `--name value` for every hyperparameter but the toolkit's own `sagemaker_*` ones. */
export function userArguments(hyperParameters: Record<string, string> | undefined): string[] {
  const args: string[] = [];
  for (const [name, value] of Object.entries(hyperParameters ?? {})) {
    if (name.startsWith('sagemaker_')) continue;
    args.push(`--${name}`, decodeHyperParameter(value));
  }
  return args;
}

export function pythonExecutable(env: NodeJS.ProcessEnv = process.env): string {
  return env.SMW_PYTHON || 'python3';
}

export function resolveProcessSpec(request: CreateTrainingJobRequest): ProcessSpec {
  const spec = request.AlgorithmSpecification;
  const hps = request.HyperParameters ?? {};
  const algorithm = builtinAlgorithmOf(spec);
  if (algorithm) {
    if (spec?.ContainerEntrypoint?.length || spec?.ContainerArguments?.length) {
      throw validationError(
        `${spec.TrainingImage} is a built-in algorithm: it takes hyperparameters, not ContainerEntrypoint or ContainerArguments.`,
      );
    }
    return { kind: 'builtin', algorithm };
  }
  if (spec?.ContainerEntrypoint?.length) {
    const argv = [...spec.ContainerEntrypoint, ...(spec.ContainerArguments ?? [])];
    checkExecutable(argv[0], 'AlgorithmSpecification.ContainerEntrypoint[0]');
    return { kind: 'entrypoint', argv };
  }
  if (spec?.ContainerArguments?.length) {
    throw validationError(
      'AlgorithmSpecification.ContainerArguments needs a ContainerEntrypoint to pass them to; ' +
        'add ContainerEntrypoint (e.g. ["python3", "/abs/train.py"]).',
    );
  }
  const programValue = hps[PROGRAM_HP];
  if (programValue === undefined) {
    throw validationError(
      'A local:process job needs a command: set AlgorithmSpecification.ContainerEntrypoint ' +
        `(e.g. ["python3", "/abs/train.py"]), or the hyperparameters ${PROGRAM_HP} (the script's ` +
        `file name) and ${SUBMIT_DIR_HP} (the folder holding it), as SageMaker's framework containers do.`,
    );
  }
  const program = decodeHyperParameter(programValue);
  const submitValue = hps[SUBMIT_DIR_HP];
  if (submitValue === undefined) {
    throw validationError(
      `HyperParameters.${PROGRAM_HP} is ${JSON.stringify(program)} but ${SUBMIT_DIR_HP} is missing: ` +
        'set it to the folder holding the script (an absolute path or file:// URI).',
    );
  }
  const submitRaw = decodeHyperParameter(submitValue);
  const submitSource = submitRaw.startsWith('file://')
    ? localPathOf(submitRaw, `HyperParameters.${SUBMIT_DIR_HP}`)
    : submitRaw;
  if (!isAbsolute(submitSource)) {
    throw validationError(
      `HyperParameters.${SUBMIT_DIR_HP} ${JSON.stringify(submitRaw)} must be an absolute path or file:// URI ` +
        '(s3:// source directories need the aws backend).',
    );
  }
  if (!existsSync(submitSource)) {
    throw validationError(`HyperParameters.${SUBMIT_DIR_HP}: ${submitSource} does not exist.`);
  }
  const isArchive = statSync(submitSource).isFile();
  if (isArchive && !/\.(tar\.gz|tgz)$/.test(submitSource)) {
    throw validationError(
      `HyperParameters.${SUBMIT_DIR_HP}: ${submitSource} is a file; give the folder holding ${program} (or a sourcedir .tar.gz).`,
    );
  }
  const inside = normalize(program);
  if (isAbsolute(inside) || inside === '..' || inside.startsWith(`..${sep}`)) {
    throw validationError(
      `HyperParameters.${PROGRAM_HP} ${JSON.stringify(program)} must be a path inside ${SUBMIT_DIR_HP}, ` +
        `e.g. "train.py".`,
    );
  }
  const interpreter = extname(program) === '.py' ? pythonExecutable() : undefined;
  if (!isArchive) {
    const script = join(submitSource, inside);
    if (!existsSync(script) || !statSync(script).isFile()) {
      throw validationError(
        `HyperParameters.${PROGRAM_HP}: ${JSON.stringify(program)} was not found in ${submitSource}.`,
      );
    }
    if (!interpreter && !isExecutable(script)) {
      throw validationError(
        `${script} is not executable: run chmod +x on it and give it a shebang line (#!/usr/bin/env bash), ` +
          'or name a .py script, which runs with python3.',
      );
    }
  }
  return {
    kind: 'program',
    submitSource,
    program: inside,
    interpreter,
    userArgs: userArguments(hps),
  };
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds a command the way execvp does: a path as given, a bare name on PATH. */
export function findExecutable(
  command: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (command.includes('/'))
    return isExecutable(command) && statSync(command).isFile() ? command : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    if (existsSync(candidate) && statSync(candidate).isFile() && isExecutable(candidate))
      return candidate;
  }
  return undefined;
}

function checkExecutable(command: string, field: string): void {
  if (command.includes('/') && !isAbsolute(command)) {
    throw validationError(
      `${field} ${JSON.stringify(command)} is a relative path; give an absolute path (the job runs in its own folder) ` +
        'or a command on PATH such as "python3".',
    );
  }
  if (!findExecutable(command)) {
    throw validationError(
      `${field} ${JSON.stringify(command)} was not found or is not executable` +
        (command.includes('/') ? '' : ' on PATH') +
        '.',
    );
  }
}
