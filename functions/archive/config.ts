import { z } from 'zod';
import { readEnv } from '../../shared/config/readEnv.ts';

export const archiveConfigSchema = z.object({
  /** The bucket each batch is written to, under `events/` and `errors/`. */
  ARCHIVE_BUCKET: z.string().min(1),
});

export type ArchiveConfig = z.infer<typeof archiveConfigSchema>;

/** Read once per cold start. */
export const readArchiveConfig = (): ArchiveConfig => readEnv(archiveConfigSchema);
