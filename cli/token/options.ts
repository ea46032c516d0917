/** The command line of `npm run token` (`--help` is handled by parseCommandLine). */
export const TOKEN_OPTIONS = {
  sources: { type: 'string' },
  table: { type: 'string' },
  stage: { type: 'string' },
  region: { type: 'string' },
} as const;

export const TOKEN_COMMANDS = ['create', 'list', 'revoke'] as const;

export const TOKEN_USAGE = `usage:
  npm run token -- create <producer> --sources a,b   create a token (shown once) for a producer
  npm run token -- list                              list producers and token hashes
  npm run token -- revoke <producer>                 delete every token of a producer
Which producers table: the local pipeline's (npm start, .local/endpoints.json) unless --stage or
--region says AWS; --table, --stage or $PRODUCERS_TABLE name it; DYNAMODB_ENDPOINT, when set, is
the DynamoDB endpoint. Without a local pipeline, --stage (or --table with --region) is needed.
options:
  --sources a,b  the event sources the new token may send (create only; "*" for any source)
  --table NAME   the producers table by name (default: $PRODUCERS_TABLE, then the local pipeline's)
  --stage S      the deployed stage S on AWS: its table kinesis-pipeline-S-producers (needs AWS credentials)
  --region R     the AWS region of --stage or --table (default: $AWS_REGION, then $AWS_DEFAULT_REGION);
                 --region alone with --table also means AWS
  --help         print this text
Exit code 1 when the work fails (no credentials, no such table, revoke of an unknown producer),
2 on bad usage.`;
