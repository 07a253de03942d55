import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listAwsProfiles } from '../../src/backends/aws/profiles';
import { tempDir } from './helpers';

test('AWS profiles are listed from the shared files, with region and kind, never secrets', async () => {
  const dir = tempDir('smw-aws-profiles-');
  writeFileSync(
    join(dir, 'config'),
    [
      '[default]',
      'region = us-east-1',
      '[profile dev]',
      'sso_session = corp',
      'sso_account_id = 123456789012',
      'sso_role_name = ML',
      'region = eu-west-1',
      '[sso-session corp]',
      'sso_start_url = https://corp.awsapps.com/start',
      'sso_region = eu-west-1',
      '[profile tool]',
      'credential_process = /usr/bin/get-creds',
      '[profile ci]',
      'role_arn = arn:aws:iam::123456789012:role/CI',
      'source_profile = default',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'credentials'),
    '[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = secret\n[keys-only]\naws_access_key_id = AKIA2\naws_secret_access_key = s2\n',
  );
  const saved = {
    config: process.env.AWS_CONFIG_FILE,
    credentials: process.env.AWS_SHARED_CREDENTIALS_FILE,
  };
  process.env.AWS_CONFIG_FILE = join(dir, 'config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
  try {
    const profiles = await listAwsProfiles();
    assert.deepEqual(profiles, [
      { name: 'default', kind: 'keys', region: 'us-east-1' },
      { name: 'ci', kind: 'role' },
      { name: 'dev', kind: 'sso', region: 'eu-west-1' },
      { name: 'keys-only', kind: 'keys' },
      { name: 'tool', kind: 'process' },
    ]);
    assert.ok(!JSON.stringify(profiles).includes('secret'), 'no secrets leave the module');
  } finally {
    process.env.AWS_CONFIG_FILE = saved.config;
    process.env.AWS_SHARED_CREDENTIALS_FILE = saved.credentials;
    if (saved.config === undefined) delete process.env.AWS_CONFIG_FILE;
    if (saved.credentials === undefined) delete process.env.AWS_SHARED_CREDENTIALS_FILE;
  }
});
