/**
 * Choosing where jobs run: a status-bar item that shows the backend ("SageMaker: local" or
 * "SageMaker: aws dev@eu-west-1") and opens a picker - the local engine, or an AWS profile
 * and region as the AWS CLI and the AWS Toolkit list them.
 */
import * as vscode from 'vscode';
import type * as Profiles from '../backends/aws/profiles';
import { COMMANDS } from './commandIds';
import type { Services } from './services';

const SECTION = 'sagemakerWorkbench';

export function registerBackendPicker(services: Services): void {
  const item = vscode.window.createStatusBarItem(
    'sagemakerWorkbench.backend',
    vscode.StatusBarAlignment.Left,
    9,
  );
  item.name = 'SageMaker Backend';
  item.command = COMMANDS.selectBackend;
  const render = () => {
    const { backend, awsProfile, awsRegion } = services.config;
    item.text =
      backend === 'aws'
        ? `$(cloud) SageMaker: aws ${awsProfile || 'default'}@${awsRegion || 'profile region'}`
        : '$(server-process) SageMaker: local';
    item.tooltip =
      services.backendProblem ??
      (backend === 'aws' ? 'Jobs run on Amazon SageMaker' : 'Jobs run on the local engine') +
        ' - click to change';
    item.show();
  };
  render();
  services.context.subscriptions.push(
    item,
    services.onDidChangeJobs(render),
    vscode.commands.registerCommand(COMMANDS.selectBackend, () => pickBackend()),
    vscode.commands.registerCommand(COMMANDS.selectAwsProfile, () => pickAwsProfile()),
  );
}

async function pickBackend(): Promise<void> {
  const choice = await vscode.window.showQuickPick(
    [
      {
        label: '$(server-process) Local engine',
        description: 'on this machine, no AWS account needed',
        value: 'local',
      },
      {
        label: '$(cloud) Amazon SageMaker...',
        description: 'choose an AWS profile and region',
        value: 'aws',
      },
    ],
    { title: 'Where should SageMaker jobs run?' },
  );
  if (!choice) return;
  if (choice.value === 'local') {
    await vscode.workspace
      .getConfiguration(SECTION)
      .update('backend', 'local', vscode.ConfigurationTarget.Global);
    return;
  }
  await pickAwsProfile();
}

async function pickAwsProfile(): Promise<void> {
  // The shared config files' reader (part of the AWS SDK) is dist/awsProfiles.js, loaded here.
  const { listAwsProfiles, SAGEMAKER_REGIONS } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../backends/aws/profiles') as typeof Profiles;
  let profiles;
  try {
    profiles = await listAwsProfiles();
  } catch (err) {
    void vscode.window.showErrorMessage(
      `Could not read your AWS config files: ${(err as Error).message}`,
    );
    return;
  }
  const kinds = {
    sso: 'SSO',
    process: 'credential_process',
    role: 'assumes a role',
    keys: 'access keys',
    config: 'settings only',
  };
  const profile = await vscode.window.showQuickPick(
    [
      {
        label: '(default credential chain)',
        description: 'AWS_PROFILE, environment variables, instance roles',
        value: '',
      },
      ...profiles.map((p) => ({
        label: p.name,
        description: [kinds[p.kind], p.region].filter(Boolean).join(' - '),
        value: p.name,
        region: p.region,
      })),
    ],
    {
      title: 'AWS profile',
      placeHolder: profiles.length
        ? 'Profiles from ~/.aws/config and ~/.aws/credentials'
        : 'No profiles found: run `aws configure` or `aws configure sso` first',
    },
  );
  if (!profile) return;
  const profileRegion = 'region' in profile ? (profile.region as string | undefined) : undefined;
  const region = await vscode.window.showQuickPick(
    [
      ...(profileRegion ? [{ label: profileRegion, description: "the profile's region" }] : []),
      ...SAGEMAKER_REGIONS.filter((r) => r !== profileRegion).map((r) => ({
        label: r,
        description: '',
      })),
    ],
    { title: 'AWS region', placeHolder: 'Region of your SageMaker jobs' },
  );
  if (!region) return;
  const config = vscode.workspace.getConfiguration(SECTION);
  await config.update('aws.profile', profile.value, vscode.ConfigurationTarget.Global);
  await config.update(
    'aws.region',
    region.label === profileRegion ? '' : region.label,
    vscode.ConfigurationTarget.Global,
  );
  await config.update('backend', 'aws', vscode.ConfigurationTarget.Global);
}
