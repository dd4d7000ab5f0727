import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../http/app";
import { log } from "../log";
import { audit } from "../services/audit";
import type { ConsoleSession } from "./session";

export type ConsoleEnv = {
  Bindings: AppEnv["Bindings"];
  Variables: AppEnv["Variables"] & { session: ConsoleSession; form: FormValues };
};
export type ConsoleContext = Context<ConsoleEnv>;

/** A submitted form: each name with its value, or its values when it came more than once. */
export type FormValues = Record<string, string | string[]>;

const FLASH_COOKIE = "sy_console_flash";

/** Renders a page (a JSX element) as a full HTML document. */
export async function render(c: ConsoleContext, page: unknown, status = 200) {
  const html = await Promise.resolve((page as { toString(): string | Promise<string> }).toString());
  c.header("cache-control", "no-store");
  return c.html(`<!doctype html>${html}`, status as never);
}

/** After a form post: say what happened on the next page (a short-lived cookie, not the URL). */
export function redirectWith(c: ConsoleContext, to: string, kind: "ok" | "bad" | "warn", text: string) {
  setCookie(c, FLASH_COOKIE, btoa(unescape(encodeURIComponent(JSON.stringify({ kind, text: text.slice(0, 600) })))), {
    path: "/app",
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
    maxAge: 60,
  });
  return c.redirect(to, 303);
}

export function takeFlash(c: ConsoleContext): { kind: "ok" | "bad" | "warn"; text: string } | null {
  const raw = getCookie(c, FLASH_COOKIE);
  if (!raw) return null;
  deleteCookie(c, FLASH_COOKIE, { path: "/app", secure: true });
  try {
    const v = JSON.parse(decodeURIComponent(escape(atob(raw))));
    return (v.kind === "ok" || v.kind === "bad" || v.kind === "warn") && typeof v.text === "string" ? v : null;
  } catch {
    return null;
  }
}

export function one(form: FormValues, name: string): string {
  const v = form[name];
  return Array.isArray(v) ? (v[v.length - 1] ?? "") : (v ?? "");
}

export function many(form: FormValues, name: string): string[] {
  const v = form[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/**
 * Admin actions taken in the console go to the same audit log as the API's, with the names of
 * the form fields sent (never their values).
 */
export async function auditAction(c: ConsoleContext, action: string, target: string | null, status: number, fields: string[] = []) {
  const session = c.get("session");
  try {
    await audit(c.get("engine"), {
      tenantId: c.req.param("tenantId") ?? session.tenantId,
      actor: session.kind === "operator" ? "operator" : `key:${session.keyId}`,
      action,
      target,
      status,
      detail: { via: "console", ...(fields.length > 0 ? { fields } : {}) },
      requestId: c.get("requestId"),
    });
  } catch (err) {
    log.error("audit log write failed", { request_id: c.get("requestId"), action, error: (err as Error).message });
  }
}

/** Names of the fields a form set, for the audit log. */
export function formFields(form: FormValues): string[] {
  return Object.keys(form).filter((k) => !k.startsWith("_") && one(form, k) !== "");
}

export const tenantBase = (tenantId: string) => `/app/t/${encodeURIComponent(tenantId)}`;
