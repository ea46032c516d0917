/** Types of clientBuild.mjs, for the TypeScript that imports it. */
export interface EsbuildApi {
  build(options: object): Promise<{ outputFiles?: Array<{ text: string }> }>;
}
export declare const CLIENT_ENTRY: string;
export declare function clientBuildOptions(): object;
export declare function buildClientScript(esbuild: EsbuildApi): Promise<string>;
