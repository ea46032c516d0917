import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LocalRuntimeError } from '../../local/errors.ts';
import { handlerLocation, loadLocalLambda } from '../../local/lambda/localLambda.ts';
import { aBehaviourFunction as fn } from '../helpers/behaviourFunctions.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

describe('the local Lambda invoker', () => {
  it('invokes with a real context and the function environment applied at load', async () => {
    const lambda = await loadLocalLambda([fn('Echo', 'echo', { environment: { GREETING: 'hello' }, memoryMb: 1024 })]);
    const first = await lambda.invoke('Echo', { a: 1 });
    const second = await lambda.invoke('Echo', { a: 2 });
    expect(first.ok).toBe(true);
    expect(second.ok).toBe(true);
    // Narrows the result types; both are ok, as just asserted.
    if (!first.ok || !second.ok) throw new Error('unreachable');
    const response = first.response as Record<string, unknown>;
    expect(response).toMatchObject({
      event: { a: 1 },
      functionName: 'local-Echo',
      memoryLimitInMB: '1024',
      greeting: 'hello',
    });
    expect(response.remainingMs).toBeGreaterThan(1_000);
    expect(response.remainingMs).toBeLessThanOrEqual(2_000);
    expect(response.awsRequestId).toBe(first.requestId);
    expect(second.requestId).not.toBe(first.requestId);
  });

  it('enforces the timeout as Lambda reports it', async () => {
    const lambda = await loadLocalLambda([fn('Slow', 'slow', { timeoutSeconds: 1 })]);
    const result = await lambda.invoke('Slow', {});
    expect(result).toMatchObject({
      ok: false,
      error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds', timedOut: true },
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(1_000);
    expect(result.durationMs).toBeLessThan(2_500);
  });

  it('reports a thrown error as a function error, and an undefined result as null', async () => {
    const lambda = await loadLocalLambda([fn('Fails', 'fails'), fn('Nothing', 'nothing')]);
    expect(await lambda.invoke('Fails', {})).toMatchObject({
      ok: false,
      error: { errorType: 'TypeError', errorMessage: 'broken on purpose', timedOut: false },
    });
    expect(await lambda.invoke('Nothing', {})).toMatchObject({ ok: true, response: null });
  });

  it('refuses a handler that does not exist, naming it', async () => {
    const missing = loadLocalLambda([fn('Missing', 'notAFunction')]);
    await expect(missing).rejects.toThrow(LocalRuntimeError);
    await expect(missing).rejects.toThrow(/exports no function "notAFunction"/);
    const gone = loadLocalLambda([fn('Gone', 'x', { handler: 'tests/fixtures/nope.handler' })]);
    await expect(gone).rejects.toThrow(LocalRuntimeError);
    await expect(gone).rejects.toThrow(/no source file/);
  });

  it('reports an unknown function id as a LocalRuntimeError', async () => {
    const lambda = await loadLocalLambda([fn('Nothing', 'nothing')]);
    await expect(lambda.invoke('Unknown', {})).rejects.toThrow(LocalRuntimeError);
  });
});

describe('handlerLocation', () => {
  it('resolves <module>.<export> to the TypeScript source under the root', () => {
    expect(handlerLocation('tests/fixtures/lambdaBehaviours.echo', repoRoot)).toEqual({
      file: join(repoRoot, 'tests', 'fixtures', 'lambdaBehaviours.ts'),
      exportName: 'echo',
    });
  });

  it.each(['handler', '.handler', 'tests/fixtures/lambdaBehaviours.'])(
    'refuses %j: no module path and export name',
    (handler) => {
      expect(() => handlerLocation(handler, repoRoot)).toThrow(LocalRuntimeError);
      expect(() => handlerLocation(handler, repoRoot)).toThrow(/expected <module path>\.<export name>/);
    },
  );

  it.each([
    // Each names a real source file, so only the root check can refuse it.
    { what: 'a module above the root', root: join(repoRoot, 'tests'), handler: '../local/runtime.start' },
    {
      what: 'a sibling folder sharing the prefix',
      root: join(repoRoot, 'tests', 'fix'),
      handler: '../fixtures/lambdaBehaviours.echo',
    },
    { what: 'an absolute path', root: join(repoRoot, 'tests'), handler: `${join(repoRoot, 'local', 'runtime')}.start` },
  ])('refuses $what: the module must stay inside the root', ({ root, handler }) => {
    expect(() => handlerLocation(handler, root)).toThrow(LocalRuntimeError);
    expect(() => handlerLocation(handler, root)).toThrow(/must be inside/);
  });
});
