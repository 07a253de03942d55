/**
 * `smw`: the local engine (and later SageMaker) from a terminal, spelled like
 * `aws sagemaker`. JSON goes to stdout, human progress to stderr.
 *
 * Exit codes follow the AWS CLI: 0 success; 252 a command line that cannot be parsed;
 * 254 the service rejected the request (ValidationException, ResourceNotFound, ...);
 * 255 anything else; 1 when a job waited for with --wait ends Failed or Stopped.
 */
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SageMakerBackend } from '../backends/backend';
import { createBackend } from '../backends/createBackend';
import {
  asSentToAws,
  createTrainingJobOnAws,
  createTuningJobOnAws,
  type AwsSettings,
} from './awsUploads';
import { SageMakerError } from '../model/errors';
import type {
  CreateHyperParameterTuningJobRequest,
  ListHyperParameterTuningJobsRequest,
  ListTrainingJobsForHyperParameterTuningJobRequest,
} from '@aws-sdk/client-sagemaker';
import type {
  CreateTrainingJobRequest,
  DescribeTrainingJobResponse,
  ListTrainingJobsRequest,
} from '../model/types';
import { followLog, waitForTrainingJob, waitForTuningJob } from './follow';
import { addDatasetCommands } from './datasets';
import { OperationCancelledError } from '../backends/datasets';
import { S3UriError } from '../backends/aws/s3/s3Uri';

export const EXIT_JOB_FAILED = 1;
export const EXIT_USAGE = 252;
export const EXIT_SERVICE = 254;
export const EXIT_OTHER = 255;
/** Interrupted (Ctrl-C), as the AWS CLI exits on SIGINT. */
export const EXIT_INTERRUPTED = 130;

interface GlobalOptions {
  backend: 'local' | 'aws';
  store?: string;
  profile?: string;
  region?: string;
  endpointUrl?: string;
}

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 4)}\n`);
}

/** `file://req.json` or inline JSON, as the AWS CLI takes --cli-input-json. */
function readCliInputJson(value: string): unknown {
  let text = value;
  if (value.startsWith('file://')) {
    const path = value.startsWith('file:///')
      ? fileURLToPath(value)
      : value.slice('file://'.length);
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new CliError(
        `cannot read --cli-input-json ${value}: ${(err as Error).message}`,
        EXIT_USAGE,
      );
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`--cli-input-json is not valid JSON: ${(err as Error).message}`, EXIT_USAGE);
  }
}

function positiveInt(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new CliError(`${name} must be a positive integer, got ${value}`, EXIT_USAGE);
    return n;
  };
}

export function buildProgram(distDir: string): Command {
  const program = new Command('smw')
    .description('SageMaker Workbench: SageMaker training jobs on the local engine or on AWS')
    .addOption(
      new Option('--backend <backend>', 'where jobs run')
        .choices(['local', 'aws'])
        .default('local'),
    )
    .option('--store <dir>', 'local job store folder (default: $SMW_STORE or ~/.smw)')
    .option('--profile <profile>', 'aws: profile from the shared AWS config (default: AWS_PROFILE)')
    .option('--region <region>', "aws: region (default: AWS_REGION, else the profile's region)")
    .option('--endpoint-url <url>', 'aws: endpoint URL for SageMaker and CloudWatch Logs')
    .showHelpAfterError()
    .exitOverride();

  const awsSettingsOf = (command: Command): AwsSettings => {
    const { profile, region, endpointUrl } = command.optsWithGlobals<GlobalOptions>();
    return {
      ...(profile ? { profile } : {}),
      ...(region ? { region } : {}),
      ...(endpointUrl ? { endpointUrl } : {}),
    };
  };

  const backendOf = (command: Command): SageMakerBackend => {
    const options = command.optsWithGlobals<GlobalOptions>();
    const grace = process.env.SMW_STOP_GRACE_SECONDS;
    return createBackend({
      kind: options.backend,
      ...(options.store ? { storeDir: options.store } : {}),
      ...(options.profile ? { profile: options.profile } : {}),
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpointUrl ? { endpointUrl: options.endpointUrl } : {}),
      ...(grace !== undefined ? { stopGraceSeconds: Number(grace) } : {}),
      distDir,
    });
  };

  program
    .command('create-training-job')
    .description('create a training job from a CreateTrainingJob request')
    .requiredOption('--cli-input-json <json>', 'the request: file://path.json or inline JSON')
    .option('--wait', 'wait for the job to end, showing progress on stderr; print its description')
    .action(async (options: { cliInputJson: string; wait?: boolean }, command: Command) => {
      const backend = backendOf(command);
      const request = readCliInputJson(options.cliInputJson) as CreateTrainingJobRequest;
      const created =
        backend.kind === 'aws'
          ? await createTrainingJobOnAws(backend, awsSettingsOf(command), request)
          : await backend.createTrainingJob(request);
      if (!options.wait) return print(created);
      await finish(await waitForTrainingJob(backend, request.TrainingJobName!, process.stderr));
    });

  program
    .command('describe-training-job')
    .description('describe a training job (DescribeTrainingJob)')
    .requiredOption('--training-job-name <name>')
    .action(async (options: { trainingJobName: string }, command: Command) => {
      const backend = backendOf(command);
      print(await backend.describeTrainingJob({ TrainingJobName: options.trainingJobName }));
      for (const warning of await backend.getTrainingJobWarnings(options.trainingJobName)) {
        process.stderr.write(`warning: ${warning}\n`);
      }
    });

  withListOptions(
    program
      .command('list-training-jobs')
      .description('list training jobs (all pages unless --max-results is given)')
      .option('--name-contains <text>'),
    ['Name', 'CreationTime', 'Status'],
  ).action(async (options: Record<string, string | number | undefined>, command: Command) => {
    const backend = backendOf(command);
    const request = listRequest(options) as ListTrainingJobsRequest;
    print(
      await allPages(options, request, (r) => backend.listTrainingJobs(r), 'TrainingJobSummaries'),
    );
  });

  program
    .command('stop-training-job')
    .description('stop a training job: SIGTERM, then SIGKILL after the grace period')
    .requiredOption('--training-job-name <name>')
    .option('--wait', 'wait until the job has stopped')
    .action(async (options: { trainingJobName: string; wait?: boolean }, command: Command) => {
      const backend = backendOf(command);
      await backend.stopTrainingJob({ TrainingJobName: options.trainingJobName });
      if (options.wait) {
        const job = await waitForTrainingJob(backend, options.trainingJobName, process.stderr);
        if (job.TrainingJobStatus !== 'Stopped') {
          throw new CliError(
            `${job.TrainingJobName} ended ${job.TrainingJobStatus}, not Stopped`,
            EXIT_JOB_FAILED,
          );
        }
        print(job);
      }
    });

  program
    .command('logs')
    .description("print a training job's log")
    .argument('<training-job-name>')
    .option('--follow', 'keep printing new lines until the job ends')
    .action(async (name: string, options: { follow?: boolean }, command: Command) => {
      await followLog(backendOf(command), name, process.stdout, Boolean(options.follow));
    });

  const tuningName = '--hyper-parameter-tuning-job-name <name>';

  program
    .command('create-hyper-parameter-tuning-job')
    .description('create a hyperparameter tuning job from a CreateHyperParameterTuningJob request')
    .requiredOption('--cli-input-json <json>', 'the request: file://path.json or inline JSON')
    .option('--wait', 'wait for the job to end, showing progress on stderr; print its description')
    .action(async (options: { cliInputJson: string; wait?: boolean }, command: Command) => {
      const backend = backendOf(command);
      const request = readCliInputJson(
        options.cliInputJson,
      ) as CreateHyperParameterTuningJobRequest;
      const created =
        backend.kind === 'aws'
          ? await createTuningJobOnAws(backend, awsSettingsOf(command), request)
          : await backend.createHyperParameterTuningJob(request);
      if (!options.wait) return print(created);
      const job = await waitForTuningJob(
        backend,
        request.HyperParameterTuningJobName!,
        process.stderr,
      );
      print(job);
      if (job.HyperParameterTuningJobStatus === 'Failed') {
        throw new CliError(
          `tuning job ${job.HyperParameterTuningJobName} failed: ${job.FailureReason ?? ''}`,
          EXIT_JOB_FAILED,
        );
      }
    });

  program
    .command('describe-hyper-parameter-tuning-job')
    .description('describe a tuning job (DescribeHyperParameterTuningJob)')
    .requiredOption(tuningName)
    .action(async (options: { hyperParameterTuningJobName: string }, command: Command) => {
      print(
        await backendOf(command).describeHyperParameterTuningJob({
          HyperParameterTuningJobName: options.hyperParameterTuningJobName,
        }),
      );
    });

  withListOptions(
    program
      .command('list-hyper-parameter-tuning-jobs')
      .description('list tuning jobs (all pages unless --max-results is given)')
      .option('--name-contains <text>'),
    ['Name', 'CreationTime', 'Status'],
  ).action(async (options: Record<string, string | number | undefined>, command: Command) => {
    const backend = backendOf(command);
    const request = listRequest(options) as ListHyperParameterTuningJobsRequest;
    print(
      await allPages(
        options,
        request,
        (r) => backend.listHyperParameterTuningJobs(r),
        'HyperParameterTuningJobSummaries',
      ),
    );
  });

  withListOptions(
    program
      .command('list-training-jobs-for-hyper-parameter-tuning-job')
      .description("list a tuning job's training jobs (all pages unless --max-results is given)")
      .requiredOption(tuningName),
    ['Name', 'CreationTime', 'Status', 'FinalObjectiveMetricValue'],
  ).action(async (options: Record<string, string | number | undefined>, command: Command) => {
    const backend = backendOf(command);
    const request = {
      ...listRequest(options),
      HyperParameterTuningJobName: String(options.hyperParameterTuningJobName),
    } as ListTrainingJobsForHyperParameterTuningJobRequest;
    print(
      await allPages(
        options,
        request,
        (r) => backend.listTrainingJobsForHyperParameterTuningJob(r),
        'TrainingJobSummaries',
      ),
    );
  });

  program
    .command('stop-hyper-parameter-tuning-job')
    .description('stop a tuning job and the training jobs it is running')
    .requiredOption(tuningName)
    .option('--wait', 'wait until the tuning job has stopped')
    .action(
      async (
        options: { hyperParameterTuningJobName: string; wait?: boolean },
        command: Command,
      ) => {
        const backend = backendOf(command);
        await backend.stopHyperParameterTuningJob({
          HyperParameterTuningJobName: options.hyperParameterTuningJobName,
        });
        if (options.wait)
          print(
            await waitForTuningJob(backend, options.hyperParameterTuningJobName, process.stderr),
          );
      },
    );

  program
    .command('validate')
    .description(
      'check a CreateTrainingJob or CreateHyperParameterTuningJob request (warm start included) without creating anything',
    )
    .requiredOption('--cli-input-json <json>', 'the request: file://path.json or inline JSON')
    .action(async (options: { cliInputJson: string }, command: Command) => {
      const backend = backendOf(command);
      const read = readCliInputJson(options.cliInputJson) as Record<string, unknown>;
      const isTuning =
        'HyperParameterTuningJobName' in read || 'HyperParameterTuningJobConfig' in read;
      try {
        // On aws, local channels and code are checked as the S3 objects create would upload.
        const request = backend.kind === 'aws' ? asSentToAws(read, isTuning) : read;
        if (isTuning)
          await backend.validateHyperParameterTuningJobRequest(
            request as unknown as CreateHyperParameterTuningJobRequest,
          );
        else
          await backend.validateTrainingJobRequest(request as unknown as CreateTrainingJobRequest);
      } catch (err) {
        if (err instanceof SageMakerError)
          throw new CliError(`invalid: ${err.message}`, EXIT_JOB_FAILED);
        throw err;
      }
      process.stderr.write(
        `valid ${isTuning ? 'CreateHyperParameterTuningJob' : 'CreateTrainingJob'} request\n`,
      );
    });

  program
    .command('estimate-sifting')
    .description(
      "smart sifting's estimated saving before a run: profiles the trainable top a built-in algorithm job would build, with random features",
    )
    .addOption(
      new Option('--algorithm <name>', 'the built-in algorithm')
        .choices(['image-classification', 'text-classification'])
        .makeOptionMandatory(),
    )
    .option(
      '--hyperparameters <json>',
      "the job's hyperparameters: inline JSON or file://path.json (strings, as in a request)",
      '{}',
    )
    .option('--beta <list>', 'betas to estimate at, comma-separated (default: sift_beta_value)')
    .option('--classes <n>', 'classes of the head (default 10)', positiveInt('--classes'))
    .action(
      async (options: {
        algorithm: string;
        hyperparameters: string;
        beta?: string;
        classes?: number;
      }) => {
        const hyperParameters = readCliInputJson(options.hyperparameters);
        const betas = options.beta?.split(',').map((b) => Number(b.trim()));
        if (betas?.some((b) => !Number.isFinite(b)))
          throw new CliError(
            `--beta must be numbers separated by commas, got ${options.beta}`,
            EXIT_USAGE,
          );
        // ONNX Runtime is loaded for this command only.
        const { estimateSiftingForRequest } = await import('../engine/builtin/siftingEstimate.js');
        const result = await estimateSiftingForRequest({
          algorithm: options.algorithm,
          hyperParameters,
          ...(betas ? { betas } : {}),
          ...(options.classes !== undefined ? { classes: options.classes } : {}),
        });
        if (!result.ok) throw new CliError(result.error, result.skipped ? EXIT_OTHER : EXIT_USAGE);
        for (const estimate of result.estimates) process.stderr.write(`${estimate.message}\n`);
        for (const note of result.notes) process.stderr.write(`Note: ${note}\n`);
        print(result);
      },
    );

  addDatasetCommands(program, {
    backendOf,
    print,
    fail: (message, exitCode) => new CliError(message, exitCode),
    exitJobFailed: EXIT_JOB_FAILED,
    exitUsage: EXIT_USAGE,
  });

  return program;
}

/** Adds the flags every list command shares: filter, sort, page. */
function withListOptions(command: Command, sortKeys: string[]): Command {
  return command
    .addOption(
      new Option('--status-equals <status>').choices([
        'InProgress',
        'Completed',
        'Failed',
        'Stopping',
        'Stopped',
      ]),
    )
    .addOption(new Option('--sort-by <key>').choices(sortKeys))
    .addOption(new Option('--sort-order <order>').choices(['Ascending', 'Descending']))
    .option('--max-results <n>', 'one page of at most n jobs', positiveInt('--max-results'))
    .option('--next-token <token>', 'continue from a previous page');
}

/** The list flags every list command shares, as request fields. */
function listRequest(options: Record<string, string | number | undefined>): Record<string, string> {
  return {
    ...(options.nameContains ? { NameContains: String(options.nameContains) } : {}),
    ...(options.statusEquals ? { StatusEquals: String(options.statusEquals) } : {}),
    ...(options.sortBy ? { SortBy: String(options.sortBy) } : {}),
    ...(options.sortOrder ? { SortOrder: String(options.sortOrder) } : {}),
    ...(options.nextToken ? { NextToken: String(options.nextToken) } : {}),
  };
}

/** One page when --max-results is given, else every page joined, as the AWS CLI does. */
async function allPages<R extends { NextToken?: string; MaxResults?: number }>(
  options: Record<string, string | number | undefined>,
  request: R,
  list: (request: R) => Promise<object>,
  key: string,
): Promise<unknown> {
  if (options.maxResults !== undefined)
    return list({ ...request, MaxResults: Number(options.maxResults) });
  const items: unknown[] = [];
  let token = request.NextToken;
  do {
    const page = await list({
      ...request,
      ...(token ? { NextToken: token } : {}),
      MaxResults: 100,
    });
    const fields = page as Record<string, unknown>;
    items.push(...((fields[key] as unknown[] | undefined) ?? []));
    token = fields.NextToken as string | undefined;
  } while (token);
  return { [key]: items };
}

async function finish(job: DescribeTrainingJobResponse): Promise<void> {
  print(job);
  if (job.TrainingJobStatus !== 'Completed') {
    const reason = job.FailureReason ? `: ${job.FailureReason}` : '';
    throw new CliError(
      `training job ${job.TrainingJobName} ended ${job.TrainingJobStatus}${reason}`,
      EXIT_JOB_FAILED,
    );
  }
}

export async function main(argv: string[], distDir: string): Promise<number> {
  const program = buildProgram(distDir);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed the problem (and help for usage errors).
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    const [message, code] =
      err instanceof CliError
        ? [err.message, err.exitCode]
        : err instanceof S3UriError
          ? [err.message, EXIT_USAGE]
          : err instanceof OperationCancelledError
            ? [err.message, EXIT_INTERRUPTED]
            : err instanceof SageMakerError
              ? [`An error occurred (${err.name}): ${err.message}`, EXIT_SERVICE]
              : [(err as Error).message, EXIT_OTHER];
    process.stderr.write(`smw: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    return code;
  }
}
