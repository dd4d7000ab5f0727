/**
 * The FTP bridge as plain processes on this machine (no container engine needed): the same
 * bridge/run.sh the image runs, with its data under a folder of your choice. Used by
 * `npm run bridge`, `npm run bench:bridge` and the bridge tests. Needs root and pure-ftpd
 * (`sudo sh bridge/install.sh --test-clients`).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join, resolve } from "node:path";
import { byLine } from "./lines";

export const BRIDGE_DIR = resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "../bridge");

/** Whether this machine can run the bridge: root, pure-ftpd, pure-authd and pure-uploadscript. */
export function bridgeRunnable(): { ok: boolean; why: string } {
  if (process.getuid?.() !== 0) return { ok: false, why: "the bridge tests need root (pure-ftpd chroots and changes user)" };
  for (const bin of ["pure-ftpd", "pure-authd", "pure-uploadscript"]) {
    if (!existsSync(`/usr/sbin/${bin}`)) return { ok: false, why: `${bin} is not installed: run sudo sh bridge/install.sh --test-clients` };
  }
  return { ok: true, why: "" };
}

/** A self-signed certificate for 127.0.0.1/localhost, as a mounted secret would hold one. */
export function selfSignedCert(dir: string): { cert: string; key: string } {
  mkdirSync(dir, { recursive: true });
  const cert = join(dir, "tls.crt");
  const key = join(dir, "tls.key");
  if (!existsSync(cert)) {
    const res = spawnSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "30",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout",
        key,
        "-out",
        cert,
      ],
      { stdio: "pipe" },
    );
    if (res.status !== 0) throw new Error(`openssl failed: ${res.stderr}`);
  }
  return { cert, key };
}

export async function waitForPort(port: number, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const up = await new Promise<boolean>((done) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => (s.destroy(), done(true)));
      s.once("error", () => done(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface RunningBridge {
  child: ChildProcess;
  logs: string[];
  stop(): Promise<void>;
}

/** Starts bridge/run.sh in its own process group; `stop` ends that group only. */
export async function startBridge(opts: {
  hubUrl: string;
  token: string;
  data: string;
  port: number;
  env?: Record<string, string>;
  onLog?: (line: string) => void;
}): Promise<RunningBridge> {
  mkdirSync(opts.data, { recursive: true });
  const child = spawn("sh", [join(BRIDGE_DIR, "run.sh")], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, HUB_URL: opts.hubUrl, BRIDGE_TOKEN: opts.token, BRIDGE_DATA: opts.data, FTP_BIND: "127.0.0.1", FTP_PORT: String(opts.port), ...opts.env },
  });
  const logs: string[] = [];
  const take = (line: string) => {
    logs.push(line);
    opts.onLog?.(line);
  };
  child.stdout!.on("data", byLine(take));
  child.stderr!.on("data", byLine(take));
  try {
    await waitForPort(opts.port);
  } catch (err) {
    process.kill(-child.pid!, "SIGTERM");
    throw new Error(`${(err as Error).message}\n${logs.join("\n")}`);
  }
  return {
    child,
    logs,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        /* gone */
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* gone */
      }
    },
  };
}

/**
 * A partner's own FTPS server for outbound deliveries: a second pure-ftpd with one virtual user
 * (pure-pw), TLS required, files landing in `root`. It has no upload hook, so it does not touch
 * the one upload pipe of the machine.
 */
export async function startPartnerServer(opts: { dir: string; port: number; passive: string; user: string; password: string; cert: string; key: string }) {
  const root = join(opts.dir, "files");
  mkdirSync(root, { recursive: true });
  spawnSync("chown", ["ftpbridge:ftpbridge", root]);
  const pdb = join(opts.dir, "pureftpd.pdb");
  const passwd = join(opts.dir, "pureftpd.passwd");
  if (!existsSync(pdb)) {
    writeFileSync(passwd, "");
    const res = spawnSync("pure-pw", ["useradd", opts.user, "-u", "ftpbridge", "-g", "ftpbridge", "-d", root, "-f", passwd, "-m", "-F", pdb], {
      input: `${opts.password}\n${opts.password}\n`,
    });
    if (res.status !== 0) throw new Error(`pure-pw failed: ${res.stderr}`);
  }
  const child = spawn(
    "pure-ftpd",
    ["-S", `127.0.0.1,${opts.port}`, "-l", `puredb:${pdb}`, "-A", "-E", "-H", "-u", "100", "-p", opts.passive, "-Y", "2", "-2", `${opts.cert},${opts.key}`],
    { detached: true, stdio: "ignore" },
  );
  await waitForPort(opts.port);
  return {
    root,
    stop: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        /* gone */
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    },
  };
}
