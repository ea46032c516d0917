import http from 'node:http';
import net from 'node:net';
import {
  ListStreamsCommand,
  PutRecordCommand,
  ResourceNotFoundException,
  ValidationException,
} from '@aws-sdk/client-kinesis';
import { cbor } from '@smithy/core/cbor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonHeaders, postHttp1, postHttp2, sdkClient, startWireEngine, type WireEngine } from './kinesisServerWire.ts';

// The error answers of the local Kinesis engine's wire layer, in AWS JSON 1.1's forms: status,
// `{"__type", "message"}` body and `x-amzn-ErrorType` header, so each SDK maps them to its exception
// classes; and bad input (bad JSON, wrong types, huge bodies, broken connections) never crashes it.

let kinesis: WireEngine;
beforeAll(async () => {
  kinesis = await startWireEngine();
});
afterAll(() => kinesis.cleanup());

describe('errors as AWS shapes them', () => {
  it('maps engine errors to the SDK exception class of their code', async () => {
    const error = await sdkClient(kinesis.endpoint, 'http2')
      .send(new PutRecordCommand({ StreamName: 'missing', Data: Buffer.from('x'), PartitionKey: 'p' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
  });

  it('answers member constraint violations with a ValidationException in AWS wording', async () => {
    const error = await sdkClient(kinesis.endpoint, 'http1')
      .send(new PutRecordCommand({ StreamName: 'bad name!', Data: Buffer.from('x'), PartitionKey: '' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationException);
    expect((error as Error).message).toBe(
      '2 validation errors detected: ' +
        "Value 'bad name!' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; " +
        "Value '' at 'partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  it('names nested members and missing required ones as AWS does', async () => {
    const body = JSON.stringify({
      StreamName: 'wire',
      Records: [{ Data: 'eA==', PartitionKey: 'p' }, { PartitionKey: '' }],
    });
    const answer = await postHttp1(kinesis.port, jsonHeaders('PutRecords'), body);
    expect(answer.status).toBe(400);
    expect(answer.headers['x-amzn-errortype']).toBe('ValidationException');
    expect(JSON.parse(answer.body)).toEqual({
      __type: 'ValidationException',
      message:
        '2 validation errors detected: ' +
        "Value null at 'records.2.member.data' failed to satisfy constraint: Member must not be null; " +
        "Value '' at 'records.2.member.partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1",
    });
  });

  it.each([
    ['an unknown action', jsonHeaders('FlyToTheMoon'), '{}', 400, 'UnknownOperationException'],
    [
      'an action AWS has that the engine does not serve',
      jsonHeaders('PutResourcePolicy'),
      '{}',
      400,
      'UnknownOperationException',
    ],
    [
      'a JSON body without a target',
      { 'content-type': 'application/x-amz-json-1.1' },
      '{}',
      400,
      'UnknownOperationException',
    ],
    ['no target and no content type', {}, '{}', 403, 'AccessDeniedException'],
    [
      'an unsupported content type',
      { ...jsonHeaders('ListStreams'), 'content-type': 'text/plain' },
      '{}',
      404,
      'UnknownOperationException',
    ],
    ['bad JSON', jsonHeaders('ListStreams'), '{"Limit":', 400, 'SerializationException'],
    ['an empty body', jsonHeaders('ListStreams'), '', 400, 'SerializationException'],
    ['a JSON array body', jsonHeaders('ListStreams'), '[]', 400, 'SerializationException'],
    ['a string where a number goes', jsonHeaders('ListStreams'), '{"Limit":"5"}', 400, 'SerializationException'],
    [
      'data that is not base64',
      jsonHeaders('PutRecord'),
      '{"StreamName":"wire","PartitionKey":"p","Data":"ab$="}',
      400,
      'SerializationException',
    ],
  ])('answers %s with %i %s on both protocols', async (_case, headers, body, status, code) => {
    for (const answer of [await postHttp1(kinesis.port, headers, body), await postHttp2(kinesis.port, headers, body)]) {
      expect(answer.status).toBe(status);
      expect(answer.headers['x-amzn-errortype']).toBe(code);
      expect(answer.headers['x-amzn-requestid']).toBeTruthy();
      expect(JSON.parse(answer.body).__type).toBe(code);
    }
  });

  it('answers a CBOR request (the Java SDK default) in CBOR, naming the setting that switches to JSON', async () => {
    const request = http.request({
      host: '127.0.0.1',
      port: kinesis.port,
      method: 'POST',
      path: '/',
      agent: false,
      headers: { ...jsonHeaders('ListStreams'), 'content-type': 'application/x-amz-cbor-1.1' },
    });
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      request
        .on('response', resolve)
        .on('error', reject)
        .end(Buffer.from(cbor.serialize({})));
    });
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('application/x-amz-cbor-1.1');
    const body = cbor.deserialize(Buffer.concat(chunks));
    expect(body.__type).toBe('UnknownOperationException');
    expect(body.message).toContain('aws.cborEnabled=false');
  });

  it('words type errors as the AWS deserializer does', async () => {
    const answer = await postHttp1(kinesis.port, jsonHeaders('ListStreams'), '{"Limit":"5"}');
    expect(JSON.parse(answer.body).message).toBe('class java.lang.String can not be converted to an Integer');
  });

  it.each([
    ['http1', postHttp1],
    ['http2', postHttp2],
  ] as const)('refuses a body over 16 MiB over %s with 413 and keeps serving', async (_protocol, post) => {
    const answer = await post(kinesis.port, jsonHeaders('PutRecords'), Buffer.alloc(17 * 1024 * 1024, 0x20));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).__type).toBe('ValidationException');
    expect((await sdkClient(kinesis.endpoint, 'http2').send(new ListStreamsCommand({}))).$metadata.httpStatusCode).toBe(
      200,
    );
  });

  it.each([
    [
      'HTTP/2 preface then garbage',
      Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.alloc(64, 0xff)]),
    ],
    ['garbage that is no HTTP at all', Buffer.from('\u0000\u0001 hello\r\n\r\n')],
    ['half an HTTP/2 preface', Buffer.from('PRI * HTTP/2')],
  ])('survives a connection sending %s', async (_case, bytes) => {
    await new Promise<void>((resolve) => {
      const socket = net.connect(kinesis.port, '127.0.0.1', () => socket.end(bytes));
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
      socket.resume();
    });
    expect((await sdkClient(kinesis.endpoint, 'http1').send(new ListStreamsCommand({}))).$metadata.httpStatusCode).toBe(
      200,
    );
  });

  it('survives a client that disconnects mid-body', async () => {
    await new Promise<void>((resolve) => {
      const request = http.request({
        host: '127.0.0.1',
        port: kinesis.port,
        method: 'POST',
        path: '/',
        agent: false,
        headers: { ...jsonHeaders('PutRecord'), 'content-length': '1000' },
      });
      request.on('error', () => resolve());
      request.write('{"StreamName":"wire",', () => setImmediate(() => request.destroy()));
      request.on('close', () => resolve());
    });
    expect((await sdkClient(kinesis.endpoint, 'http2').send(new ListStreamsCommand({}))).$metadata.httpStatusCode).toBe(
      200,
    );
  });
});
