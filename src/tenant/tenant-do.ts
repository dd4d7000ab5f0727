import { DurableObject } from "cloudflare:workers";
import { openDb } from "../db/client";
import { loadConfig, type Env } from "../env";
import { VendorError, type AccessToken, type VendorErrorKind } from "../engine/connector";
import { eq } from "drizzle-orm";
import { connections } from "../db/schema";
import { loadConnection, openCredentials, recordConnectionHealth, sealCredentials } from "../engine/connections";
import { vendorFetch } from "../engine/vendor-http";
import { log } from "../log";
import { seal, unseal } from "../crypto/secrets";

/**
 * Refresh this long before the vendor's stated expiry, so a token never dies mid-request —
 * but never more than a tenth of the token's life: with a fixed minute, a token that lives
 * a minute or less would be "expiring" from birth and every call would log in again.
 */
const EXPIRY_MARGIN_MS = 60_000;
const EXPIRY_MARGIN_SHARE = 0.1;
/** A permit whose holder vanished (crashed consumer) is reclaimed after this. */
const PERMIT_LEASE_MS = 120_000;
/** How long an acquire may wait for a free permit before the caller re-queues. */
const PERMIT_MAX_WAIT_MS = 10_000;
/**
 * A record lock's lease: a lock whose holder vanished (a consumer that crashed mid-push) is
 * free again after this. A push normally holds its lock for seconds; one that outlives the
 * lease (a vendor that answers very slowly) may overlap a retry of the same record, which the
 * pushers make harmless by looking the record up in the vendor before they create it.
 */
export const RECORD_LOCK_LEASE_MS = 120_000;
/** How long a lock request may wait before the caller re-queues its message. */
const RECORD_LOCK_MAX_WAIT_MS = 10_000;

/** A token as the object keeps it: when it was obtained tells its lifetime. */
type HeldToken = AccessToken & { obtainedAt?: number };

function expiryMargin(t: HeldToken): number {
  // A token stored before obtainedAt was kept counts its whole remaining life as its lifetime.
  const lifetime = t.expiresAt - (t.obtainedAt ?? Date.now());
  return Math.min(EXPIRY_MARGIN_MS, Math.max(0, lifetime) * EXPIRY_MARGIN_SHARE);
}

const usable = (t: HeldToken, stale?: string) => t.accessToken !== stale && t.expiresAt - expiryMargin(t) > Date.now();
const tokenKey = (connectionId: string) => `token:${connectionId}`;
const tokenAad = (connectionId: string) => `access-token:${connectionId}`;
const pendingKey = (connectionId: string) => `pending-credentials:${connectionId}`;
const pendingAad = (connectionId: string) => `pending-credentials:${connectionId}`;

/** `resetAt`: a throttled login says when the vendor takes requests again (ms since epoch). */
export type TokenResult = { ok: true; token: string } | { ok: false; kind: VendorErrorKind; message: string; resetAt?: number };

/**
 * A request slot. `wait` 0: send now. Otherwise sleep `wait` ms and ask again, handing back
 * `ticket`: a slot reserved before a vendor throttle is void (the caller queues again), so
 * nothing leaves during a pause and the waiters after it go at the pace, not all at once.
 */
export interface RequestSlot {
  wait: number;
  ticket?: number;
}

interface Limits {
  maxParallel: number;
  requestsPerMinute: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * One per tenant. Holds access tokens, request budgets, page permits and record locks only; it
 * never runs a sync.
 * Durable Object input gates do not cover `fetch()`, so token refresh is single-flight by
 * an in-memory promise: every caller that arrives while a login is under way awaits the
 * same promise, and a caller holding a token that was already replaced gets the new one.
 */
export class TenantDurableObject extends DurableObject<Env> {
  private tokens = new Map<string, HeldToken>();
  private logins = new Map<string, Promise<TokenResult>>();
  private permits = new Map<string, Map<string, number>>(); // connection -> permitId -> lease expiry
  private waiters = new Map<string, Array<() => void>>();
  private buckets = new Map<string, Bucket>();
  private pausedUntil = new Map<string, number>();
  /** Throttles seen per connection: a slot reserved under an older count is void. */
  private throttles = new Map<string, number>();
  /** Record locks: key → the holder's lock id and its lease end. */
  private recordLocks = new Map<string, { id: string; until: number }>();
  private lockWaiters = new Map<string, Array<() => void>>();

  /**
   * A valid access token; `stale` is a token the vendor just rejected (forces one refresh).
   * Failures come back as values: custom error classes do not survive an RPC boundary, and
   * the caller needs the kind (auth vs transient) to decide between failing and retrying.
   */
  async getAccessToken(connectionId: string, stale?: string): Promise<TokenResult> {
    const current = this.tokens.get(connectionId);
    if (current && usable(current, stale)) return { ok: true, token: current.accessToken };
    let pending = this.logins.get(connectionId);
    if (!pending) {
      pending = this.storedOrLogin(connectionId, stale).finally(() => this.logins.delete(connectionId));
      this.logins.set(connectionId, pending);
    }
    return pending;
  }

  /**
   * An idle object is evicted and loses its memory; the token is kept (sealed) in the
   * object's storage too, so waking up does not cost a login (SellerCloud rate-limits its
   * token endpoint).
   */
  private async storedOrLogin(connectionId: string, stale?: string): Promise<TokenResult> {
    const sealed = await this.ctx.storage.get<string>(tokenKey(connectionId));
    if (sealed) {
      const config = loadConfig(this.env);
      const stored = await unseal<HeldToken>(sealed, config.keyring, tokenAad(connectionId)).catch(() => null);
      if (stored && usable(stored, stale)) {
        this.tokens.set(connectionId, stored);
        return { ok: true, token: stored.accessToken };
      }
    }
    return this.login(connectionId);
  }

  /** Forget a connection's token (credentials changed or connection deleted). */
  async forget(connectionId: string): Promise<void> {
    this.tokens.delete(connectionId);
    await this.ctx.storage.delete([tokenKey(connectionId), pendingKey(connectionId)]);
  }

  /** The tenant was deleted: drop every token and budget it had, and all it stored. */
  async forgetAll(): Promise<void> {
    this.tokens.clear();
    this.buckets.clear();
    this.pausedUntil.clear();
    this.throttles.clear();
    this.recordLocks.clear();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  private async login(connectionId: string): Promise<TokenResult> {
    const config = loadConfig(this.env);
    const db = openDb(this.env.DB);
    const conn = await loadConnection(db, connectionId);
    if (!conn) return { ok: false, kind: "fatal", message: `connection ${connectionId} no longer exists` };
    if (conn.row.status === "disabled") return { ok: false, kind: "fatal", message: "connection is disabled" };
    try {
      const credentials = (await this.pendingCredentials(connectionId, conn.row.secrets)) ?? (await openCredentials(config, conn.row));
      const result = await conn.connector.login({ baseUrl: conn.row.baseUrl, credentials, fetch: vendorFetch(config) });
      // A rotated refresh token is the only copy there is: store it before the access token is used.
      if (result.credentials) await this.storeRotatedCredentials(conn.row.tenantId, connectionId, conn.row.secrets, result.credentials);
      const token: HeldToken = { accessToken: result.accessToken, expiresAt: result.expiresAt, obtainedAt: Date.now() };
      await this.rememberToken(connectionId, token);
      await recordConnectionHealth(db, connectionId, { ok: true });
      log.info("vendor login", { tenant_id: conn.row.tenantId, connection_id: connectionId, vendor: conn.row.vendor, rotated: Boolean(result.credentials) });
      return { ok: true, token: token.accessToken };
    } catch (err) {
      const e = err instanceof VendorError ? err : new VendorError("transient", (err as Error).message);
      const status = e.kind !== "auth" ? undefined : conn.connector.oauth ? ("needs_reauthorisation" as const) : ("auth_failed" as const);
      await recordConnectionHealth(db, connectionId, { ok: false, error: e.message, ...(status ? { status } : {}) });
      log.warn("vendor login failed", { tenant_id: conn.row.tenantId, connection_id: connectionId, kind: e.kind, error: e.message });
      return { ok: false, kind: e.kind, message: e.message, ...(e.resetAt ? { resetAt: e.resetAt } : {}) };
    }
  }

  private async rememberToken(connectionId: string, token: HeldToken): Promise<void> {
    const config = loadConfig(this.env);
    this.tokens.set(connectionId, token);
    await this.ctx.storage.put(tokenKey(connectionId), await seal(token, config.keyring, tokenAad(connectionId)));
  }

  /** A fresh token from an OAuth code exchange: used from now on instead of a refresh. */
  async primeToken(connectionId: string, token: AccessToken): Promise<void> {
    this.logins.delete(connectionId);
    await this.ctx.storage.delete(pendingKey(connectionId));
    await this.rememberToken(connectionId, { ...token, obtainedAt: Date.now() });
  }

  /**
   * Rotated credentials go first to this object's storage (a local, atomic write), then to
   * D1 (re-sealed for the connection row). If the D1 write fails, the next login finds the
   * pending copy and uses it, so a refresh token the vendor already rotated is never lost.
   */
  private async storeRotatedCredentials(tenantId: string, connectionId: string, before: string | null, credentials: unknown): Promise<void> {
    const config = loadConfig(this.env);
    await this.ctx.storage.put(pendingKey(connectionId), await seal({ credentials, before }, config.keyring, pendingAad(connectionId)));
    await this.writeCredentials(tenantId, connectionId, credentials).catch((err) =>
      log.error("rotated credentials kept in the tenant object; writing them to D1 failed", { connection_id: connectionId, error: (err as Error).message }),
    );
  }

  private async writeCredentials(tenantId: string, connectionId: string, credentials: unknown): Promise<void> {
    const config = loadConfig(this.env);
    const sealed = await sealCredentials(config, tenantId, connectionId, credentials);
    await openDb(this.env.DB).update(connections).set({ secrets: sealed, updatedAt: new Date().toISOString() }).where(eq(connections.id, connectionId));
    await this.ctx.storage.delete(pendingKey(connectionId));
  }

  /** Credentials rotated but not yet in D1 (its write failed), unless D1 has changed since (new credentials were given). */
  private async pendingCredentials(connectionId: string, current: string | null): Promise<unknown | null> {
    const sealed = await this.ctx.storage.get<string>(pendingKey(connectionId));
    if (!sealed) return null;
    const config = loadConfig(this.env);
    const pending = await unseal<{ credentials: unknown; before: string | null }>(sealed, config.keyring, pendingAad(connectionId)).catch(() => null);
    if (!pending || pending.before !== current) {
      await this.ctx.storage.delete(pendingKey(connectionId));
      return null;
    }
    return pending.credentials;
  }

  /**
   * A slot to fetch one page. Waits up to PERMIT_MAX_WAIT_MS for a slot to free; returns
   * null when none did, so the caller re-queues without holding a consumer for long.
   */
  async acquirePermit(connectionId: string, maxParallel: number): Promise<string | null> {
    const deadline = Date.now() + PERMIT_MAX_WAIT_MS;
    for (;;) {
      const held = this.heldPermits(connectionId);
      if (held.size < maxParallel) {
        const id = crypto.randomUUID();
        held.set(id, Date.now() + PERMIT_LEASE_MS);
        return id;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) return null;
      await new Promise<void>((resolve) => {
        const list = this.waiters.get(connectionId) ?? [];
        this.waiters.set(connectionId, list);
        // A waiter leaves the list however it wakes, so a release never wakes a stale entry.
        const wake = () => {
          clearTimeout(timer);
          const i = list.indexOf(wake);
          if (i >= 0) list.splice(i, 1);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(remaining, 1000)); // also re-checks expired leases
        list.push(wake);
      });
    }
  }

  /**
   * A page permit and, with it, the request slot (and token) of the page's first vendor call:
   * one round trip to this object before the call instead of two, while the permit is held.
   */
  async acquirePermitWithRequest(
    connectionId: string,
    maxParallel: number,
    limits: Pick<Limits, "requestsPerMinute" | "burst">,
  ): Promise<{ permit: string | null; request?: RequestSlot & { token?: TokenResult } }> {
    const permit = await this.acquirePermit(connectionId, maxParallel);
    if (!permit) return { permit };
    return { permit, request: await this.takeRequestWithToken(connectionId, limits) };
  }

  async releasePermit(connectionId: string, permitId: string): Promise<void> {
    const held = this.permits.get(connectionId);
    held?.delete(permitId);
    const waiting = this.waiters.get(connectionId);
    if (waiting?.length) waiting[0]();
    else if (held?.size === 0) {
      this.permits.delete(connectionId);
      this.waiters.delete(connectionId);
    }
  }

  private heldPermits(connectionId: string): Map<string, number> {
    let held = this.permits.get(connectionId);
    if (!held) {
      held = new Map();
      this.permits.set(connectionId, held);
    }
    const now = Date.now();
    for (const [id, expiry] of held) if (expiry < now) held.delete(id);
    return held;
  }

  /**
   * One record of one connection is worked on by one consumer at a time (a push and a retry of
   * the same event racing each other). `key` names the record; the lock is held until released
   * or until its lease (RECORD_LOCK_LEASE_MS) ends. Waits up to RECORD_LOCK_MAX_WAIT_MS, then
   * returns null so the caller re-queues instead of holding a consumer. Separate from page
   * permits: a lock is never counted against a connection's parallel pages.
   */
  async acquireRecordLock(key: string): Promise<string | null> {
    const deadline = Date.now() + RECORD_LOCK_MAX_WAIT_MS;
    for (;;) {
      const held = this.recordLocks.get(key);
      if (!held || held.until < Date.now()) {
        const id = crypto.randomUUID();
        this.recordLocks.set(key, { id, until: Date.now() + RECORD_LOCK_LEASE_MS });
        return id;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) return null;
      await new Promise<void>((resolve) => {
        const list = this.lockWaiters.get(key) ?? [];
        this.lockWaiters.set(key, list);
        const wake = () => {
          clearTimeout(timer);
          const i = list.indexOf(wake);
          if (i >= 0) list.splice(i, 1);
          if (list.length === 0 && this.lockWaiters.get(key) === list) this.lockWaiters.delete(key);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(remaining, 1000)); // also notices an expired lease
        list.push(wake);
      });
    }
  }

  /** Releases a record lock; a lock whose lease ended and was taken by another holder is left alone. */
  async releaseRecordLock(key: string, lockId: string): Promise<void> {
    if (this.recordLocks.get(key)?.id !== lockId) return;
    this.recordLocks.delete(key);
    this.lockWaiters.get(key)?.[0]?.();
  }

  /**
   * Spends one request from the connection's token bucket. A caller that must wait gets a
   * reserved slot (so concurrent callers queue up behind each other) and asks again after
   * sleeping, with its ticket; see RequestSlot. A vendor throttle pauses the whole connection.
   */
  async takeRequest(connectionId: string, limits: Pick<Limits, "requestsPerMinute" | "burst">, ticket?: number): Promise<RequestSlot> {
    const now = Date.now();
    const paused = this.pausedUntil.get(connectionId) ?? 0;
    // While paused nobody gets a slot: the waiter sleeps and asks again.
    if (paused > now) return { wait: paused - now };
    const generation = this.throttles.get(connectionId) ?? 0;
    // A slot reserved since the last throttle stands; one reserved before it was voided.
    if (ticket === generation) return { wait: 0 };
    const ratePerMs = limits.requestsPerMinute / 60_000;
    const bucket = this.buckets.get(connectionId) ?? { tokens: limits.burst, updatedAt: now };
    bucket.tokens = Math.min(limits.burst, bucket.tokens + Math.max(0, now - bucket.updatedAt) * ratePerMs);
    bucket.updatedAt = Math.max(now, bucket.updatedAt);
    this.buckets.set(connectionId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { wait: 0 };
    }
    const wait = Math.ceil((1 - bucket.tokens) / ratePerMs);
    bucket.tokens -= 1;
    return { wait, ticket: generation };
  }

  /**
   * A request slot and, when it is free now, the access token to send with it: one round trip
   * to this object per vendor call instead of two. The slot still comes first (a login is a
   * call too, and none leaves during a pause); `stale` is a token the vendor just rejected.
   */
  async takeRequestWithToken(
    connectionId: string,
    limits: Pick<Limits, "requestsPerMinute" | "burst">,
    ticket?: number,
    stale?: string,
  ): Promise<RequestSlot & { token?: TokenResult }> {
    const slot = await this.takeRequest(connectionId, limits, ticket);
    if (slot.wait > 0) return slot;
    return { ...slot, token: await this.getAccessToken(connectionId, stale) };
  }

  /**
   * The vendor said "too many requests until resetAt": every caller waits until then, slots
   * reserved before now are void, and the bucket restarts with one request at the reset —
   * the waiters then go at the connection's pace, not in a burst that is throttled again.
   */
  async reportThrottle(connectionId: string, resetAt: number): Promise<void> {
    // The same throttle is reported by the work that met it and again by its queue message.
    if (resetAt <= (this.pausedUntil.get(connectionId) ?? 0)) return;
    const until = resetAt;
    this.pausedUntil.set(connectionId, until);
    this.throttles.set(connectionId, (this.throttles.get(connectionId) ?? 0) + 1);
    this.buckets.set(connectionId, { tokens: 1, updatedAt: until });
  }
}
