/**
 * Options for `new S3ControlClient(...)` (AWS SDK for JavaScript v3) that send every request to a
 * local batchplane. The SDK's endpoint rules put the account id in front of the host
 * (`123456789012.127.0.0.1:9090`, which does not resolve), and neither `endpoint` nor
 * `disableHostPrefix` stops that (spec §7.2), so this gives the client an `endpointProvider`
 * that returns the local address as it is. The SDK still sends `x-amz-account-id`, which is where
 * batchplane reads the account from.
 *
 * No SDK import here, not even of types: the options are plain data the client accepts.
 */
export interface LocalEndpointOptions {
  /** The region the client signs for; batchplane keeps each region's jobs apart. Default us-east-1. */
  region?: string;
  /** Any non-empty values work unless the server checks signatures (credentials configured): then one of its keys. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export interface LocalEndpointConfig {
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  endpointProvider: () => { url: URL };
}

/** `new S3ControlClient(localEndpointConfig("http://127.0.0.1:9090"))`. */
export function localEndpointConfig(endpoint: string | URL, options: LocalEndpointOptions = {}): LocalEndpointConfig {
  const base = new URL(endpoint);
  if (base.protocol !== "http:" && base.protocol !== "https:") throw new TypeError(`endpoint must be an http(s) URL, got ${base.href}`);
  return {
    region: options.region ?? "us-east-1",
    credentials: options.credentials ?? { accessKeyId: "batchplane", secretAccessKey: "batchplane" },
    // A fresh URL each time: the SDK builds request URLs from it and must not share one object.
    endpointProvider: () => ({ url: new URL(base.href) }),
  };
}
