import type { Emulators } from './emulators.ts';
import { LocalRuntimeError } from './errors.ts';

type EmulatorEndpoints = Pick<Emulators['endpoints'], 'kinesis' | 'dynamodb' | 's3' | 'sns'>;
type EmulatorPorts = Record<keyof EmulatorEndpoints, number>;

/**
 * The emulator endpoints the handler modules of this process were loaded against. Modules stay
 * cached after stop(), and the AWS clients of shared/aws keep the endpoints they were created
 * with, so a later start on other ports would have the handlers silently talk to the old (stopped)
 * emulators.
 */
let bound: { endpoints: EmulatorEndpoints; ports: EmulatorPorts } | undefined;

/**
 * Throws a LocalRuntimeError unless `ports` are those of the endpoints this process is bound to
 * (any ports before the first bind). Checked before anything starts, so a refused start changes
 * nothing; a port of 0 is refused once bound, since it would pick a new one.
 *
 * @example
 * assertProcessCanServe({ kinesis: 4568, dynamodb: 8000, s3: 4569, sns: 4575 });
 */
export function assertProcessCanServe(ports: EmulatorPorts): void {
  if (bound === undefined) return;
  const names = Object.keys(bound.ports) as Array<keyof EmulatorPorts>;
  if (names.every((name) => ports[name] === bound?.ports[name])) return;
  throw boundElsewhere(bound);
}

/**
 * Records the endpoints the handler modules are about to be loaded against. The first call wins;
 * a later one with other endpoints (two starts racing past {@link assertProcessCanServe}) throws.
 */
export function bindProcessEndpoints(endpoints: EmulatorEndpoints): void {
  const port = (url: string) => Number(new URL(url).port);
  bound ??= {
    endpoints: { kinesis: endpoints.kinesis, dynamodb: endpoints.dynamodb, s3: endpoints.s3, sns: endpoints.sns },
    ports: {
      kinesis: port(endpoints.kinesis),
      dynamodb: port(endpoints.dynamodb),
      s3: port(endpoints.s3),
      sns: port(endpoints.sns),
    },
  };
  const names = Object.keys(bound.endpoints) as Array<keyof EmulatorEndpoints>;
  if (names.some((name) => endpoints[name] !== bound?.endpoints[name])) throw boundElsewhere(bound);
}

function boundElsewhere({ endpoints, ports }: NonNullable<typeof bound>): LocalRuntimeError {
  return new LocalRuntimeError(
    `This process already ran the local pipeline against Kinesis ${endpoints.kinesis}, DynamoDB ${endpoints.dynamodb}, ` +
      `S3 ${endpoints.s3} and SNS ${endpoints.sns}, and its handlers keep using those endpoints (their modules stay loaded, with their AWS ` +
      `clients): a process can host one local pipeline's endpoints. Start again on the same ports (kinesis ` +
      `${ports.kinesis}, dynamodb ${ports.dynamodb}, s3 ${ports.s3}, sns ${ports.sns}), or in a new process.`,
  );
}
