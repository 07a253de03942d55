/**
 * What the AWS SDK throws, as the rest of the project expects it:
 *
 * - a service error (ValidationException, ResourceNotFound, ThrottlingException after the
 *   retries, AccessDeniedException...) becomes a SageMakerError with the service's code and
 *   message, so the CLI prints `An error occurred (Code): message` as for the local backend;
 * - missing, expired or rejected credentials, a missing region and an unreachable endpoint
 *   become an AwsConfigurationError: one line that says what to run to fix it.
 */
import { SageMakerError } from '../../model/errors';
import { profileExists } from './awsConfig';

/** A problem with the AWS setup (credentials, region, endpoint), not with a request. */
export class AwsConfigurationError extends Error {
  override readonly name = 'AwsConfigurationError';
}

export interface ErrorContext {
  /** The operation called, e.g. DescribeTrainingJob. */
  operation: string;
  /** The profile the SDK used. */
  profile: string;
  /** Whether the profile was chosen explicitly (--profile, AWS_PROFILE). */
  profileExplicit: boolean;
  /** The endpoint URL, where one was given. */
  endpointUrl?: string;
  /** The region, where known. */
  region?: string;
  /** The service's endpoint as messages name it when none was given (default: SageMaker's). */
  defaultEndpoint?: string;
  env?: NodeJS.ProcessEnv;
}

/** Codes with which AWS rejects the credentials themselves. */
const EXPIRED_CODES = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
  'TokenRefreshRequired',
]);
const REJECTED_CODES = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'InvalidAccessKeyId',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

interface SdkErrorFields {
  name?: string;
  message?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $response?: unknown;
}

const profileFlag = (context: ErrorContext): string =>
  context.profile === 'default' && !context.profileExplicit ? '' : ` --profile ${context.profile}`;

/** The one-line message for credentials the SDK could not find or load. */
export function credentialsMessage(sdkMessage: string, context: ErrorContext): string {
  const flag = profileFlag(context);
  const profile = context.profile;
  if (context.profileExplicit && !profileExists(profile, context.env)) {
    return (
      `The config profile (${profile}) could not be found in the shared AWS config or credentials file. ` +
      `Create it with \`aws configure${flag}\` (or \`aws configure sso${flag}\`), or choose another profile with --profile.`
    );
  }
  if (/\bsso\b/i.test(sdkMessage)) {
    return (
      `The SSO session of profile ${profile} has expired or was never started ` +
      `(${oneLine(sdkMessage)}). Run \`aws sso login${flag}\` and try again.`
    );
  }
  if (/credential_process|process/i.test(sdkMessage) && !/any providers/i.test(sdkMessage)) {
    return (
      `The credential_process of profile ${profile} failed (${oneLine(sdkMessage)}). ` +
      `Check it by running the command yourself, then try again.`
    );
  }
  if (/any providers/i.test(sdkMessage)) {
    return (
      `Unable to locate AWS credentials${context.profileExplicit ? ` for profile ${profile}` : ''}. ` +
      `Run \`aws configure${flag}\` (or \`aws sso login${flag}\` for an SSO profile), ` +
      `or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.`
    );
  }
  return (
    `Could not load AWS credentials for profile ${profile}: ${oneLine(sdkMessage)}. ` +
    `Run \`aws configure${flag}\` or \`aws sso login${flag}\` and try again.`
  );
}

/** The one-line message when no region is configured. */
export function regionMessage(context: ErrorContext): string {
  const flag = profileFlag(context);
  return (
    `No AWS region is configured${context.profileExplicit ? ` for profile ${context.profile}` : ''}. ` +
    `Pass --region (e.g. --region us-east-1), set AWS_REGION, ` +
    `or run \`aws configure set region us-east-1${flag}\`.`
  );
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** Maps anything the SDK throws to a SageMakerError, an AwsConfigurationError, or leaves it. */
export function mapAwsError(err: unknown, context: ErrorContext): unknown {
  if (err instanceof SageMakerError || err instanceof AwsConfigurationError) return err;
  if (!(err instanceof Error)) return err;
  const e = err as Error & SdkErrorFields;
  const name = e.name ?? 'Error';
  const message = oneLine(e.message ?? '');
  const flag = profileFlag(context);

  if (name === 'CredentialsProviderError' || name === 'TokenProviderError') {
    return new AwsConfigurationError(credentialsMessage(message, context));
  }
  if (/^Region is missing/i.test(message)) {
    return new AwsConfigurationError(regionMessage(context));
  }
  if (EXPIRED_CODES.has(name)) {
    return new AwsConfigurationError(
      `The AWS credentials of profile ${context.profile} have expired (${name}: ${message}). ` +
        `Run \`aws sso login${flag}\` for an SSO profile, or refresh the credentials, and try again.`,
    );
  }
  if (REJECTED_CODES.has(name)) {
    return new AwsConfigurationError(
      `AWS rejected the credentials of profile ${context.profile} (${name}: ${message}). ` +
        `Check them with \`aws sts get-caller-identity${flag}\`, and fix them with \`aws configure${flag}\`.`,
    );
  }
  const code = e.code ?? (e.cause as { code?: string } | undefined)?.code;
  if (code && NETWORK_CODES.has(code) && e.$metadata?.httpStatusCode === undefined) {
    const url =
      context.endpointUrl ??
      context.defaultEndpoint ??
      `https://api.sagemaker.${context.region ?? '<region>'}.amazonaws.com/`;
    return new AwsConfigurationError(
      `Could not connect to the endpoint URL: "${url}" (${code}). ` +
        (context.endpointUrl
          ? 'Check --endpoint-url and that the server is running.'
          : 'Check the network connection and --region.'),
    );
  }
  const status = e.$metadata?.httpStatusCode;
  if (e.$fault !== undefined || status !== undefined) {
    // A body the SDK could not parse (e.g. an HTML error page from an emulator).
    if (/Deserialization error|Unexpected token|not valid JSON/i.test(message)) {
      return new SageMakerError(
        'InternalFailure',
        `The endpoint answered ${context.operation} with HTTP ${status ?? '?'} and a body that is not an AWS API response` +
          (context.endpointUrl
            ? ` (does ${context.endpointUrl} implement ${context.operation}?)`
            : '') +
          '.',
      );
    }
    // The service's own code and message. SageMakerErrorName lists the codes the local
    // engine raises; AWS has more (ThrottlingException, AccessDeniedException, ...), passed on
    // as they come so the CLI prints them as the AWS CLI does.
    return new SageMakerError(name, message);
  }
  return err;
}
