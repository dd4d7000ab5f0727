import { sqliteTable, text, integer, primaryKey } from "drizzle-orm/sqlite-core";

// Mirrors migrations/*.sql (the SQL files are the source of truth for indexes).

export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  notificationEmail: text("notification_email"),
  platformSecrets: text("platform_secrets"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
  status: text("status").notNull().default("active"),
  deletion: text("deletion"),
});

export const tenantKeys = sqliteTable("tenant_keys", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id").notNull(),
  prefix: text("prefix").notNull(),
  keyHash: text("key_hash").notNull(),
  label: text("label"),
  createdAt: text("created_at").notNull(),
  lastUsedAt: text("last_used_at"),
  revokedAt: text("revoked_at"),
  expiresAt: text("expires_at"),
});

export const connections = sqliteTable("connections", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id").notNull(),
  vendor: text("vendor").notNull(),
  name: text("name").notNull(),
  baseUrl: text("base_url").notNull(),
  settings: text("settings").notNull(),
  secrets: text("secrets"),
  /** Sealed secret that inbound vendor notifications must carry (engine/inbound.ts); null while events are off. */
  eventSecret: text("event_secret"),
  status: text("status").notNull(),
  lastError: text("last_error"),
  lastErrorAt: text("last_error_at"),
  lastOkAt: text("last_ok_at"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
  credentialsExpireAt: text("credentials_expire_at"),
  expiryWarnedAt: text("expiry_warned_at"),
});

export const cursors = sqliteTable(
  "cursors",
  {
    connectionId: text("connection_id").notNull(),
    entity: text("entity").notNull(),
    position: text("position"),
    nextRunAt: text("next_run_at"),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.entity] })],
);

export const runs = sqliteTable("runs", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id").notNull(),
  connectionId: text("connection_id").notNull(),
  entity: text("entity").notNull(),
  kind: text("kind").notNull(),
  trigger: text("trigger").notNull(),
  status: text("status").notNull(),
  windowFrom: text("window_from"),
  windowTo: text("window_to"),
  pass: integer("pass").notNull(),
  total: integer("total"),
  pagesTotal: integer("pages_total"),
  pagesDone: integer("pages_done").notNull(),
  recordsSeen: integer("records_seen").notNull(),
  created: integer("created").notNull(),
  updated: integer("updated").notNull(),
  unchanged: integer("unchanged").notNull(),
  failed: integer("failed").notNull(),
  skipped: integer("skipped").notNull().default(0),
  error: text("error"),
  startedAt: text("started_at").notNull(),
  finishedAt: text("finished_at"),
  report: text("report"),
  /** Latest sign of life: a committed page, or a waiting message's due time (see engine/recovery.ts). */
  heartbeatAt: text("heartbeat_at"),
  /** Recoveries since the run last made progress. */
  resumes: integer("resumes").notNull().default(0),
});

export const runPages = sqliteTable(
  "run_pages",
  {
    runId: text("run_id").notNull(),
    pass: integer("pass").notNull(),
    page: integer("page").notNull(),
    records: integer("records").notNull(),
    committedAt: text("committed_at").notNull(),
    /** Cursor paging: the cursor of the page after this one (null at the chain's end, and for offset paging). */
    nextCursor: text("next_cursor"),
    /** Records of the page created or updated on the platform. */
    written: integer("written").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.runId, t.pass, t.page] })],
);

export const mappings = sqliteTable(
  "mappings",
  {
    tenantId: text("tenant_id").notNull(),
    connectionId: text("connection_id").notNull(),
    entity: text("entity").notNull(),
    externalId: text("external_id").notNull(),
    systemId: text("system_id"),
    referenceId: text("reference_id"),
    hash: text("hash"),
    updatedAt: text("updated_at").notNull(),
    origin: text("origin").notNull().default("vendor"),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.entity, t.externalId] })],
);

export const recordErrors = sqliteTable("record_errors", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id").notNull(),
  connectionId: text("connection_id").notNull(),
  runId: text("run_id"),
  entity: text("entity").notNull(),
  externalId: text("external_id").notNull(),
  direction: text("direction").notNull(),
  code: text("code").notNull(),
  reason: text("reason").notNull(),
  payload: text("payload"),
  attempts: integer("attempts").notNull(),
  status: text("status").notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
  resolvedAt: text("resolved_at"),
  waitsFor: text("waits_for"),
});

/** Inbound vendor notifications already taken, per connection and the vendor's event id. */
export const eventReceipts = sqliteTable(
  "event_receipts",
  {
    tenantId: text("tenant_id").notNull(),
    connectionId: text("connection_id").notNull(),
    eventId: text("event_id").notNull(),
    entity: text("entity").notNull(),
    receivedAt: text("received_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.eventId] })],
);

export const webhookReceipts = sqliteTable(
  "webhook_receipts",
  {
    tenantId: text("tenant_id").notNull(),
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    receivedAt: text("received_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.eventId] })],
);

export const outbox = sqliteTable("outbox", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id").notNull(),
  recipient: text("recipient").notNull(),
  subject: text("subject").notNull(),
  body: text("body").notNull(),
  status: text("status").notNull(),
  error: text("error"),
  createdAt: text("created_at").notNull(),
  sentAt: text("sent_at"),
});

export const pushLog = sqliteTable("push_log", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id").notNull(),
  connectionId: text("connection_id").notNull(),
  eventId: text("event_id").notNull(),
  eventType: text("event_type").notNull(),
  entity: text("entity").notNull(),
  systemId: text("system_id").notNull(),
  externalId: text("external_id"),
  action: text("action").notNull(),
  detail: text("detail"),
  warning: text("warning"),
  createdAt: text("created_at").notNull(),
});

export const shippedOrders = sqliteTable(
  "shipped_orders",
  {
    tenantId: text("tenant_id").notNull(),
    connectionId: text("connection_id").notNull(),
    externalId: text("external_id").notNull(),
    systemId: text("system_id"),
    shippedAt: text("shipped_at").notNull(),
    scrubbedAt: text("scrubbed_at"),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.externalId] })],
);

export const imports = sqliteTable("imports", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id").notNull(),
  entity: text("entity").notNull(),
  path: text("path").notNull(),
  etag: text("etag").notNull(),
  size: integer("size").notNull(),
  dryRun: integer("dry_run").notNull(),
  trigger: text("trigger").notNull(),
  status: text("status").notNull(),
  header: text("header"),
  offset: integer("offset").notNull(),
  rowsDone: integer("rows_done").notNull(),
  created: integer("created").notNull(),
  updated: integer("updated").notNull(),
  unchanged: integer("unchanged").notNull(),
  skipped: integer("skipped").notNull(),
  failed: integer("failed").notNull(),
  reportPath: text("report_path"),
  errorReportPath: text("error_report_path"),
  error: text("error"),
  startedAt: text("started_at").notNull(),
  finishedAt: text("finished_at"),
  format: text("format"),
  nextRow: integer("next_row").notNull().default(1),
  movedTo: text("moved_to"),
});

export const dropUploads = sqliteTable("drop_uploads", {
  uploadId: text("upload_id").primaryKey(),
  tenantId: text("tenant_id").notNull(),
  path: text("path").notNull(),
  createdAt: text("created_at").notNull(),
});

export const importKeys = sqliteTable("import_keys", { importId: text("import_id").notNull(), key: text("key").notNull(), row: integer("row").notNull() }, (t) => [
  primaryKey({ columns: [t.importId, t.key] }),
]);

export const importErrors = sqliteTable(
  "import_errors",
  {
    importId: text("import_id").notNull(),
    row: integer("row").notNull(),
    columnName: text("column_name").notNull(),
    value: text("value"),
    message: text("message").notNull(),
    outcome: text("outcome").notNull(),
    cells: text("cells"),
  },
  (t) => [primaryKey({ columns: [t.importId, t.row, t.columnName] })],
);

export const deletedTenants = sqliteTable("deleted_tenants", {
  id: text("id").primaryKey(),
  requestedAt: text("requested_at").notNull(),
  finishedAt: text("finished_at").notNull(),
});

export const auditLog = sqliteTable("audit_log", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  at: text("at").notNull(),
  tenantId: text("tenant_id"),
  actor: text("actor").notNull(),
  action: text("action").notNull(),
  target: text("target"),
  status: integer("status"),
  detail: text("detail"),
  requestId: text("request_id"),
});

export const oauthStates = sqliteTable("oauth_states", {
  stateHash: text("state_hash").primaryKey(),
  tenantId: text("tenant_id").notNull(),
  connectionId: text("connection_id").notNull(),
  keyId: text("key_id"),
  createdAt: text("created_at").notNull(),
  expiresAt: text("expires_at").notNull(),
  usedAt: text("used_at"),
});
export const channelListings = sqliteTable(
  "channel_listings",
  {
    tenantId: text("tenant_id").notNull(),
    connectionId: text("connection_id").notNull(),
    sku: text("sku").notNull(),
    listingId: text("listing_id"),
    groupKey: text("group_key"),
    title: text("title"),
    identifiers: text("identifiers"),
    status: text("status").notNull(),
    offers: text("offers"),
    channelQuantity: integer("channel_quantity"),
    seenAt: text("seen_at"),
    suggestions: text("suggestions"),
    rules: text("rules"),
    targetQuantity: integer("target_quantity"),
    targetAt: text("target_at"),
    pushState: text("push_state").notNull().default("idle"),
    pushNote: text("push_note"),
    pushedQuantity: integer("pushed_quantity"),
    pushedAt: text("pushed_at"),
    ackedQuantity: integer("acked_quantity"),
    ackedAt: text("acked_at"),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.sku] })],
);

export const reservations = sqliteTable(
  "reservations",
  {
    tenantId: text("tenant_id").notNull(),
    connectionId: text("connection_id").notNull(),
    orderId: text("order_id").notNull(),
    lineId: text("line_id").notNull(),
    sku: text("sku"),
    listingId: text("listing_id"),
    title: text("title"),
    productSku: text("product_sku"),
    quantity: integer("quantity").notNull(),
    state: text("state").notNull(),
    lineState: text("line_state").notNull(),
    shippedAt: text("shipped_at"),
    releaseReason: text("release_reason"),
    releasedAt: text("released_at"),
    orderedAt: text("ordered_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.orderId, t.lineId] })],
);

export const stock = sqliteTable(
  "stock",
  {
    tenantId: text("tenant_id").notNull(),
    sku: text("sku").notNull(),
    onHand: integer("on_hand").notNull(),
    observedAt: text("observed_at").notNull(),
    writtenAt: text("written_at").notNull(),
    source: text("source").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.sku] })],
);

export const atsDirty = sqliteTable("ats_dirty", { tenantId: text("tenant_id").notNull(), sku: text("sku").notNull(), since: text("since").notNull() }, (t) => [
  primaryKey({ columns: [t.tenantId, t.sku] }),
]);

export const channelBudget = sqliteTable(
  "channel_budget",
  { connectionId: text("connection_id").notNull(), bucket: text("bucket").notNull(), used: integer("used").notNull(), expiresAt: text("expires_at").notNull() },
  (t) => [primaryKey({ columns: [t.connectionId, t.bucket] })],
);

export const availabilitySettings = sqliteTable("availability_settings", {
  tenantId: text("tenant_id").primaryKey(),
  settings: text("settings").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const legacyListings = sqliteTable(
  "legacy_listings",
  {
    tenantId: text("tenant_id").notNull(),
    connectionId: text("connection_id").notNull(),
    listingId: text("listing_id").notNull(),
    sku: text("sku"),
    title: text("title"),
    firstSeenAt: text("first_seen_at").notNull(),
    lastOrderAt: text("last_order_at"),
    orders: integer("orders").notNull().default(0),
    migration: text("migration"),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.listingId] })],
);

export const linkPages = sqliteTable("link_pages", { runId: text("run_id").notNull(), page: integer("page").notNull(), rows: text("rows").notNull(), next: text("next") }, (t) => [
  primaryKey({ columns: [t.runId, t.page] }),
]);

export type ChannelListing = typeof channelListings.$inferSelect;
export type Reservation = typeof reservations.$inferSelect;

export type Import = typeof imports.$inferSelect;

export type Tenant = typeof tenants.$inferSelect;
export type Connection = typeof connections.$inferSelect;
export type Run = typeof runs.$inferSelect;
export type RecordError = typeof recordErrors.$inferSelect;
