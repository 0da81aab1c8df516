/**
 * The region the S3 client signs for, when the options name none. The SDK reads AWS_REGION and
 * the shared config files itself, but not AWS_DEFAULT_REGION, the variable the AWS CLI reads (and
 * so the one many shells set): left to the SDK, such a shell gets "Region is missing". A custom
 * endpoint with no region anywhere in the environment gets us-east-1: most S3-compatible stores
 * ignore it, and requests must be signed with some region. Undefined: the SDK's own chain.
 */
export function signingRegion(options: { region?: string; endpoint?: string }, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (options.region) return options.region;
  if (env.AWS_REGION) return undefined;
  return env.AWS_DEFAULT_REGION || (options.endpoint ? "us-east-1" : undefined);
}
