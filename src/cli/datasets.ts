/**
 * `smw datasets ls|validate|upload|download` and `smw list-models` / `describe-model`.
 * Locations are s3:// URIs (S3 with --profile/--region/--endpoint-url, whatever --backend is)
 * or local folders; list-models follows --backend. JSON on stdout, progress on stderr.
 */
import { Command, Option } from 'commander';
import type { SageMakerBackend } from '../backends/backend';
import { createDatasetsBackend, createModelsBackend } from '../backends/createDatasets';
import { mib, withCancellableProgress } from './cancellable';
import type {
  DatasetEntry,
  DatasetsBackend,
  TransferOptions,
  TransferProgress,
} from '../backends/datasets';

interface GlobalOptions {
  backend: 'local' | 'aws';
  profile?: string;
  region?: string;
  endpointUrl?: string;
}

/** Exit codes the caller maps errors to. */
export interface DatasetCliHooks {
  backendOf(command: Command): SageMakerBackend;
  print(value: unknown): void;
  /** An error with an exit code (as CliError in main.ts). */
  fail(message: string, exitCode: number): Error;
  exitJobFailed: number;
  exitUsage: number;
}

function datasetsOf(command: Command): DatasetsBackend {
  const options = command.optsWithGlobals<GlobalOptions>();
  return createDatasetsBackend({
    kind: options.backend,
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpointUrl ? { endpointUrl: options.endpointUrl } : {}),
  });
}

function entryJson(entry: DatasetEntry): Record<string, unknown> {
  return {
    Uri: entry.uri,
    Name: entry.name,
    ...(entry.size !== undefined ? { Size: entry.size } : {}),
    ...(entry.lastModified ? { LastModified: entry.lastModified } : {}),
  };
}

function positiveInt(name: string, hooks: DatasetCliHooks) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw hooks.fail(`${name} must be a positive integer, got ${value}`, hooks.exitUsage);
    return n;
  };
}

/** Runs a transfer with progress lines on stderr; Ctrl-C cancels it (and cleans up). */
function withTransfer<T>(run: (options: TransferOptions) => Promise<T>): Promise<T> {
  return withCancellableProgress(
    (p: TransferProgress) => ({
      line: `${p.files}/${p.totalFiles} files, ${mib(p.bytes)} of ${mib(p.totalBytes)} MiB`,
      done: p.files === p.totalFiles,
    }),
    run,
  );
}

export function addDatasetCommands(program: Command, hooks: DatasetCliHooks): void {
  const datasets = program
    .command('datasets')
    .description('S3 and local datasets: list, search, validate, upload, download');

  datasets
    .command('ls')
    .description(
      'list buckets (aws, no URI), one folder of a prefix, or (--search) every key under it starting with TEXT',
    )
    .argument('[uri]', 's3://bucket/prefix/ or a local folder')
    .option('--search <text>', 'keys below the URI that start with TEXT, over the whole tree')
    .option(
      '--max-items <n>',
      'at most n entries (a NextToken continues; --search default 1000)',
      positiveInt('--max-items', hooks),
    )
    .option('--starting-token <token>', 'continue from a NextToken')
    .action(
      async (
        uri: string | undefined,
        options: { search?: string; maxItems?: number; startingToken?: string },
        command: Command,
      ) => {
        const backend = datasetsOf(command);
        try {
          if (!uri) {
            if (backend.kind !== 'aws')
              throw hooks.fail(
                'name a folder or an s3:// URI (or list buckets with --backend aws)',
                hooks.exitUsage,
              );
            const roots = await backend.listRoots();
            return hooks.print({
              Buckets: roots.roots.map((r) => ({ Name: r.name, Uri: r.uri })),
              ...(roots.notice ? { Notice: roots.notice } : {}),
            });
          }
          if (options.search !== undefined) {
            const objects: Record<string, unknown>[] = [];
            let truncated = false;
            for await (const batch of backend.search(uri, options.search, {
              maxItems: options.maxItems ?? 1000,
            })) {
              objects.push(...batch.entries.map(entryJson));
              truncated = batch.truncated;
            }
            return hooks.print({ Objects: objects, Truncated: truncated });
          }
          const prefixes: Record<string, unknown>[] = [];
          const objects: Record<string, unknown>[] = [];
          let token = options.startingToken;
          let left = options.maxItems ?? Number.POSITIVE_INFINITY;
          do {
            const page = await backend.list(uri, {
              pageSize: Math.min(1000, left),
              ...(token ? { token } : {}),
            });
            for (const entry of page.entries)
              (entry.kind === 'object' ? objects : prefixes).push(entryJson(entry));
            left -= page.entries.length;
            token = page.nextToken;
          } while (token && left > 0);
          hooks.print({
            Prefixes: prefixes,
            Objects: objects,
            ...(token ? { NextToken: token } : {}),
          });
        } finally {
          backend.dispose();
        }
      },
    );

  datasets
    .command('validate')
    .description(
      'check a dataset folder or prefix (text data.csv, or image class folders); exit 1 when it has errors',
    )
    .argument('<uri>', 's3://bucket/prefix/, a local folder or a file:// URI')
    .action(async (uri: string, _options: unknown, command: Command) => {
      const backend = datasetsOf(command);
      try {
        const report = await backend.validate(uri);
        const { formatReport } =
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          require('../engine/training/data/report') as typeof import('../engine/training/data/report');
        hooks.print(report);
        process.stderr.write(`${formatReport(report)}\n`);
        if (report.errors.length > 0) {
          throw hooks.fail(
            `${report.location}: ${report.errors.length} problem(s); the dataset cannot be used as it is`,
            hooks.exitJobFailed,
          );
        }
      } finally {
        backend.dispose();
      }
    });

  datasets
    .command('upload')
    .description(
      'upload a local folder under an S3 prefix (multipart, 4 files at once; hidden files left out)',
    )
    .argument('<dir>', 'the local folder')
    .argument('<uri>', 's3://bucket/prefix/')
    .option('--overwrite', 'replace objects that exist (default: refuse before uploading)')
    .addOption(
      new Option('--concurrency <n>', 'files at once').argParser(
        positiveInt('--concurrency', hooks),
      ),
    )
    .action(
      async (
        dir: string,
        uri: string,
        options: { overwrite?: boolean; concurrency?: number },
        command: Command,
      ) => {
        const backend = datasetsOf(command);
        try {
          const result = await withTransfer((transfer) =>
            backend.upload(dir, uri, {
              ...transfer,
              ...(options.overwrite ? { overwrite: true } : {}),
              ...(options.concurrency ? { concurrency: options.concurrency } : {}),
            }),
          );
          hooks.print({
            Source: result.source,
            Destination: result.destination,
            Files: result.files,
            Bytes: result.bytes,
            Skipped: result.skipped,
          });
        } finally {
          backend.dispose();
        }
      },
    );

  datasets
    .command('download')
    .description('download an S3 prefix (or one object) into a local folder')
    .argument('<uri>', 's3://bucket/prefix/ or s3://bucket/key')
    .argument('<dir>', 'the local folder (created if needed)')
    .option('--overwrite', 'replace files that exist (default: refuse before downloading)')
    .addOption(
      new Option('--concurrency <n>', 'files at once').argParser(
        positiveInt('--concurrency', hooks),
      ),
    )
    .action(
      async (
        uri: string,
        dir: string,
        options: { overwrite?: boolean; concurrency?: number },
        command: Command,
      ) => {
        const backend = datasetsOf(command);
        try {
          const result = await withTransfer((transfer) =>
            backend.download(uri, dir, {
              ...transfer,
              ...(options.overwrite ? { overwrite: true } : {}),
              ...(options.concurrency ? { concurrency: options.concurrency } : {}),
            }),
          );
          hooks.print({
            Source: result.source,
            Destination: result.destination,
            Files: result.files,
            Bytes: result.bytes,
          });
        } finally {
          backend.dispose();
        }
      },
    );

  program
    .command('list-models')
    .description(
      'SageMaker models (ListModels, every page) and the model artifacts of finished training jobs',
    )
    .option('--name-contains <text>')
    .option(
      '--max-items <n>',
      'at most n models and n artifacts (artifacts: default 100)',
      positiveInt('--max-items', hooks),
    )
    .action(async (options: { nameContains?: string; maxItems?: number }, command: Command) => {
      const models = createModelsBackend(hooks.backendOf(command));
      const filter = {
        ...(options.nameContains ? { nameContains: options.nameContains } : {}),
        ...(options.maxItems ? { maxItems: options.maxItems } : {}),
      };
      const [summaries, artifacts] = await Promise.all([
        models.listModels(filter),
        models.listModelArtifacts(filter),
      ]);
      hooks.print({
        Models: summaries,
        TrainingJobArtifacts: artifacts.map((a) => ({
          TrainingJobName: a.trainingJobName,
          TrainingJobStatus: a.status,
          S3ModelArtifacts: a.artifactUri,
          ...(a.trainingEndTime ? { TrainingEndTime: a.trainingEndTime } : {}),
        })),
      });
    });

  program
    .command('describe-model')
    .description('describe a SageMaker model (DescribeModel)')
    .requiredOption('--model-name <name>')
    .action(async (options: { modelName: string }, command: Command) => {
      hooks.print(
        await createModelsBackend(hooks.backendOf(command)).describeModel(options.modelName),
      );
    });
}
