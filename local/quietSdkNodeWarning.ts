/**
 * Imported first by local tools (CLIs, benchmarks, the local runtime): on Node 20 the AWS SDK warns
 * at every start that it will soon need Node 22. Lambda runs Node 22; locally the warning is noise.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
