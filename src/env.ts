import { z } from "zod";

/** Bindings and vars of the worker (see wrangler.toml; secrets via `wrangler secret put`). */
export interface Env {
  DB: D1Database;
  DROP: R2Bucket;
  TENANT: DurableObjectNamespace<import("./tenant/tenant-do").TenantDurableObject>;
  EMAIL: SendEmail;
  PULL_WINDOW: Queue<import("./engine/messages").PullWindowMessage>;
  PULL_PAGE: Queue<import("./engine/messages").PullPageMessage>;
  PUSH_RECORD: Queue<import("./engine/messages").PushRecordMessage>;
  IMPORT: Queue<import("./engine/messages").ImportMessage>;
  ENCRYPTION_KEY: string;
  ENCRYPTION_KEY_ID: string;
  /** Retired keys still needed to open older ciphertexts: `k0=<base64>,k1=<base64>`. */
  ENCRYPTION_KEYS_PREVIOUS?: string;
  OPERATOR_TOKEN: string;
  PLATFORM_BASE_URL: string;
  SANDBOX_MODE: string;
  RETRY_BASE_SECONDS: string;
  RETRY_MAX_SECONDS: string;
  THROTTLE_MAX_WAIT_SECONDS: string;
  PERMIT_WAIT_SECONDS: string;
  WINDOW_SKEW_SECONDS: string;
  FETCH_TIMEOUT_MS: string;
  IMPORT_SLICE_BYTES?: string;
  RECOVERY_QUIET_SECONDS?: string;
  RECOVERY_MAX_RESUMES?: string;
  /** DNS over HTTPS (JSON) endpoint used to check the addresses of vendor hosts. */
  DNS_RESOLVER_URL?: string;
  /** The FTP bridge's own token (docs/ftp-bridge.md); the bridge routes answer 401 without it. */
  BRIDGE_TOKEN?: string;
  /** Failed FTP logins before a user name (and, separately, an address) is locked out, and for how long. */
  FTP_LOCKOUT_USER_FAILURES?: string;
  FTP_LOCKOUT_ADDRESS_FAILURES?: string;
  FTP_LOCKOUT_MINUTES?: string;
  /** Outbound export deliveries: first retry delay (doubling, at most an hour) and when to give up. */
  FTP_DELIVERY_RETRY_SECONDS?: string;
  FTP_DELIVERY_GIVE_UP_HOURS?: string;
  PULL_SLICE_SECONDS?: string;
  PULL_SLICE_PAGES?: string;
  PULL_START_PAGES?: string;
}

const keyringSchema = z.object({
  currentId: z.string().min(1),
  keys: z.record(z.string(), z.string().min(1, "ENCRYPTION_KEY secret is missing (wrangler secret put ENCRYPTION_KEY)")),
});

const configSchema = z.object({
  keyring: keyringSchema,
  operatorToken: z.string().min(16, "OPERATOR_TOKEN secret must be at least 16 characters"),
  platformBaseUrl: z.url(),
  sandboxMode: z.boolean(),
  retryBaseSeconds: z.number().positive(),
  retryMaxSeconds: z.number().positive(),
  throttleMaxWaitSeconds: z.number().positive(),
  permitWaitSeconds: z.number().positive(),
  windowSkewSeconds: z.number().min(0),
  fetchTimeoutMs: z.number().positive(),
  /** Bytes of a dropped file read per import step (one queue message each). */
  importSliceBytes: z.number().int().min(4096),
  /** A running run or import with no sign of life for this long has lost its messages and is resumed. */
  recoveryQuietSeconds: z.number().positive(),
  /** Resumes without progress before such a run or import fails visibly. */
  recoveryMaxResumes: z.number().int().min(1),
  dnsResolverUrl: z.url(),
  /** How long one queue invocation walks one run before handing the rest back to the queue. */
  pullSliceSeconds: z.number().positive(),
  /**
   * Pages one invocation commits for one run at most. D1 allows 1,000 queries per invocation;
   * a page costs a mappings read and a commit batch of about five statements (shared with the
   * pages written beside it), so 100 pages stay well inside it.
   */
  pullSlicePages: z.number().int().min(1).max(150),
  /** A window job finishes windows of up to this many pages itself; larger ones go on in the page queue. */
  pullStartPages: z.number().int().min(0),
});

export type Config = z.infer<typeof configSchema>;

const num = (v: string | undefined, fallback: number) => (v === undefined || v === "" ? fallback : Number(v));

/** One validated view of the deployment's configuration; throws naming the bad setting. */
function keyringFrom(env: Env) {
  const currentId = env.ENCRYPTION_KEY_ID || "k1";
  const keys: Record<string, string> = {};
  for (const entry of (env.ENCRYPTION_KEYS_PREVIOUS ?? "").split(",").filter((e) => e.trim())) {
    const [id, key] = entry.split("=", 2).map((p) => p.trim());
    if (id && key) keys[id] = key.length % 4 === 0 ? key : key + "=".repeat(4 - (key.length % 4));
  }
  keys[currentId] = env.ENCRYPTION_KEY ?? "";
  return { currentId, keys };
}

export function loadConfig(env: Env): Config {
  return configSchema.parse({
    keyring: keyringFrom(env),
    operatorToken: env.OPERATOR_TOKEN,
    platformBaseUrl: env.PLATFORM_BASE_URL,
    sandboxMode: env.SANDBOX_MODE === "true",
    retryBaseSeconds: num(env.RETRY_BASE_SECONDS, 5),
    retryMaxSeconds: num(env.RETRY_MAX_SECONDS, 300),
    throttleMaxWaitSeconds: num(env.THROTTLE_MAX_WAIT_SECONDS, 900),
    permitWaitSeconds: num(env.PERMIT_WAIT_SECONDS, 2),
    windowSkewSeconds: num(env.WINDOW_SKEW_SECONDS, 120),
    fetchTimeoutMs: num(env.FETCH_TIMEOUT_MS, 30000),
    importSliceBytes: num(env.IMPORT_SLICE_BYTES, 512 * 1024),
    recoveryQuietSeconds: num(env.RECOVERY_QUIET_SECONDS, 300),
    recoveryMaxResumes: num(env.RECOVERY_MAX_RESUMES, 3),
    dnsResolverUrl: env.DNS_RESOLVER_URL || "https://cloudflare-dns.com/dns-query",
    pullSliceSeconds: num(env.PULL_SLICE_SECONDS, 10),
    pullSlicePages: num(env.PULL_SLICE_PAGES, 100),
    pullStartPages: num(env.PULL_START_PAGES, 25),
  });
}
