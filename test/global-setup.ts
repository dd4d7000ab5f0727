import http from "node:http";
import type { TestProject } from "vitest/node";
export default async function ({ provide }: TestProject) {
  const server = http.createServer((req, res) => { res.end("hello from node " + req.url); });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as any).port;
  provide("simUrl", `http://127.0.0.1:${port}`);
  return () => new Promise<void>((r) => server.close(() => r()));
}
declare module "vitest" { interface ProvidedContext { simUrl: string } }
