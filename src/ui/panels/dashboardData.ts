/** Reads what the tuning dashboard shows from the current backend (no vscode). */
import type {
  DescribeHyperParameterTuningJobResponse,
  HyperParameterTrainingJobSummary,
} from '@aws-sdk/client-sagemaker';
import type { SageMakerBackend } from '../../backends/backend';

export interface TuningJobData {
  description: DescribeHyperParameterTuningJobResponse;
  summaries: HyperParameterTrainingJobSummary[];
}

/** Every training job of a tuning job, page by page (100 a page, SageMaker's maximum). */
export async function listAllTrainingJobs(
  backend: SageMakerBackend,
  name: string,
): Promise<HyperParameterTrainingJobSummary[]> {
  const all: HyperParameterTrainingJobSummary[] = [];
  let token: string | undefined;
  do {
    const page = await backend.listTrainingJobsForHyperParameterTuningJob({
      HyperParameterTuningJobName: name,
      SortBy: 'CreationTime',
      SortOrder: 'Ascending',
      MaxResults: 100,
      ...(token ? { NextToken: token } : {}),
    });
    all.push(...(page.TrainingJobSummaries ?? []));
    token = page.NextToken;
  } while (token);
  return all;
}

export async function readTuningJob(
  backend: SageMakerBackend,
  name: string,
): Promise<TuningJobData> {
  const [description, summaries] = await Promise.all([
    backend.describeHyperParameterTuningJob({ HyperParameterTuningJobName: name }),
    listAllTrainingJobs(backend, name),
  ]);
  return { description, summaries };
}
