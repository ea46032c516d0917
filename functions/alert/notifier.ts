import { PublishCommand } from '@aws-sdk/client-sns';
import { type AlertItem, type AlertMessage, alertId } from '../../shared/alerts/alertItem.ts';

/** What notifying needs of an SNS client: one Publish call (the shared client, or a wrapper in tests). */
export interface AlertPublisher {
  send(command: PublishCommand): Promise<unknown>;
}

/** Where notifications go: SNS on AWS; locally the same code against the local SNS endpoint (SNS_ENDPOINT). */
export interface AlertChannel {
  sns: AlertPublisher;
  topicArn: string;
}

/** SNS refuses a Subject over 100 characters, or with line breaks or non-ASCII characters. */
const MAX_SUBJECT_LENGTH = 100;

/**
 * The message of an item's current state: `firing` (at = firedAt) or `resolved` (at = resolvedAt).
 * `alertId` names the firing, so both notifications of one firing share it.
 *
 * @example
 * alertMessage(item, rule.description);
 * // { alertId: 'error-burst#source=checkout@2026-…', state: 'firing', at: '2026-…', matchedCount: 6, … }
 */
export function alertMessage(item: AlertItem, description: string | undefined): AlertMessage {
  if (item.state === undefined || item.firedAt === undefined) {
    throw new TypeError(`alert ${item.alertKey} has never fired: there is nothing to notify`);
  }
  const at = item.state === 'resolved' ? (item.resolvedAt ?? item.changedAt ?? item.firedAt) : item.firedAt;
  return {
    alertId: alertId(item.alertKey, item.firedAt),
    alertKey: item.alertKey,
    ruleId: item.ruleId,
    severity: item.severity,
    state: item.state,
    groupBy: item.groupBy,
    group: item.group,
    at,
    ...(item.matchedCount !== undefined ? { matchedCount: item.matchedCount } : {}),
    ...(description !== undefined ? { description } : {}),
  };
}

/**
 * Publishes one alert notification: the message as JSON, a short subject for e-mail subscribers,
 * and `rule`, `severity` and `state` as message attributes so subscriptions can filter on them
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering.html).
 *
 * @example
 * await publishAlert(alertMessage(item, rule.description), { sns: snsClient(), topicArn: config.ALERT_TOPIC_ARN });
 */
export async function publishAlert(message: AlertMessage, channel: AlertChannel): Promise<void> {
  await channel.sns.send(
    new PublishCommand({
      TopicArn: channel.topicArn,
      Subject: alertSubject(message),
      Message: JSON.stringify(message),
      MessageAttributes: {
        rule: { DataType: 'String', StringValue: message.ruleId },
        severity: { DataType: 'String', StringValue: message.severity },
        state: { DataType: 'String', StringValue: message.state },
      },
    }),
  );
}

/**
 * @example
 * alertSubject(message); // '[CRITICAL] error-burst firing: source=checkout'
 */
export function alertSubject(message: AlertMessage): string {
  const subject = `[${message.severity.toUpperCase()}] ${message.ruleId} ${message.state}: ${message.groupBy}=${message.group}`;
  const printable = subject.replace(/[^\x20-\x7e]/g, '?');
  return printable.length <= MAX_SUBJECT_LENGTH ? printable : `${printable.slice(0, MAX_SUBJECT_LENGTH - 3)}...`;
}
