/**
 * Serves a web-standard fetch handler over Node's `http` on 127.0.0.1, so code running
 * elsewhere (workerd, another process) can reach a simulator by URL.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FetchHandler {
  fetch(req: Request): Promise<Response>;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function serve(handler: FetchHandler, port = 0): Promise<RunningServer> {
  const server = createServer((req, res) => {
    void respond(handler, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${actualPort}`, port: actualPort, close: () => closeServer(server) };
}

async function respond(handler: FetchHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // A client that gives up (e.g. its own timeout) must not crash the server; the handler sees the abort.
  const aborted = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) aborted.abort();
  });
  res.on("error", () => aborted.abort());

  try {
    const request = await toRequest(req, aborted.signal);
    const response = await handler.fetch(request);
    await writeResponse(response, res, aborted.signal);
  } catch (error) {
    if (aborted.signal.aborted) return;
    if (!res.headersSent) {
      res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
      res.end(`serve: handler failed: ${String(error)}`);
    } else {
      res.destroy();
    }
  }
}

async function toRequest(req: IncomingMessage, signal: AbortSignal): Promise<Request> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  const url = `http://${req.headers.host ?? "127.0.0.1"}${req.url ?? "/"}`;
  return new Request(url, { method, headers, body: hasBody ? await readBody(req) : undefined, signal });
}

/** Buffers the request body: simulator requests are small, and a plain buffer needs no `duplex` streaming mode. */
async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function writeResponse(response: Response, res: ServerResponse, signal: AbortSignal): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, response.statusText || undefined, headers);
  if (!response.body) {
    res.end();
    return;
  }

  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || signal.aborted) break;
      if (!res.write(value)) await drained(res, signal);
    }
    res.end();
  } finally {
    if (signal.aborted) await reader.cancel().catch(() => undefined);
  }
}

function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    res.on("drain", done);
    signal.addEventListener("abort", done);
  });
}

/** Drops keep-alive and in-flight connections so tests never hang on close. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
