import type { KinesisClient } from '@aws-sdk/client-kinesis';

type Command = Parameters<KinesisClient['send']>[0];

export interface KinesisSpy {
  /** Called before each command is sent; throw to make the call fail. */
  before?(command: Command): void;
  /** Called with each command's output. */
  after?(command: Command, output: unknown): void;
}

/** The client, with every `send` observed (and optionally failed) by `spy`. */
export function spyOnKinesis(client: KinesisClient, spy: KinesisSpy): KinesisClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: Command) => {
        spy.before?.(command);
        const output = await target.send(command);
        spy.after?.(command, output);
        return output;
      };
    },
  });
}
