// Tests talk to local servers only: fixed fake credentials and a region, never a profile on disk.
process.env.AWS_REGION ??= 'us-east-1';
// The account irwatch runs in (HOME_ACCOUNT_ID, as serverless.yml sets it): the fixtures' account.
process.env.HOME_ACCOUNT_ID ??= '111122223333';
process.env.AWS_ACCESS_KEY_ID = 'test';
process.env.AWS_SECRET_ACCESS_KEY = 'test';
delete process.env.AWS_PROFILE;
delete process.env.AWS_SESSION_TOKEN;
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.POWERTOOLS_DEV ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
