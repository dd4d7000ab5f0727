import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Tables of the FTP bridge; mirrors migrations/0009_ftp_bridge.sql.

export const ftpUsers = sqliteTable("ftp_users", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id").notNull(),
  username: text("username").notNull(),
  passwordHash: text("password_hash").notNull(),
  label: text("label"),
  createdAt: text("created_at").notNull(),
  rotatedAt: text("rotated_at"),
  revokedAt: text("revoked_at"),
  lastLoginAt: text("last_login_at"),
  lastLoginIp: text("last_login_ip"),
});
export type FtpUser = typeof ftpUsers.$inferSelect;

export const ftpLoginFailures = sqliteTable(
  "ftp_login_failures",
  {
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    failures: integer("failures").notNull(),
    firstFailedAt: text("first_failed_at").notNull(),
    lockedUntil: text("locked_until"),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] })],
);

export const dropChanges = sqliteTable("drop_changes", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  tenantId: text("tenant_id").notNull(),
  path: text("path").notNull(),
  op: text("op").notNull(),
  size: integer("size"),
  etag: text("etag"),
  at: text("at").notNull(),
});

export const ftpUploads = sqliteTable(
  "ftp_uploads",
  {
    tenantId: text("tenant_id").notNull(),
    path: text("path").notNull(),
    sha256: text("sha256").notNull(),
    size: integer("size").notNull(),
    status: text("status").notNull(),
    outcome: text("outcome"),
    receivedAt: text("received_at").notNull(),
    finishedAt: text("finished_at"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.path, t.sha256] })],
);

export const ftpSettings = sqliteTable("ftp_settings", {
  tenantId: text("tenant_id").primaryKey(),
  settings: text("settings").notNull(),
  outboundSecrets: text("outbound_secrets"),
  outboundCursor: integer("outbound_cursor").notNull().default(0),
  updatedAt: text("updated_at").notNull(),
});

export const ftpDeliveries = sqliteTable("ftp_deliveries", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id").notNull(),
  path: text("path").notNull(),
  etag: text("etag").notNull(),
  status: text("status").notNull(),
  attempts: integer("attempts").notNull().default(0),
  nextAttemptAt: text("next_attempt_at").notNull(),
  leaseUntil: text("lease_until"),
  lastError: text("last_error"),
  createdAt: text("created_at").notNull(),
  deliveredAt: text("delivered_at"),
});
export type FtpDelivery = typeof ftpDeliveries.$inferSelect;

export const ftpBridges = sqliteTable("ftp_bridges", {
  id: text("id").primaryKey(),
  version: text("version"),
  lastSeenAt: text("last_seen_at").notNull(),
  spoolFiles: integer("spool_files").notNull().default(0),
  spoolBytes: integer("spool_bytes").notNull().default(0),
  oldestSpooledAt: text("oldest_spooled_at"),
  backlog: text("backlog"),
  feedCursor: integer("feed_cursor"),
  lastError: text("last_error"),
  lastErrorAt: text("last_error_at"),
});
