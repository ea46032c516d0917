import { PipelineError } from '../../shared/errors.ts';

/**
 * The aggregate item (key and window) holding a record could not be written: the record is
 * reported failed, so Lambda delivers it again and the watermark lets only what is missing in.
 */
export class AggregateWriteError extends PipelineError {
  constructor(
    message: string,
    readonly pk: string,
    readonly window: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
