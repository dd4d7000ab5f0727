import { unstable_startWorker } from "wrangler";

/**
 * The local hub's worker process, started by `local-hub.ts`: wrangler's own dev server
 * (`unstable_startWorker`, what `wrangler dev` runs: the same bundling, workerd, local D1, R2,
 * Queues, Durable Objects, cron and queue triggers), told by SWITCHYARD_HUB what to serve.
 *
 * Why not the `wrangler dev` command: it always attaches the devtools inspector, and then
 * workerd reports every outbound fetch (a request, a response and each chunk of its body) to
 * wrangler, which writes each report to its debug log. For a hub whose work is outbound fetches
 * that doubled the CPU of a page locally (measured by `npm run bench`). Here the inspector is
 * on only when a port is asked for (INSPECTOR_PORT for `npm start`).
 */
interface HubWorkerOptions {
  port: number;
  persistTo: string;
  vars: Record<string, string>;
  envFile?: string;
  inspectorPort?: number;
}

const options = JSON.parse(process.env.SWITCHYARD_HUB ?? "{}") as HubWorkerOptions;

const worker = await unstable_startWorker({
  config: "wrangler.toml",
  envFiles: options.envFile ? [options.envFile] : [".dev.vars"],
  build: {
    // `wrangler dev` and `wrangler deploy` derive this from wrangler.toml's nodejs_compat flag;
    // the API takes it as said, and without it node: imports (node:crypto) are bundled as unknown.
    nodejsCompatMode: (config) => (config.compatibility_flags.some((flag: string) => flag.startsWith("nodejs_compat")) ? "v2" : null),
  },
  bindings: Object.fromEntries(Object.entries(options.vars).map(([name, value]) => [name, { type: "plain_text" as const, value }])),
  dev: {
    server: { hostname: "127.0.0.1", port: options.port },
    inspector: options.inspectorPort ? { hostname: "127.0.0.1", port: options.inspectorPort } : false,
    persist: options.persistTo,
    remote: false,
    watch: false,
  },
});
await worker.ready;
console.log(`Ready on ${await worker.url}`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await worker.dispose().catch(() => undefined);
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
