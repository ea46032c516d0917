import { DEFAULT_AGGREGATED_RECORD_BYTES } from '../../shared/kinesis/aggregatingProducer.ts';
import { DEFAULT_PUT_RECORDS_LIMITS } from '../../shared/kinesis/limits.ts';

/** The command line of `npm run produce` (`--help` is handled by parseCommandLine). */
export const PRODUCE_OPTIONS = {
  count: { type: 'string', default: '1000' },
  rate: { type: 'string', default: '0' },
  type: { type: 'string' },
  users: { type: 'string', default: '500' },
  url: { type: 'string' },
  token: { type: 'string' },
  stream: { type: 'string' },
  stage: { type: 'string' },
  region: { type: 'string' },
  aggregate: { type: 'boolean', default: false },
  'aggregate-bytes': { type: 'string', default: String(DEFAULT_AGGREGATED_RECORD_BYTES) },
  batch: { type: 'string', default: '500' },
  concurrency: { type: 'string', default: '4' },
} as const;

/** Below this share of `--rate`, the summary says the rate was missed. */
export const RATE_MET_SHARE = 0.95;

export const PRODUCE_USAGE = `usage: npm run produce -- [--count M] [--rate N] [--stream NAME | --aggregate] [--stage S] [--region R]
       npm run produce -- [--count M] [--rate N] --url URL [--token T]
Sends realistic sample events (page views, clicks, orders, errors); prints first where they go:
  1. --url URL: through that HTTP API;
  2. --stage or --region: straight to a stream on AWS (never otherwise);
  3. else the local pipeline npm start runs (.local/endpoints.json): its HTTP API, or its stream
     with --stream or --aggregate (KINESIS_ENDPOINT, when set, is the Kinesis endpoint instead).
  Without a local pipeline and without 1 or 2, nothing is sent.
Options:
  --count M       events to send (default 1000)
  --rate N        events per second to aim for (default 0: as fast as possible); the summary says
                  the rate reached, and that it was missed when below ${RATE_MET_SHARE * 100}% of N
  --type T        the type of every event (default: a realistic mix)
  --users U       distinct subjects (partition keys) of the events (default 500)
  --url URL       send through the HTTP API at URL (a deployed stage's, or the local one's)
  --token T       the producer token for the HTTP API (default: $KP_TOKEN, then the local pipeline's
                  dev token when sending to the local pipeline); npm run token -- create makes one
  --stream NAME   write straight to the stream NAME with the producer (default with --aggregate or
                  --stage: the local pipeline's stream, or the stage's)
  --stage S       write straight to the stream of the deployed stage S on AWS, kinesis-pipeline-S-events
                  (needs AWS credentials)
  --region R      the AWS region of --stage or --stream (default: $AWS_REGION, then
                  $AWS_DEFAULT_REGION); --region alone with --stream also means AWS
  --aggregate     write straight to the stream, packing the events of one partition key into
                  KPL-format aggregated records (every consumer unpacks them)
  --aggregate-bytes N  largest aggregated record, data and partition key (default ${DEFAULT_AGGREGATED_RECORD_BYTES},
                  the KPL's; at most ${DEFAULT_PUT_RECORDS_LIMITS.maxRecordBytes})
  --batch B       events per request or PutRecords pack (default 500)
  --concurrency C requests in flight at most (default 4): with --rate, a slow answer does not hold
                  the next request back, so the rate holds while answers take up to C sends' time
  --help          print this text
The summary counts accepted, rejected and failed events and gives the reasons (error codes and
messages) of those not accepted. Sending stops at the first request none of whose events got
through. Exit code 0 when every event was accepted, 1 when any was not or sending failed, 2 on bad
usage.`;
