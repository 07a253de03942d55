/**
 * Models on SageMaker: ListModels (newest first, every page up to a bound) and DescribeModel
 * through the aws backend's SageMaker client and error mapping, plus the artifacts of its
 * finished training jobs (ModelArtifacts.S3ModelArtifacts).
 */
import {
  DescribeModelCommand,
  ListModelsCommand,
  type DescribeModelOutput,
  type ModelSummary,
} from '@aws-sdk/client-sagemaker';
import { validationError } from '../../model/errors';
import type { ListModelsOptions, ModelArtifact, ModelsBackend } from '../datasets';
import { listTrainingJobArtifacts, type ArtifactCache } from '../models';
import type { AwsBackend } from './awsBackend';

/** SageMaker's ModelName: up to 63 letters, digits and hyphens, not starting with a hyphen. */
const MODEL_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

export class AwsModels implements ModelsBackend {
  readonly kind = 'aws' as const;
  private readonly cache: ArtifactCache = new Map();

  constructor(private readonly backend: AwsBackend) {}

  async listModels(options: ListModelsOptions = {}): Promise<ModelSummary[]> {
    const max = options.maxItems ?? Number.POSITIVE_INFINITY;
    const models: ModelSummary[] = [];
    let token: string | undefined;
    do {
      const at = token;
      const page = await this.backend.call('ListModels', () =>
        this.backend.sagemaker.send(
          new ListModelsCommand({
            SortBy: 'CreationTime',
            SortOrder: 'Descending',
            MaxResults: 100,
            ...(options.nameContains ? { NameContains: options.nameContains } : {}),
            ...(at ? { NextToken: at } : {}),
          }),
          options.signal ? { abortSignal: options.signal } : {},
        ),
      );
      models.push(...(page.Models ?? []));
      token = page.NextToken;
    } while (token && models.length < max);
    return models.slice(0, max);
  }

  async describeModel(name: string): Promise<DescribeModelOutput> {
    if (!MODEL_NAME.test(name)) {
      throw validationError(
        `Invalid DescribeModel request: ModelName "${name}" must be 1 to 63 letters, digits ` +
          `and hyphens, starting with a letter or digit.`,
      );
    }
    const answer = await this.backend.call('DescribeModel', () =>
      this.backend.sagemaker.send(new DescribeModelCommand({ ModelName: name })),
    );
    const { $metadata, ...model } = answer;
    void $metadata;
    return model;
  }

  listModelArtifacts(options: ListModelsOptions = {}): Promise<ModelArtifact[]> {
    return listTrainingJobArtifacts(this.backend, options, () => true, this.cache);
  }
}
