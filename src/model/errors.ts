/**
 * Errors shaped like the SageMaker API's: a `name` clients can switch on (the same names the
 * AWS SDK uses) and a message that says what is wrong and what to do.
 */
export type SageMakerErrorName =
  | 'ValidationException'
  | 'ResourceNotFound'
  | 'ResourceInUse'
  | 'ResourceLimitExceeded'
  // Codes only SageMaker itself returns (the aws backend passes them through).
  | 'ThrottlingException'
  | 'AccessDeniedException'
  | 'InternalFailure'
  | (string & {});

export class SageMakerError extends Error {
  constructor(
    override readonly name: SageMakerErrorName,
    message: string,
  ) {
    super(message);
  }
}

export const validationError = (message: string): SageMakerError =>
  new SageMakerError('ValidationException', message);

export const notFoundError = (message: string): SageMakerError =>
  new SageMakerError('ResourceNotFound', message);

export const inUseError = (message: string): SageMakerError =>
  new SageMakerError('ResourceInUse', message);
