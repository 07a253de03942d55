/**
 * Where the aws backend's AWS settings come from, resolved as the AWS CLI resolves them:
 *
 * - credentials: the SDK's Node provider chain for the profile (`fromNodeProviderChain`):
 *   environment variables (unless a profile is named), SSO, the shared config and
 *   credentials files (static keys, assume-role, credential_process), web identity, then the
 *   container or instance metadata;
 * - profile: the option, else AWS_PROFILE, else `default`;
 * - region: the option, else AWS_REGION, else AWS_DEFAULT_REGION, else the profile's
 *   `region` in the shared config file (the SDK reads it when given `profile`);
 * - endpoint: the option (e.g. a moto server), else the SDK's own resolution
 *   (AWS_ENDPOINT_URL_SAGEMAKER, AWS_ENDPOINT_URL, the regional endpoint).
 *
 * Nothing here reads or prints secrets: credentials stay inside the SDK's providers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface AwsSettings {
  /** Named profile of the shared config/credentials files. */
  profile?: string;
  /** Region, e.g. eu-west-1. */
  region?: string;
  /** Endpoint URL for every service the backend calls (SageMaker, CloudWatch Logs). */
  endpointUrl?: string;
}

/** The profile the SDK will use: the option, else AWS_PROFILE, else `default`. */
export function effectiveProfile(
  settings: AwsSettings,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return settings.profile || env.AWS_PROFILE || 'default';
}

/**
 * The region known without reading files: the option, AWS_REGION, AWS_DEFAULT_REGION.
 * Undefined: the SDK takes the profile's region from the shared config file.
 */
export function explicitRegion(
  settings: AwsSettings,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return settings.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
}

/** The shared config file (AWS_CONFIG_FILE, else ~/.aws/config). */
export function configFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_CONFIG_FILE || join(homeDir(env), '.aws', 'config');
}

/** The shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials). */
export function credentialsFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_SHARED_CREDENTIALS_FILE || join(homeDir(env), '.aws', 'credentials');
}

function homeDir(env: NodeJS.ProcessEnv): string {
  return env.HOME || env.USERPROFILE || homedir();
}

/** Section names of an INI file (`[profile x]`, `[x]`, `[sso-session y]`), or [] if unreadable. */
function iniSections(path: string): string[] {
  if (!existsSync(path)) return [];
  try {
    const sections: string[] = [];
    for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
      const match = /^\s*\[\s*([^\]]+?)\s*\]\s*(?:[#;].*)?$/.exec(line);
      if (match) sections.push(match[1].replace(/\s+/g, ' '));
    }
    return sections;
  } catch {
    return [];
  }
}

/**
 * Whether a profile is defined in the shared files: `[profile NAME]` (or `[default]`) in the
 * config file, `[NAME]` in the credentials file. Only section names are read.
 */
export function profileExists(profile: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const config = iniSections(configFilePath(env));
  const credentials = iniSections(credentialsFilePath(env));
  return (
    config.includes(`profile ${profile}`) ||
    (profile === 'default' && config.includes('default')) ||
    credentials.includes(profile)
  );
}

/**
 * The SDK logs a deprecation warning on Node < 22 to stderr on the first client it builds;
 * it would end up in every `smw` run. Silenced unless the user asked for it explicitly.
 */
export function silenceNodeVersionWarning(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
