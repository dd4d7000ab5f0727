-- Sales channels (eBay, Back Market) and one available-to-sell (ATS) quantity per SKU.

-- When a connection's long-lived credentials lapse (eBay's refresh token, ~18 months after
-- consent) and when the admin was last warned about it.
ALTER TABLE connections ADD COLUMN credentials_expire_at TEXT;
ALTER TABLE connections ADD COLUMN expiry_warned_at TEXT;

-- One row per sellable SKU of a channel connection, as the last listings sync saw it, with the
-- quantity the hub wants there (target) and what the channel holds after the last push (acked).
-- Its link to a platform product is the mapping (entity 'listings', external_id = sku).
CREATE TABLE channel_listings (
  tenant_id TEXT NOT NULL,
  connection_id TEXT NOT NULL,
  sku TEXT NOT NULL,                  -- the channel's SKU: eBay inventory item, Back Market listing sku
  listing_id TEXT,                    -- eBay listingId (shared by a variation listing) / Back Market listing id
  group_key TEXT,                     -- eBay inventory item group of a variation listing
  title TEXT,
  identifiers TEXT,                   -- JSON {upc, ean, mpn, isbn, gtin} as the channel has them
  status TEXT NOT NULL,               -- the channel's listing status (ACTIVE, OUT_OF_STOCK, ENDED, UNPUBLISHED, online, offline…)
  offers TEXT,                        -- JSON: eBay's published offer ids of the SKU
  channel_quantity INTEGER,           -- what the channel showed at the last sync
  seen_at TEXT,                       -- the last sync that saw it; older than the last sync = gone
  suggestions TEXT,                   -- JSON: best platform matches of an unlinked listing, with reasons
  rules TEXT,                         -- JSON: this listing's ATS rules (max, percent, zero_below), over the connection's
  target_quantity INTEGER,            -- the quantity the hub computed for it
  target_at TEXT,                     -- when (an increase waits until every channel's orders are pulled past it)
  push_state TEXT NOT NULL DEFAULT 'idle', -- idle | due | held (increase behind the oversell guard) | capped | failed
  push_note TEXT,                     -- why held, capped or failed
  pushed_quantity INTEGER,
  pushed_at TEXT,
  acked_quantity INTEGER,             -- what the channel holds after the last push (read back)
  acked_at TEXT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (connection_id, sku)
);
CREATE INDEX channel_listings_tenant ON channel_listings(tenant_id, connection_id);
CREATE INDEX channel_listings_push ON channel_listings(connection_id, push_state);
CREATE INDEX channel_listings_listing ON channel_listings(connection_id, listing_id);
-- The few listings with a push to make, across every connection (the cron's sweep).
CREATE INDEX channel_listings_waiting ON channel_listings(push_state, connection_id) WHERE push_state != 'idle';

-- The reservation ledger: one row per channel order line, the units it holds and why it
-- stopped holding them. `released` is final: whatever order events arrive later, a line is
-- never held or freed twice.
CREATE TABLE reservations (
  tenant_id TEXT NOT NULL,
  connection_id TEXT NOT NULL,
  order_id TEXT NOT NULL,             -- the channel's order id
  line_id TEXT NOT NULL,              -- the channel's order line id
  sku TEXT,                           -- the channel's SKU (null: a listing without SKU)
  listing_id TEXT,
  title TEXT,
  product_sku TEXT,                   -- the platform SKU it reserves; null = Unknown SKU (holds nothing yet)
  quantity INTEGER NOT NULL,
  state TEXT NOT NULL,                -- held | released
  line_state TEXT NOT NULL,           -- open | pending | shipped | cancelled | unpaid, as the channel last said
  shipped_at TEXT,                    -- shipped: held until the inventory source shows it
  release_reason TEXT,                -- shipped_seen_in_inventory | order_seen_in_inventory | cancelled | unpaid
  released_at TEXT,
  ordered_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (connection_id, order_id, line_id)
);
CREATE INDEX reservations_held ON reservations(tenant_id, product_sku, state);
CREATE INDEX reservations_order ON reservations(tenant_id, state, created_at);

-- On hand per platform SKU, as the hub last wrote it to the platform's inventory (pulls and
-- file imports), with the source's own time of that figure when it gave one.
CREATE TABLE stock (
  tenant_id TEXT NOT NULL,
  sku TEXT NOT NULL,
  on_hand INTEGER NOT NULL,
  observed_at TEXT NOT NULL,          -- the source's time of the figure (else when the hub read it)
  written_at TEXT NOT NULL,
  source TEXT NOT NULL,               -- the connection id, 'drop' or 'platform' (read back)
  PRIMARY KEY (tenant_id, sku)
);

-- Platform SKUs whose channel quantities must be computed again (written with their cause).
CREATE TABLE ats_dirty (
  tenant_id TEXT NOT NULL,
  sku TEXT NOT NULL,
  since TEXT NOT NULL,
  PRIMARY KEY (tenant_id, sku)
);

-- Units of a channel's push limits spent per period (Back Market's SKU lines an hour, eBay's
-- revisions per listing a day).
CREATE TABLE channel_budget (
  connection_id TEXT NOT NULL,
  bucket TEXT NOT NULL,               -- <budget>:<period key>[:<listing id>]
  used INTEGER NOT NULL,
  expires_at TEXT NOT NULL,
  PRIMARY KEY (connection_id, bucket)
);

-- The tenant's ATS settings: buffer, per-SKU buffers, when a shipped reservation is released.
CREATE TABLE availability_settings (
  tenant_id TEXT PRIMARY KEY,
  settings TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- Listings a channel's listing API cannot see (eBay listings made in Seller Hub or with the
-- Trading API), found through their orders.
CREATE TABLE legacy_listings (
  tenant_id TEXT NOT NULL,
  connection_id TEXT NOT NULL,
  listing_id TEXT NOT NULL,
  sku TEXT,
  title TEXT,
  first_seen_at TEXT NOT NULL,
  last_order_at TEXT,
  orders INTEGER NOT NULL DEFAULT 0,
  migration TEXT,                     -- the last migration attempt's outcome
  PRIMARY KEY (connection_id, listing_id)
);
