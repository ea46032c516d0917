import type * as K from '@aws-sdk/client-kinesis';
import { parseConsumerArn } from './arns.ts';
import { activeStream, type EngineState } from './engineState.ts';
import { invalidArgument, resourceNotFound } from './errors.ts';
import { MAX_TAGS } from './limits.ts';

/**
 * Stream and consumer tags: at most 50 per resource, keys unique, set by key (adding an existing key
 * overwrites its value).
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_AddTagsToStream.html
 */
export function checkTagCount(resource: string, tags: Record<string, string>, accountId: string): void {
  if (Object.keys(tags).length > MAX_TAGS) {
    throw invalidArgument(
      `Failed to add tags to stream ${resource} under account ${accountId} because a given stream cannot have more than ${MAX_TAGS} tags.`,
    );
  }
}

const tagList = (tags: Record<string, string>, keys: readonly string[]): K.Tag[] =>
  keys.map((key) => ({ Key: key, Value: tags[key] ?? '' }));

export async function addTagsToStream(
  state: EngineState,
  input: K.AddTagsToStreamInput,
): Promise<Record<string, never>> {
  const runtime = activeStream(state, input);
  const merged = { ...runtime.meta.tags, ...(input.Tags ?? {}) };
  checkTagCount(runtime.meta.name, merged, state.ctx.accountId);
  runtime.meta.tags = merged;
  await state.registry.save();
  return {};
}

export async function removeTagsFromStream(
  state: EngineState,
  input: K.RemoveTagsFromStreamInput,
): Promise<Record<string, never>> {
  const runtime = activeStream(state, input);
  for (const key of input.TagKeys ?? []) delete runtime.meta.tags[key];
  await state.registry.save();
  return {};
}

/** Tags sorted by key, from after ExclusiveStartTagKey, at most Limit (default 50). */
export async function listTagsForStream(
  state: EngineState,
  input: K.ListTagsForStreamInput,
): Promise<K.ListTagsForStreamOutput> {
  const { tags } = state.registry.resolve(input).meta;
  const after = input.ExclusiveStartTagKey;
  const keys = Object.keys(tags)
    .sort()
    .filter((key) => after === undefined || key > after);
  const limit = input.Limit ?? MAX_TAGS;
  return { Tags: tagList(tags, keys.slice(0, limit)), HasMoreTags: keys.length > limit };
}

/** The tag map of a stream or consumer ARN. */
function tagsOfArn(state: EngineState, arn: string): Record<string, string> & object {
  if (arn.includes('/consumer/')) {
    const { streamArn, consumerName } = parseConsumerArn(arn);
    const runtime = state.registry.resolve({ StreamARN: streamArn });
    const consumer = runtime.meta.consumers.find(
      (c) => c.arn === arn && c.name === consumerName && c.goneAtMs === undefined,
    );
    if (!consumer) throw resourceNotFound(`Consumer ${arn} not found.`);
    return consumer.tags;
  }
  return state.registry.resolve({ StreamARN: arn }).meta.tags;
}

export async function tagResource(state: EngineState, input: K.TagResourceInput): Promise<Record<string, never>> {
  const tags = tagsOfArn(state, input.ResourceARN ?? '');
  const merged = { ...tags, ...(input.Tags ?? {}) };
  checkTagCount(input.ResourceARN ?? '', merged, state.ctx.accountId);
  Object.assign(tags, input.Tags ?? {});
  await state.registry.save();
  return {};
}

export async function untagResource(state: EngineState, input: K.UntagResourceInput): Promise<Record<string, never>> {
  const tags = tagsOfArn(state, input.ResourceARN ?? '');
  for (const key of input.TagKeys ?? []) delete tags[key];
  await state.registry.save();
  return {};
}

export async function listTagsForResource(
  state: EngineState,
  input: K.ListTagsForResourceInput,
): Promise<K.ListTagsForResourceOutput> {
  const tags = tagsOfArn(state, input.ResourceARN ?? '');
  return { Tags: tagList(tags, Object.keys(tags).sort()) };
}
