import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { byLine } from "./lines";

/** wrangler's dev server with local D1/R2/Queues/DO (scripts/hub-worker.ts), used by `npm start`, `npm run bench` and the bridge tests. */
export interface LocalHub {
  url: string;
  child: ChildProcess;
  /** Ends wrangler and every process it started, even those orphaned by its death; resolves when they are gone. */
  stop(): Promise<void>;
  /** Peak resident memory (VmHWM) of the workerd processes under this wrangler, in MiB. */
  peakMemoryMiB(): number;
  /** CPU time (user + system) used so far, in ms: by workerd, and by wrangler's own processes (npx, node). */
  cpuMs(): { workerd: number; wrangler: number };
}

export function applyMigrations(persistTo: string, fresh: boolean) {
  if (fresh) rmSync(persistTo, { recursive: true, force: true });
  const res = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, CI: "true" },
  });
  if (res.status !== 0) throw new Error(`migrations failed:\n${res.stdout}`);
}

export async function startLocalHub(opts: {
  port: number;
  persistTo: string;
  vars: Record<string, string>;
  /** Secrets file (instead of .dev.vars): kept out of the process list, unlike `--var`. */
  envFile?: string;
  inspectorPort?: number;
  onLog?: (line: string) => void;
}): Promise<LocalHub> {
  // The worker runs in a process of its own (see hub-worker.ts), so its CPU is told apart from the caller's.
  const child = spawn(process.execPath, ["--no-warnings", "--experimental-vm-modules", "--import", "tsx", "scripts/hub-worker.ts"], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: false,
    env: {
      ...process.env,
      SWITCHYARD_HUB: JSON.stringify({ port: opts.port, persistTo: opts.persistTo, vars: opts.vars, envFile: opts.envFile, inspectorPort: opts.inspectorPort }),
    },
  });
  const forward = (line: string) => opts.onLog?.(line);
  child.stdout?.on("data", byLine(forward));
  child.stderr?.on("data", byLine(forward));
  const url = `http://127.0.0.1:${opts.port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the hub worker exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (i > 240) throw new Error(`the hub worker did not come up on port ${opts.port}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  // Remembered while they run: if wrangler dies, its workerd is reparented and would keep the port.
  const started = new Set<number>();
  const remember = () => {
    for (const pid of descendants(child.pid!)) started.add(pid);
  };
  remember();
  const watch = setInterval(remember, 2000);
  watch.unref();
  return {
    url,
    child,
    stop: async () => {
      clearInterval(watch);
      remember();
      const ours = () => [...started].filter(isOurs);
      for (const pid of ours()) signal(pid, "SIGTERM");
      child.kill("SIGTERM");
      for (let i = 0; i < 30 && ours().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      for (const pid of ours()) signal(pid, "SIGKILL");
    },
    cpuMs: () => {
      const tick = 10; // ms per clock tick (USER_HZ 100 on Linux)
      const used = { workerd: 0, wrangler: 0 };
      for (const pid of [child.pid!, ...descendants(child.pid!)]) {
        try {
          const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
          const ms = (Number(fields[11]) + Number(fields[12])) * tick; // utime, stime
          if (/^Name:\s*workerd/m.test(readFileSync(`/proc/${pid}/status`, "utf8"))) used.workerd += ms;
          else used.wrangler += ms;
        } catch {
          /* exited */
        }
      }
      return used;
    },
    peakMemoryMiB: () => {
      let peakKb = 0;
      for (const pid of descendants(child.pid!)) {
        try {
          const status = readFileSync(`/proc/${pid}/status`, "utf8");
          if (!/^Name:\s*workerd/m.test(status)) continue;
          peakKb = Math.max(peakKb, Number(status.match(/^VmHWM:\s*(\d+)/m)?.[1] ?? 0));
        } catch {
          /* exited */
        }
      }
      return Math.round(peakKb / 1024);
    },
  };
}

function signal(pid: number, sig: NodeJS.Signals) {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** Still alive (not a zombie) and still one of wrangler's processes, not a reused pid. */
function isOurs(pid: number): boolean {
  try {
    if (/^State:\s*Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"))) return false;
    return /workerd|esbuild|wrangler|hub-worker/.test(readFileSync(`/proc/${pid}/cmdline`, "utf8"));
  } catch {
    return false;
  }
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number) => {
    let children: string;
    try {
      children = readFileSync(`/proc/${p}/task/${p}/children`, "utf8");
    } catch {
      return;
    }
    for (const c of children.split(/\s+/).filter(Boolean).map(Number)) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}
