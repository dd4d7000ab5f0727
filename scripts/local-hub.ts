import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";

/** `wrangler dev` with local D1/R2/Queues/DO, used by `npm start` and `npm run bench`. */
export interface LocalHub {
  url: string;
  child: ChildProcess;
  stop(): void;
  /** Peak resident memory (VmHWM) of the workerd processes under this wrangler, in MiB. */
  peakMemoryMiB(): number;
}

export function applyMigrations(persistTo: string, fresh: boolean) {
  if (fresh) rmSync(persistTo, { recursive: true, force: true });
  const res = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, CI: "true" },
  });
  if (res.status !== 0) throw new Error(`migrations failed:\n${res.stdout}`);
}

export async function startLocalHub(opts: { port: number; persistTo: string; vars: Record<string, string>; onLog?: (line: string) => void }): Promise<LocalHub> {
  const args = ["wrangler", "dev", "--port", String(opts.port), "--ip", "127.0.0.1", "--persist-to", opts.persistTo, "--show-interactive-dev-session=false"];
  for (const [k, v] of Object.entries(opts.vars)) args.push("--var", `${k}:${v}`);
  const child = spawn("npx", args, { stdio: ["ignore", "pipe", "pipe"], detached: false });
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) if (line.trim()) opts.onLog?.(line);
  };
  child.stdout?.on("data", forward);
  child.stderr?.on("data", forward);
  const url = `http://127.0.0.1:${opts.port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (i > 240) throw new Error(`wrangler dev did not come up on port ${opts.port}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    url,
    child,
    stop: () => {
      for (const pid of descendants(child.pid!)) {
        try {
          process.kill(pid, "SIGTERM");
        } catch {
          /* already gone */
        }
      }
      child.kill("SIGTERM");
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
