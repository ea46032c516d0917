import { dynamoDbDocumentClient, snsClient } from '../../shared/aws/clients.ts';
import type { AlertDependencies } from './alertBatch.ts';
import { readAlertConfig } from './config.ts';
import { loadRules } from './rules/loadRules.ts';

/**
 * What both alert functions (the consumer and the scheduled sweep) run with, built once per cold
 * start: configuration and rules validated (either failing throws, failing the cold start loudly),
 * the shared clients, the real clock.
 *
 * @example
 * const deps = alertDependencies(); // at module scope
 */
export function alertDependencies(): AlertDependencies {
  const config = readAlertConfig();
  return {
    table: { client: dynamoDbDocumentClient(), tableName: config.ALERTS_TABLE },
    channel: { sns: snsClient(), topicArn: config.ALERT_TOPIC_ARN },
    rules: loadRules(),
    defaultCooldownSeconds: config.ALERT_COOLDOWN_SECONDS,
    now: Date.now,
  };
}
