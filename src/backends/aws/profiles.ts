/**
 * The AWS profiles a user has, read from the shared config and credentials files the way the
 * AWS CLI reads them (AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE honoured), for the
 * profile picker. Only names and non-secret settings leave this module: never keys.
 */
import { loadSharedConfigFiles } from '@smithy/shared-ini-file-loader';

export interface AwsProfileInfo {
  name: string;
  region?: string;
  /** How it authenticates, for the picker's description: sso, credential_process, role, keys. */
  kind: 'sso' | 'process' | 'role' | 'keys' | 'config';
}

export async function listAwsProfiles(): Promise<AwsProfileInfo[]> {
  const { configFile, credentialsFile } = await loadSharedConfigFiles({ ignoreCache: true });
  const names = new Set([...Object.keys(configFile), ...Object.keys(credentialsFile)]);
  return [...names]
    .filter((name) => !name.startsWith('sso-session') && !name.startsWith('services'))
    .sort((a, b) => (a === 'default' ? -1 : b === 'default' ? 1 : a.localeCompare(b)))
    .map((name) => {
      const config = configFile[name] ?? {};
      const credentials = credentialsFile[name] ?? {};
      const kind: AwsProfileInfo['kind'] =
        config.sso_session || config.sso_start_url
          ? 'sso'
          : config.credential_process || credentials.credential_process
            ? 'process'
            : config.role_arn
              ? 'role'
              : credentials.aws_access_key_id
                ? 'keys'
                : 'config';
      return { name, kind, ...(config.region ? { region: config.region } : {}) };
    });
}

/** Regions where SageMaker training runs, for the region picker. */
export const SAGEMAKER_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'sa-east-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-east-1',
  'me-south-1',
  'af-south-1',
];
