import { Hono } from "hono";
import { getCookie, setCookie, deleteCookie } from "hono/cookie";
import { randomToken } from "../crypto/hash";
import { ApiError } from "../errors";
import { log } from "../log";
import { getTenant } from "../services/tenants";
import { CSS, JS } from "./assets";
import { auditAction, render, tenantBase, type ConsoleContext, type ConsoleEnv, type FormValues } from "./context";
import { registerChannelPage } from "./pages/channel";
import { registerChannelListingPage } from "./pages/channel-listing";
import { registerChannelsIndex } from "./pages/channels";
import { registerConnectionPages } from "./pages/connections";
import { registerFilePages } from "./pages/files";
import { registerFtpPages } from "./pages/ftp";
import { registerOperatorPages } from "./pages/operator";
import { registerOverview } from "./pages/overview";
import { registerRunPages } from "./pages/runs";
import { registerTemplatePages } from "./pages/template";
import { registerTenantPages } from "./pages/tenant";
import { closeSession, createSignInLink, credentialFor, csrfMatches, loadSession, openSession, SESSION_COOKIE, SESSION_HOURS, useSignInLink } from "./session";
import { Bare } from "./ui";

/**
 * The merchant's console at /app: server-rendered pages over the same services as the API.
 * A session cookie (never the key) identifies the browser; every state-changing request
 * carries the session's CSRF token and comes from this origin.
 */
export const consoleApp = new Hono<ConsoleEnv>();

const PRE_CSRF_COOKIE = "sy_console_pre";
const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

// Pages may only be framed by nobody, run only our own script and talk only to us.
consoleApp.use("*", async (c, next) => {
  await next();
  c.header("content-security-policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
  c.header("x-content-type-options", "nosniff");
  c.header("referrer-policy", "same-origin");
  if (!c.res.headers.has("cache-control")) c.header("cache-control", "no-store");
});

consoleApp.get("/assets/console.css", (c) => c.body(CSS, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "public, max-age=300" }));
consoleApp.get("/assets/console.js", (c) => c.body(JS, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=300" }));

function sessionCookie(c: ConsoleContext, value: string) {
  setCookie(c, SESSION_COOKIE, value, { path: "/", httpOnly: true, secure: true, sameSite: "Strict", maxAge: SESSION_HOURS * 3600 });
}

/** A request from another site (a form on some other page) is refused whatever it carries. */
function foreignOrigin(c: ConsoleContext): boolean {
  const origin = c.req.header("origin");
  if (!origin || origin === "null") return origin === "null";
  return origin !== new URL(c.req.url).origin;
}

async function readForm(c: ConsoleContext): Promise<FormValues> {
  const type = c.req.header("content-type") ?? "";
  if (!/application\/x-www-form-urlencoded|multipart\/form-data/i.test(type)) return {};
  const data = await c.req.formData();
  const out: FormValues = {};
  for (const [k, v] of data.entries()) {
    if (typeof v !== "string") continue;
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

function signInPage(c: ConsoleContext, error: string | null, status = 200) {
  const pre = randomToken(18);
  setCookie(c, PRE_CSRF_COOKIE, pre, { path: "/app", httpOnly: true, secure: true, sameSite: "Strict", maxAge: 1800 });
  return render(
    c,
    <Bare title="Sign in">
      <div class="card">
        <p>
          Sign in with your tenant key (it starts with <code>sy_</code>) or, to run the hub, the operator token. The key is exchanged for a session of at most {SESSION_HOURS}{" "}
          hours; it is not kept in the browser.
        </p>
        {error ? (
          <p class="field-error" id="f-key-error" role="alert">
            {error}
          </p>
        ) : null}
        <form method="post" action="/app/sign-in">
          <input type="hidden" name="_csrf" value={pre} />
          <label for="f-key">Tenant key or operator token</label>
          <input id="f-key" name="key" type="password" autocomplete="off" required aria-invalid={error ? "true" : undefined} aria-describedby={error ? "f-key-error" : undefined} />
          <div class="actions">
            <button type="submit">Sign in</button>
          </div>
        </form>
      </div>
    </Bare>,
    status,
  );
}

consoleApp.get("/sign-in", (c) => signInPage(c, null));

consoleApp.post("/sign-in", async (c) => {
  const form = await readForm(c);
  const pre = getCookie(c, PRE_CSRF_COOKIE);
  if (foreignOrigin(c) || !pre || form._csrf !== pre) return signInPage(c, "This sign-in form has expired; enter the key again.", 403);
  const who = await credentialFor(c.get("engine"), typeof form.key === "string" ? form.key : "");
  if ("error" in who) return signInPage(c, who.error, 401);
  const { cookie } = await openSession(c.get("engine"), who);
  deleteCookie(c, PRE_CSRF_COOKIE, { path: "/app", secure: true });
  sessionCookie(c, cookie);
  return c.redirect(who.kind === "operator" ? "/app/operator" : tenantBase(who.tenantId), 303);
});

/**
 * A one-time sign-in link, asked for with a tenant key or the operator token (`npm start`
 * prints one). The answer is a URL usable once, for a few minutes.
 */
consoleApp.post("/sign-in-links", async (c) => {
  const presented = c.req.header("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1] ?? "";
  const who = await credentialFor(c.get("engine"), presented);
  if ("error" in who) return c.json({ error: { code: "unauthorized", message: "send Authorization: Bearer <tenant key or operator token>", requestId: c.get("requestId") } }, 401);
  const link = await createSignInLink(c.get("engine"), who);
  return c.json({ url: `${new URL(c.req.url).origin}/app/sign-in/link?token=${encodeURIComponent(link.token)}`, expires_at: link.expiresAt }, 201);
});

consoleApp.get("/sign-in/link", async (c) => {
  const who = await useSignInLink(c.get("engine"), c.req.query("token"));
  if (!who) return signInPage(c, "This sign-in link was used already or has expired; sign in with your key, or ask for a new link.", 401);
  const { cookie } = await openSession(c.get("engine"), who);
  sessionCookie(c, cookie);
  return c.redirect(who.kind === "operator" ? "/app/operator" : tenantBase(who.tenantId), 303);
});

// Everything below needs a live session; mutating requests need its CSRF token too.
consoleApp.use("*", async (c, next) => {
  const session = await loadSession(c.get("engine"), getCookie(c, SESSION_COOKIE));
  if (!session) {
    if (c.req.method === "GET") return c.redirect("/app/sign-in", 303);
    return render(
      c,
      <Bare title="Signed out">
        <p>
          Your session has ended (signed out, expired, or its key was revoked). <a href="/app/sign-in">Sign in again</a>.
        </p>
      </Bare>,
      401,
    );
  }
  c.set("session", session);
  if (MUTATING.has(c.req.method)) {
    const header = c.req.header("x-csrf-token");
    const form = await readForm(c);
    c.set("form", form);
    const token = header ?? (typeof form._csrf === "string" ? form._csrf : undefined);
    if (foreignOrigin(c) || !csrfMatches(session, token)) {
      log.warn("console: refused a request without a valid CSRF token", { request_id: c.get("requestId"), path: c.req.path });
      return render(
        c,
        <Bare title="Refused">
          <p>This form was not sent from your console session (its security token is missing or wrong). Go back, reload the page and try again.</p>
        </Bare>,
        403,
      );
    }
  } else {
    c.set("form", {});
  }
  await next();
});

consoleApp.post("/sign-out", async (c) => {
  await closeSession(c.get("engine"), c.get("session").idHash);
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
  return c.redirect("/app/sign-in", 303);
});

consoleApp.get("/", (c) => {
  const s = c.get("session");
  return c.redirect(s.kind === "operator" ? "/app/operator" : tenantBase(s.tenantId!), 303);
});

// A tenant session sees its own tenant only: any other id is "not found", as in the API.
consoleApp.use("/t/:tenantId/*", async (c, next) => {
  const s = c.get("session");
  const tenantId = c.req.param("tenantId");
  if (s.kind === "tenant" && s.tenantId !== tenantId) return notFound(c);
  if (s.kind === "operator") {
    const tenant = await getTenant(c.get("engine"), tenantId);
    if (tenant?.status !== "active") return notFound(c);
  }
  await next();
});
consoleApp.use("/t/:tenantId", async (c, next) => {
  const s = c.get("session");
  if (s.kind === "tenant" && s.tenantId !== c.req.param("tenantId")) return notFound(c);
  if (s.kind === "operator" && (await getTenant(c.get("engine"), c.req.param("tenantId")))?.status !== "active") return notFound(c);
  await next();
});
consoleApp.use("/operator/*", async (c, next) => (c.get("session").kind === "operator" ? next() : notFound(c)));
consoleApp.use("/operator", async (c, next) => (c.get("session").kind === "operator" ? next() : notFound(c)));

registerOverview(consoleApp);
registerConnectionPages(consoleApp);
registerTemplatePages(consoleApp);
registerChannelsIndex(consoleApp);
registerChannelListingPage(consoleApp);
registerChannelPage(consoleApp);
registerRunPages(consoleApp);
registerFilePages(consoleApp);
registerFtpPages(consoleApp);
registerTenantPages(consoleApp);
registerOperatorPages(consoleApp);

function notFound(c: ConsoleContext) {
  return render(
    c,
    <Bare title="Not found">
      <p>
        There is no such page here. <a href="/app">Back to the console</a>.
      </p>
    </Bare>,
    404,
  );
}

consoleApp.all("*", (c) => notFound(c));

consoleApp.onError((err, c) => {
  if (err instanceof ApiError && err.code === "not_found") return notFound(c as ConsoleContext);
  if (err instanceof ApiError)
    return render(
      c as ConsoleContext,
      <Bare title="Not done">
        <p role="alert">{err.message}</p>
        <p>
          <a href="/app">Back to the console</a>
        </p>
      </Bare>,
      err.status,
    );
  log.error("console: unhandled error", { request_id: c.get("requestId"), path: c.req.path, error: (err as Error).message });
  return render(
    c as ConsoleContext,
    <Bare title="Something went wrong">
      <p>
        The hub could not show this page. Quote request id <code>{c.get("requestId")}</code> to the operator.
      </p>
    </Bare>,
    500,
  );
});

export { auditAction };
