/**
 * S3 clients and errors for the datasets code: one client per region, each bucket sent to the
 * region it lives in, and S3's answers turned into messages that name the bucket or object.
 *
 * A bucket in another region than the client's answers 301 PermanentRedirect (or 400
 * AuthorizationHeaderMalformed / IllegalLocationConstraintException) with its region in the
 * `x-amz-bucket-region` header; when the header is missing, GetBucketLocation says it. The
 * request is then sent once more with a client for that region, which is remembered for the
 * bucket. When no region can be found the message says which one to pass.
 */
import { GetBucketLocationCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SageMakerError } from '../../../model/errors';
import { OperationCancelledError } from '../../datasets';
import {
  effectiveProfile,
  explicitRegion,
  silenceNodeVersionWarning,
  type AwsSettings,
} from '../awsConfig';
import { mapAwsError, type ErrorContext } from '../awsErrors';
import { formatS3Uri } from './s3Uri';

export interface S3AccessOptions extends AwsSettings {
  /** A credential provider to share with other clients (default: the Node provider chain). */
  credentials?: S3ClientConfig['credentials'];
  /** Attempts per request, the first included (default 5, adaptive retry). */
  maxAttempts?: number;
  env?: NodeJS.ProcessEnv;
  /** Builds the client of a region (undefined: the default region). Tests pass mocked clients. */
  clientFor?: (region: string | undefined) => S3Client;
}

/** What an S3 call is about, for messages. */
export interface S3Target {
  bucket?: string;
  key?: string;
}

const REDIRECT_CODES = new Set([
  'PermanentRedirect',
  'TemporaryRedirect',
  'Redirect',
  'AuthorizationHeaderMalformed',
  'IllegalLocationConstraintException',
]);

/** The IAM action an operation needs, for access-denied messages. */
const IAM_ACTIONS: Record<string, string> = {
  ListBuckets: 's3:ListAllMyBuckets',
  ListObjectsV2: 's3:ListBucket',
  GetBucketLocation: 's3:GetBucketLocation',
  GetObject: 's3:GetObject',
  HeadObject: 's3:GetObject',
  PutObject: 's3:PutObject',
  DeleteObjects: 's3:DeleteObject',
};

interface SdkError {
  name?: string;
  message?: string;
  Region?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

export class S3Access {
  readonly profile: string;
  readonly profileExplicit: boolean;
  /** The region given (option or environment); undefined: the profile's, read by the SDK. */
  readonly region: string | undefined;
  private readonly clients = new Map<string, S3Client>();
  private readonly bucketRegions = new Map<string, string>();
  /** Requests each client has on the wire, so a cancelled transfer can wait for them to end. */
  private readonly inflight = new WeakMap<S3Client, number>();
  private readonly credentials: S3ClientConfig['credentials'];

  constructor(private readonly options: S3AccessOptions = {}) {
    const env = options.env ?? process.env;
    silenceNodeVersionWarning(env);
    this.profile = effectiveProfile(options, env);
    this.profileExplicit = Boolean(options.profile || env.AWS_PROFILE);
    this.region = explicitRegion(options, env);
    this.credentials =
      options.credentials ??
      fromNodeProviderChain(options.profile ? { profile: options.profile } : {});
  }

  /** The client of a region (undefined: the default region). */
  client(region?: string): S3Client {
    const id = region ?? '';
    let client = this.clients.get(id);
    if (!client) {
      client = this.options.clientFor?.(region) ?? this.build(region);
      this.track(client);
      this.clients.set(id, client);
    }
    return client;
  }

  private build(region: string | undefined): S3Client {
    const endpoint = this.options.endpointUrl;
    const config: S3ClientConfig = {
      ...((region ?? this.region) ? { region: region ?? this.region } : {}),
      ...(this.options.profile ? { profile: this.options.profile } : {}),
      credentials: this.credentials,
      retryMode: 'adaptive',
      maxAttempts: this.options.maxAttempts ?? 5,
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
      // S3-compatible stores and emulators serve buckets as paths and may not know the
      // optional checksums.
      ...(endpoint
        ? { endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' }
        : {}),
    };
    return new S3Client(config);
  }

  private track(client: S3Client): void {
    this.inflight.set(client, 0);
    client.middlewareStack.add(
      (next) => async (args) => {
        this.inflight.set(client, (this.inflight.get(client) ?? 0) + 1);
        try {
          return await next(args);
        } finally {
          this.inflight.set(client, (this.inflight.get(client) ?? 1) - 1);
        }
      },
      { step: 'initialize', name: 'smwInflightCounter' },
    );
  }

  /**
   * Resolves once the client has no request on the wire (or after timeoutMs): an aborted
   * lib-storage Upload returns before the requests it started have ended.
   */
  async settled(client: S3Client, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // Idle twice in a row: a request that ends may be followed at once by the next one.
    let idle = 0;
    while (idle < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      idle = (this.inflight.get(client) ?? 0) > 0 ? 0 : idle + 1;
    }
  }

  /** The client for a bucket: the one of its region when known, else the default. */
  clientForBucket(bucket: string): S3Client {
    return this.client(this.bucketRegions.get(bucket));
  }

  /** Records a bucket's region (e.g. from ListBuckets' BucketRegion). */
  rememberRegion(bucket: string, region: string | undefined): void {
    if (region) this.bucketRegions.set(bucket, region);
  }

  /**
   * Sends one request for a bucket (or none: ListBuckets) with the right client; a region
   * redirect is followed once; errors come back as the project's errors.
   */
  async call<T>(
    operation: string,
    target: S3Target,
    send: (client: S3Client, abortSignal?: AbortSignal) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    if (signal?.aborted) throw cancelled(operation);
    const bucket = target.bucket;
    try {
      return await send(bucket ? this.clientForBucket(bucket) : this.client(), signal);
    } catch (err) {
      if (!bucket || !isRedirect(err) || signal?.aborted)
        throw this.mapError(err, operation, target, signal);
      const region = await this.redirectedRegion(err, bucket, signal);
      try {
        return await send(this.client(region), signal);
      } catch (retryErr) {
        throw this.mapError(retryErr, operation, target, signal);
      }
    }
  }

  /**
   * Pages of a paginated operation (`open` runs the SDK's paginator with the client given),
   * with the same region redirect as `call` on the first page and the same errors.
   */
  async *pages<T>(
    operation: string,
    target: S3Target & { bucket: string },
    open: (client: S3Client, abortSignal?: AbortSignal) => AsyncIterable<T>,
    signal?: AbortSignal,
  ): AsyncGenerator<T> {
    if (signal?.aborted) throw cancelled(operation);
    let client = this.clientForBucket(target.bucket);
    let started = false;
    for (let attempt = 0; ; attempt++) {
      try {
        for await (const page of open(client, signal)) {
          started = true;
          yield page;
          if (signal?.aborted) throw cancelled(operation);
        }
        return;
      } catch (err) {
        if (started || attempt > 0 || !isRedirect(err) || signal?.aborted)
          throw this.mapError(err, operation, target, signal);
        client = this.client(await this.redirectedRegion(err, target.bucket, signal));
      }
    }
  }

  /** The region a redirect points to, remembered for the bucket; throws when there is none. */
  private async redirectedRegion(
    err: unknown,
    bucket: string,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    const from = this.bucketRegions.get(bucket) ?? this.region;
    const region = redirectRegion(err) ?? (await this.lookupRegion(bucket, signal));
    if (!region || region === from) {
      throw new SageMakerError(
        'PermanentRedirect',
        `The bucket ${bucket} is in another region than ${from ?? 'the default one'}` +
          `${region ? ` (${region})` : ''} and S3 did not say which. ` +
          `Pass --region with the bucket's region (the S3 console shows it) and try again.`,
      );
    }
    this.bucketRegions.set(bucket, region);
    return region;
  }

  /** GetBucketLocation, asked in us-east-1 (which answers for any bucket); undefined if denied. */
  private async lookupRegion(bucket: string, signal?: AbortSignal): Promise<string | undefined> {
    try {
      const answer = await this.client('us-east-1').send(
        new GetBucketLocationCommand({ Bucket: bucket }),
        signal ? { abortSignal: signal } : {},
      );
      const constraint = answer.LocationConstraint as string | undefined;
      // No constraint is us-east-1; the legacy 'EU' is eu-west-1.
      return !constraint ? 'us-east-1' : constraint === 'EU' ? 'eu-west-1' : constraint;
    } catch {
      return undefined;
    }
  }

  errorContext(operation: string): ErrorContext {
    const region = this.region;
    return {
      operation,
      profile: this.profile,
      profileExplicit: this.profileExplicit,
      ...(this.options.endpointUrl ? { endpointUrl: this.options.endpointUrl } : {}),
      ...(region ? { region } : {}),
      defaultEndpoint: `https://s3.${region ?? '<region>'}.amazonaws.com/`,
      ...(this.options.env ? { env: this.options.env } : {}),
    };
  }

  /** S3's errors with the bucket or object named; the rest as the aws backend maps them. */
  mapError(err: unknown, operation: string, target: S3Target, signal?: AbortSignal): unknown {
    if (err instanceof OperationCancelledError || err instanceof SageMakerError) return err;
    if (signal?.aborted || (err as SdkError).name === 'AbortError') return cancelled(operation);
    const e = err as SdkError;
    const status = e.$metadata?.httpStatusCode;
    const where = target.bucket ? formatS3Uri(target.bucket, target.key ?? '') : 'S3';
    const name = e.name ?? '';
    if (name === 'NoSuchBucket') {
      return new SageMakerError(
        'NoSuchBucket',
        `The bucket ${target.bucket} does not exist (${operation} on ${where}). Check the bucket name.`,
      );
    }
    if (name === 'NoSuchKey' || (status === 404 && (name === 'NotFound' || name === '404'))) {
      return new SageMakerError('NoSuchKey', `${where} does not exist (${operation}).`);
    }
    if (
      name === 'AccessDenied' ||
      name === 'AllAccessDisabled' ||
      (status === 403 && (name === 'Forbidden' || name === '403'))
    ) {
      const action = IAM_ACTIONS[operation] ?? `s3:${operation}`;
      const profile = this.profileExplicit ? ` (profile ${this.profile})` : '';
      return new SageMakerError(
        'AccessDenied',
        `Access denied: ${operation} on ${where}${profile}. The credentials' IAM policy must ` +
          `allow ${action} on it; ask the account's administrator, or choose another profile.`,
      );
    }
    return mapAwsError(err, this.errorContext(operation));
  }

  destroy(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }
}

export function cancelled(operation: string): OperationCancelledError {
  return new OperationCancelledError(`${operation} was cancelled.`);
}

/** The message for an object that was listed and is gone by the time it is read. */
export function vanished(uri: string, doing: 'read' | 'downloaded'): SageMakerError {
  return new SageMakerError(
    'NoSuchKey',
    `${uri} was listed but no longer exists: it was deleted or renamed while it was being ` +
      `${doing}. Refresh the listing and try again.`,
  );
}

function isRedirect(err: unknown): boolean {
  const e = err as SdkError;
  const status = e.$metadata?.httpStatusCode;
  return REDIRECT_CODES.has(e.name ?? '') || status === 301 || status === 307;
}

/** The region S3 named in a redirect: the x-amz-bucket-region header, or the error's Region. */
function redirectRegion(err: unknown): string | undefined {
  const e = err as SdkError;
  const headers = e.$response?.headers ?? {};
  const header = Object.entries(headers).find(
    ([name]) => name.toLowerCase() === 'x-amz-bucket-region',
  )?.[1];
  return header || e.Region || undefined;
}
