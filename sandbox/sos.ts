/**
 * SOS Inventory API v2 simulator: a plain fetch handler (no Node APIs) so it runs in Node
 * behind `serve()` and inside workerd alike.
 *
 * URL layout, one isolated account per first path segment (created on first use):
 *   /<account>/oauth2/authorize, /<account>/oauth2/token   OAuth2 code flow, rotating refresh tokens
 *   /<account>/api/v2/<resource>[/<id>]                    the vendor API (shared/reference/sos-api.md)
 *   /<account>/__control/...                               test control API, JSON, never counted or throttled
 *
 * The reference marks much of SOS's behaviour [I] (inferred) or [?] (unknown); each such behaviour
 * is a config knob, so tests can run the connector against every variant.
 */
import { emptyWebhookState, hookRoute, notifyQuantities, postJson, takeDeliveries, WEBHOOK_DEFAULTS, type ItemQuantities, type WebhookState } from "./sos-webhooks";
import { z } from "zod";
import { FaultSchema, sleep, takeFault, toActiveFault, type ActiveFault } from "./faults";
import { formatLocal, parseVendorDate } from "./sellercloud";

export interface SosSimulator {
  fetch(req: Request): Promise<Response>;
  /** Accounts by name (the local hub keeps them in its data folder, see persist.ts). */
  accounts: Map<string, Account>;
}

export function createSosSimulator(): SosSimulator {
  const accounts = new Map<string, Account>();
  const accountFor = (name: string): Account => {
    let account = accounts.get(name);
    if (!account) {
      account = newAccount(name);
      accounts.set(name, account);
    }
    return account;
  };

  return {
    accounts,
    async fetch(req) {
      const url = new URL(req.url);
      const match = /^\/([^/]+)\/(oauth2|api\/v2|__control)(\/.*)?$/i.exec(url.pathname);
      if (!match) return noResource();
      const account = accountFor(decodeURIComponent(match[1]));
      const area = match[2].toLowerCase();
      const rest = match[3] ?? "/";
      try {
        if (area === "__control") return await handleControl(account, req, rest.replace(/^\/+|\/+$/g, ""));
        return await handleVendor(account, req, url, area === "oauth2" ? `/oauth2${rest}` : rest);
      } catch (error) {
        return json({ status: "error", message: `An error has occurred. ${String(error)}` }, 500);
      }
    },
  };
}

// ---------------------------------------------------------------------------
// Configuration and account state

function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

const ConfigSchema = z.strictObject({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  /** null: any redirect_uri is accepted at authorize (registration is not simulated). */
  redirectUris: z.array(z.string()).nullable(),
  consent: z.enum(["allow", "deny"]),
  codeTtlSeconds: z.number().positive(),
  accessTokenTtlSeconds: z.number().positive(),
  /** [?] null: refresh tokens never expire and `refresh_expires_in` is not sent. */
  refreshTokenTtlSeconds: z.number().positive().nullable(),
  /** [?] casing of `token_type`. */
  tokenType: z.string(),
  /** [I] every refresh returns a new refresh token and invalidates the one used. */
  rotateRefreshTokens: z.boolean(),
  /** How long a rotated refresh token still works (a client racing itself). */
  reusableRefreshGraceMs: z.number().int().min(0),
  /** [?] one client refreshes with grant_type + refresh_token only. */
  refreshRequiresClientSecret: z.boolean(),
  /** [?] whether a refresh kills the access token issued with the old refresh token. */
  refreshRevokesAccessToken: z.boolean(),
  /** Without rotation: [?] whether the refresh response repeats the unchanged refresh token. */
  omitUnchangedRefreshToken: z.boolean(),
  latencyMs: z.number().int().min(0),
  clockOffsetMs: z.number(),
  /** [?] zone of `updatedsince`/`createdsince` and of seeded naive timestamps. */
  timeZone: z.string().refine(isValidTimeZone, "not a known IANA time zone"),
  throttle: z.boolean(),
  requestsPerSecond: z.number().positive(),
  burst: z.number().int().positive(),
  /** [?] how a throttle shows up (§4). */
  throttleMode: z.enum(["200-message", "429", "400"]),
  /** [?] one bucket per access token, or one for the whole account. */
  throttleScope: z.enum(["token", "account"]),
  /** [?] no source mentions Retry-After. */
  retryAfterHeader: z.boolean(),
  /** [?] validation errors come inside HTTP 200 per live clients; 400 is the other variant. */
  errorHttpStatus: z.number().int().min(200).max(599),
  /** [I] status of `GET /x/{id}` for an unknown id. */
  notFoundHttpStatus: z.number().int().min(200).max(599),
  /** [I] single records wrapped in `{status,message,data}`; false = bare object (as S1 models it). */
  singleEnvelope: z.boolean(),
  /** [?] `start=0`: read as 1, or an error. */
  startZeroMode: z.enum(["as-one", "error"]),
  /** [?] `maxresults` above 200: clamped, or an error. */
  maxResultsMode: z.enum(["clamp", "error"]),
  /** [?] what an omitted `archived` lists: everything, or only non-archived records. */
  archivedDefault: z.enum(["all", "no"]),
  /** [?] `name=` filter on customers (and lookups): substring or exact, both case-insensitive. */
  nameFilterMode: z.enum(["contains", "exact"]),
  /** [?] line field casing emitted: s1 `unitprice`/`percentdiscount`/`duedate`, s2 `unitPrice`/`percentDiscount`/`dueDate`. */
  lineCasing: z.enum(["s1", "s2"]),
  /** [?] customer billing/shipping: transaction shape `{company, contact, …, address:{…}}` (S1) or plain address (S2). */
  customerAddressShape: z.enum(["transaction", "plain"]),
  /** [I] elements of linkedInvoices/linkedShipments/linkedPayments. */
  linkedListShape: z.enum(["ref", "transaction"]),
  /** [I] PUT: "given" replaces only the fields present (lines replaced when present); "full" resets absent writable fields. */
  putMode: z.enum(["given", "full"]),
  /** [?] a PUT without syncToken is refused like a stale one. */
  requireSyncToken: z.boolean(),
  staleSyncTokenMessage: z.string(),
  /** [?] `archived` is read-only per S2; true lets PUT set it. */
  archiveViaPut: z.boolean(),
  /** [?] whether a transaction number may repeat. */
  duplicateNumbers: z.enum(["allow", "error"]),
  /** [I] shipments lower item `onhand` (and, through the order's `shipped`, `onSO`). */
  shipmentsMoveStock: z.boolean(),
  /** [?] a quantity change moves the item's updatedAt (so `updatedsince` sees it). */
  quantityChangeTouchesItem: z.boolean(),
  /** [I] an order changed by a linked shipment/invoice/payment gets a new syncToken, not just a new updatedAt. */
  sideEffectsBumpSyncToken: z.boolean(),
  /** [C S5 for invoices] line amount must equal quantity × unit price (after percent discount). */
  checkLineAmounts: z.boolean(),
});

export type SosConfig = z.infer<typeof ConfigSchema>;

export const SOS_DEFAULT_CONFIG: SosConfig = {
  clientId: "sos-client",
  clientSecret: "sos-secret",
  redirectUris: null,
  consent: "allow",
  codeTtlSeconds: 600,
  accessTokenTtlSeconds: 3600,
  refreshTokenTtlSeconds: null,
  tokenType: "bearer",
  rotateRefreshTokens: true,
  reusableRefreshGraceMs: 0,
  refreshRequiresClientSecret: true,
  refreshRevokesAccessToken: false,
  omitUnchangedRefreshToken: false,
  latencyMs: 0,
  clockOffsetMs: 0,
  timeZone: "America/Chicago",
  throttle: true,
  requestsPerSecond: 2,
  burst: 2,
  throttleMode: "200-message",
  throttleScope: "token",
  retryAfterHeader: false,
  errorHttpStatus: 200,
  notFoundHttpStatus: 404,
  singleEnvelope: true,
  startZeroMode: "as-one",
  maxResultsMode: "clamp",
  archivedDefault: "all",
  nameFilterMode: "contains",
  lineCasing: "s1",
  customerAddressShape: "transaction",
  linkedListShape: "ref",
  putMode: "given",
  requireSyncToken: true,
  staleSyncTokenMessage: "The syncToken is out of date; GET the latest version before updating",
  archiveViaPut: false,
  duplicateNumbers: "allow",
  shipmentsMoveStock: true,
  quantityChangeTouchesItem: true,
  sideEffectsBumpSyncToken: true,
  checkLineAmounts: false,
};

export const RESOURCES = [
  "item",
  "customer",
  "salesorder",
  "invoice",
  "shipment",
  "payment",
  "salesrep",
  "pricetier",
  "location",
  "terms",
] as const;

export type Resource = (typeof RESOURCES)[number];

const isResource = (name: string): name is Resource => (RESOURCES as readonly string[]).includes(name);

type Json = Record<string, any>;

/** A record as stored. `data` holds the emitted fields (keys starting with `_` are internal). */
interface Stored {
  id: number;
  createdAt: number;
  updatedAt: number;
  data: Json;
}

/** Rows by id plus an ascending-id view rebuilt only when an id is added out of order. */
class Table {
  readonly rows = new Map<number, Stored>();
  private order: Stored[] = [];
  private sortedOk = true;
  nextId = 1;
  nextNumber = 1;

  get(id: number): Stored | undefined {
    return this.rows.get(id);
  }

  set(rec: Stored): void {
    if (!this.rows.has(rec.id)) {
      const last = this.order.at(-1);
      if (last && last.id > rec.id) this.sortedOk = false;
      this.order.push(rec);
    } else {
      this.order = this.order.map((r) => (r.id === rec.id ? rec : r));
    }
    this.rows.set(rec.id, rec);
    this.nextId = Math.max(this.nextId, rec.id + 1);
  }

  sorted(): Stored[] {
    if (!this.sortedOk) {
      this.order.sort((a, b) => a.id - b.id);
      this.sortedOk = true;
    }
    return this.order;
  }
}

interface AuthCode {
  clientId: string;
  redirectUri: string;
  expiresAt: number;
  used: boolean;
}

interface AccessToken {
  expiresAt: number;
}

interface RefreshToken {
  expiresAt: number | null;
  /** Set when a rotation replaced it; it keeps working for `reusableRefreshGraceMs` after. */
  rotatedAt?: number;
  revoked: boolean;
  accessToken: string;
}

interface Bucket {
  tokens: number;
  at: number;
}

interface Stats {
  /** `/api/v2` requests (OAuth requests appear in `byRoute` only). */
  calls: number;
  byRoute: Record<string, number>;
  authorizations: number;
  tokenGrants: number;
  refreshes: number;
  refreshFailures: number;
  tokenFailures: number;
  unauthorized: number;
  throttled: { total: number; "200-message": number; "429": number; "400": number };
  maxInFlight: number;
  /** `at`: sim time of arrival; `status`, `throttled`: how it was answered (pacing tests read them). */
  requests: Array<{ method: string; path: string; query: Array<[string, string]>; at: string; status?: number; throttled?: boolean }>;
}

const MAX_LOGGED_REQUESTS = 5000;

interface Account {
  name: string;
  config: SosConfig;
  tables: Record<Resource, Table>;
  lineSeq: number;
  codes: Map<string, AuthCode>;
  access: Map<string, AccessToken>;
  refresh: Map<string, RefreshToken>;
  buckets: Map<string, Bucket>;
  faults: ActiveFault[];
  hooks: Hook[];
  /** SOS's own webhooks (`/hook`), see sos-webhooks.ts. */
  webhookState: WebhookState;
  stats: Stats;
  inFlight: number;
}

function emptyStats(): Stats {
  return {
    calls: 0,
    byRoute: {},
    authorizations: 0,
    tokenGrants: 0,
    refreshes: 0,
    refreshFailures: 0,
    tokenFailures: 0,
    unauthorized: 0,
    throttled: { total: 0, "200-message": 0, "429": 0, "400": 0 },
    maxInFlight: 0,
    requests: [],
  };
}

/** How the local hub keeps accounts across restarts (sandbox/persist.ts): classes, and what is per process. */
export const sosPersistence = {
  classes: [{ name: "Table", type: Table }],
  fresh: newAccount,
  transient: ["stats", "inFlight", "buckets"],
  accountOf: (url: URL) => {
    const name = /^\/([^/]+)\/(oauth2|api\/v2|__control)(\/|$)/i.exec(url.pathname)?.[1];
    return name === undefined ? null : decodeURIComponent(name);
  },
};

function newAccount(name: string): Account {
  const tables = Object.fromEntries(RESOURCES.map((r) => [r, new Table()])) as Record<Resource, Table>;
  const account: Account = {
    name,
    config: { ...SOS_DEFAULT_CONFIG },
    tables,
    lineSeq: 1,
    codes: new Map(),
    access: new Map(),
    refresh: new Map(),
    buckets: new Map(),
    faults: [],
    hooks: [],
    webhookState: emptyWebhookState(),
    stats: emptyStats(),
    inFlight: 0,
  };
  // Reference data every SOS company has in some form [I]: a default location and two terms.
  const past = simNow(account) - 30 * 86_400_000;
  const seedLookup = (resource: Resource, fields: Json) => {
    const table = tables[resource];
    const id = table.nextId;
    table.set({ id, createdAt: past, updatedAt: past, data: { ...defaultsFor(resource), ...fields } });
  };
  seedLookup("location", { name: "Main", defaultLocation: true });
  seedLookup("terms", { name: "Net 30", dueDays: 30 });
  seedLookup("terms", { name: "Due on receipt", dueDays: 0 });
  return account;
}

function simNow(account: Account): number {
  return Date.now() + account.config.clockOffsetMs;
}

// ---------------------------------------------------------------------------
// Record shapes (reference §7–§13). Defaults list every emitted field in emission order.

const EMPTY_ADDRESS_LINES = { line1: "", line2: "", line3: "", line4: "", line5: "", city: "", stateProvince: "", postalCode: "", country: "" };

function emptyTxAddress(): Json {
  return { company: "", contact: "", phone: "", email: "", addressName: "", addressType: "", address: { ...EMPTY_ADDRESS_LINES } };
}

const TX_LINE_DEFAULTS: Json = {
  id: 0,
  lineNumber: 0,
  item: null,
  class: null,
  job: null,
  workcenter: null,
  tax: { taxable: false, taxCode: null },
  linkedTransaction: null,
  description: "",
  quantity: 0,
  weight: 0,
  volume: 0,
  weightunit: "lb",
  volumeunit: "cbm",
  unitprice: 0,
  amount: 0,
  altAmount: 0,
  picked: 0,
  shipped: 0,
  invoiced: 0,
  produced: 0,
  returned: 0,
  cost: 0,
  margin: 0,
  listPrice: 0,
  percentdiscount: 0,
  duedate: null,
  uom: null,
  bin: null,
  lot: null,
  serials: [],
};

/** Shipment lines add `backOrdered` (S2). */
function lineDefaults(resource: Resource): Json {
  const { serials, ...rest } = structuredClone(TX_LINE_DEFAULTS);
  return resource === "shipment" ? { ...rest, backOrdered: 0, serials } : { ...rest, serials };
}

const QTY_FIELDS = ["onhand", "available", "onSO", "onSR", "rented", "onWO", "onPO", "onRMA"] as const;

function defaultsFor(resource: Resource): Json {
  const head = { starred: 0, syncToken: 0 };
  const tail = { archived: false, summaryOnly: false };
  switch (resource) {
    case "item":
      return {
        ...head,
        name: "",
        fullname: "",
        description: "",
        sku: "",
        barcode: "",
        type: "Inventory Item",
        url: "",
        tags: "",
        notes: "",
        purchaseDescription: "",
        vendorPartNumber: "",
        customerPartNumber: "",
        vendor: null,
        bin: null,
        warranty: null,
        category: null,
        class: null,
        incomeAccount: null,
        cogsAccount: null,
        assetAccount: null,
        expenseAccount: null,
        onhand: 0,
        available: 0,
        onSO: 0,
        onSR: 0,
        rented: 0,
        onWO: 0,
        onPO: 0,
        onRMA: 0,
        reorderPoint: 0,
        maxStock: 0,
        leadTime: 0,
        salesPrice: 0,
        baseSalesPrice: 0,
        markupPercent: 0,
        useMarkup: false,
        minimumPrice: 0,
        basePurchaseCost: 0,
        purchaseCost: 0,
        costBasis: 0,
        weight: 0,
        volume: 0,
        weightUnit: "lb",
        volumeUnit: "cbm",
        taxable: true,
        serialTracking: false,
        lotTracking: false,
        alwaysShippable: false,
        hasImage: false,
        sublevel: 0,
        customFields: [],
        uoms: [],
        priceTiers: [],
        locationBins: [],
        ...tail,
        syncMessage: "",
        lastSync: null,
      };
    case "customer":
      return {
        ...head,
        name: "",
        fullname: "",
        parent: null,
        sublevel: 0,
        email: "",
        website: "",
        phone: "",
        mobile: "",
        altPhone: "",
        fax: "",
        companyName: "",
        contact: { title: "", firstName: "", middleName: "", lastName: "", suffix: "" },
        billing: emptyTxAddress(),
        shipping: emptyTxAddress(),
        terms: null,
        priceTier: null,
        paymentMethod: null,
        salesRep: null,
        customerType: null,
        resaleNumber: "",
        currency: null,
        tax: { taxable: true, taxExemptReasonId: null, taxCode: null },
        creditHold: false,
        notes: "",
        customFields: [],
        altAddresses: [],
        hasChildren: false,
        isInQuickBooks: false,
        ...tail,
        syncMessage: "",
        lastSync: null,
      };
    case "salesorder":
      return {
        ...head,
        number: "",
        date: null,
        customer: null,
        location: null,
        billing: emptyTxAddress(),
        shipping: emptyTxAddress(),
        terms: null,
        salesRep: null,
        channel: null,
        department: null,
        priority: null,
        orderStage: null,
        taxCode: null,
        currency: null,
        linkedTransaction: null,
        linkedInvoices: [],
        linkedShipments: [],
        linkedPickTickets: [],
        linkedPayments: [],
        exchangeRate: 1,
        customerMessage: "",
        statusMessage: "",
        comment: "",
        customerNotes: "",
        customFields: [],
        customerPO: "",
        depositPercent: 0,
        depositAmount: 0,
        subTotal: 0,
        discountPercent: 0,
        discountAmount: 0,
        taxPercent: 0,
        taxAmount: 0,
        shippingAmount: 0,
        total: 0,
        discountTaxable: false,
        shippingTaxable: false,
        dropShip: false,
        closed: false,
        ...tail,
        lines: [],
        _invoiceIds: [],
        _shipmentIds: [],
        _paymentIds: [],
      };
    case "invoice":
      return {
        ...head,
        number: "",
        date: null,
        customer: null,
        location: null,
        billing: emptyTxAddress(),
        shipping: emptyTxAddress(),
        terms: null,
        dueDate: null,
        salesRep: null,
        channel: null,
        department: null,
        taxCode: null,
        currency: null,
        linkedTransaction: null,
        linkedPayments: [],
        exchangeRate: 1,
        customerMessage: "",
        comment: "",
        customerNotes: "",
        customFields: [],
        customerPO: "",
        depositAmount: 0,
        subTotal: 0,
        discountPercent: 0,
        discountAmount: 0,
        taxPercent: 0,
        taxAmount: 0,
        shippingAmount: 0,
        balance: 0,
        status: "Open",
        trackingNumber: "",
        shipDate: null,
        shippingMethod: null,
        total: 0,
        discountTaxable: false,
        shippingTaxable: false,
        voided: false,
        ...tail,
        syncMessage: "",
        lastSync: null,
        lines: [],
        _linked: null,
        _paymentIds: [],
        _paidBefore: 0,
      };
    case "shipment":
      return {
        ...head,
        number: "",
        date: null,
        customer: null,
        location: null,
        billing: emptyTxAddress(),
        shipping: emptyTxAddress(),
        channel: null,
        department: null,
        priority: null,
        shippingMethod: null,
        trackingNumber: "",
        linkedTransaction: null,
        customerMessage: "",
        comment: "",
        customerNotes: "",
        customFields: [],
        customerPO: "",
        shipBy: null,
        shippingAmount: 0,
        total: 0,
        forceToShipStation: false,
        hasSignature: false,
        trackingLink: "",
        ...tail,
        lines: [],
        _linked: null,
        _stockMoved: false,
      };
    case "payment":
      // [I] no source shows a payment; modelled on the other transactions. `comment`, not `memo` (SOS has no memo).
      return {
        ...head,
        number: "",
        date: null,
        customer: null,
        paymentMethod: null,
        amount: 0,
        linkedTransaction: null,
        comment: "",
        customFields: [],
        ...tail,
        _linked: null,
      };
    case "salesrep":
      return { ...head, firstName: "", lastName: "", commissionRate: 0, commissionAmount: 0, user: null, restrictCustomers: false, ...tail };
    case "pricetier":
      return { ...head, name: "", percentDiscount: 0, flatDiscount: 0, ...tail };
    case "location":
      return {
        ...head,
        name: "",
        binTracking: false,
        nonNettable: false,
        defaultLocation: false,
        bins: [],
        address: { ...EMPTY_ADDRESS_LINES },
        phone: "",
        email: "",
        company: "",
        contact: "",
        salesTaxRate: 0,
        ...tail,
      };
    case "terms":
      return { ...head, name: "", dueDays: 0, discountDays: 0, discountPercent: 0, dayOfMonthDue: 0, ...tail };
  }
}

/** [I] the summary attributes (the docs name none). */
const SUMMARY_FIELDS: Record<Resource, string[]> = {
  item: ["id", "starred", "syncToken", "name", "fullname", "sku", "type", "onhand", "available", "archived"],
  customer: ["id", "starred", "syncToken", "name", "fullname", "companyName", "email", "phone", "archived"],
  salesorder: ["id", "starred", "syncToken", "number", "date", "customer", "location", "customerPO", "total", "closed", "archived"],
  invoice: ["id", "starred", "syncToken", "number", "date", "customer", "linkedTransaction", "total", "balance", "status", "archived"],
  shipment: ["id", "starred", "syncToken", "number", "date", "customer", "linkedTransaction", "trackingNumber", "archived"],
  payment: ["id", "starred", "syncToken", "number", "date", "customer", "amount", "archived"],
  salesrep: ["id", "starred", "syncToken", "firstName", "lastName", "archived"],
  pricetier: ["id", "starred", "syncToken", "name", "archived"],
  location: ["id", "starred", "syncToken", "name", "archived"],
  terms: ["id", "starred", "syncToken", "name", "archived"],
};

const ITEM_TYPES = ["Inventory Item", "Non-inventory", "Category", "Expense", "Assembly", "Kit", "Service", "Labor", "Overhead", "Other", "Item Group"];

type Kind = "string" | "number" | "bool" | "ref" | "address" | "contact" | "date" | "json" | "plainAddress";
/** A resource to resolve against, "category" (items of type Category), or null: kept as given. */
type RefTarget = Resource | "category" | null;

interface FieldSpec {
  kind: Kind;
  ref?: RefTarget;
}

const f = (kind: Kind, ref?: RefTarget): FieldSpec => ({ kind, ref });
const str = f("string");
const num = f("number");
const bool = f("bool");
const date = f("date");
const jsonField = f("json");
const passRef = f("ref", null);

/** Writable fields (canonical casing; input keys match case-insensitively). Lines and linkedTransaction are handled apart. */
const WRITABLE: Record<Resource, Record<string, FieldSpec>> = {
  item: {
    starred: num,
    name: str,
    description: str,
    sku: str,
    barcode: str,
    type: str,
    url: str,
    tags: str,
    notes: str,
    purchaseDescription: str,
    vendorPartNumber: str,
    customerPartNumber: str,
    vendor: passRef,
    bin: passRef,
    warranty: jsonField,
    category: f("ref", "category"),
    class: passRef,
    incomeAccount: passRef,
    cogsAccount: passRef,
    assetAccount: passRef,
    expenseAccount: passRef,
    reorderPoint: num,
    maxStock: num,
    leadTime: num,
    baseSalesPrice: num,
    markupPercent: num,
    useMarkup: bool,
    minimumPrice: num,
    basePurchaseCost: num,
    purchaseCost: num,
    weight: num,
    volume: num,
    weightUnit: str,
    volumeUnit: str,
    taxable: bool,
    serialTracking: bool,
    lotTracking: bool,
    alwaysShippable: bool,
    customFields: jsonField,
    locationBins: jsonField,
  },
  customer: {
    starred: num,
    name: str,
    parent: f("ref", "customer"),
    email: str,
    website: str,
    phone: str,
    mobile: str,
    altPhone: str,
    fax: str,
    companyName: str,
    contact: f("contact"),
    billing: f("address"),
    shipping: f("address"),
    terms: f("ref", "terms"),
    priceTier: f("ref", "pricetier"),
    paymentMethod: passRef,
    salesRep: f("ref", "salesrep"),
    customerType: passRef,
    resaleNumber: str,
    currency: passRef,
    tax: jsonField,
    creditHold: bool,
    notes: str,
    customFields: jsonField,
    altAddresses: jsonField,
  },
  salesorder: {
    starred: num,
    number: str,
    date,
    customer: f("ref", "customer"),
    location: f("ref", "location"),
    billing: f("address"),
    shipping: f("address"),
    terms: f("ref", "terms"),
    salesRep: f("ref", "salesrep"),
    channel: passRef,
    department: passRef,
    priority: passRef,
    orderStage: passRef,
    taxCode: passRef,
    currency: passRef,
    exchangeRate: num,
    customerMessage: str,
    statusMessage: str,
    comment: str,
    customerNotes: str,
    customFields: jsonField,
    customerPO: str,
    depositPercent: num,
    depositAmount: num,
    discountPercent: num,
    discountAmount: num,
    taxPercent: num,
    taxAmount: num,
    shippingAmount: num,
    discountTaxable: bool,
    shippingTaxable: bool,
    dropShip: bool,
  },
  invoice: {
    starred: num,
    number: str,
    date,
    customer: f("ref", "customer"),
    location: f("ref", "location"),
    billing: f("address"),
    shipping: f("address"),
    terms: f("ref", "terms"),
    dueDate: date,
    salesRep: f("ref", "salesrep"),
    channel: passRef,
    department: passRef,
    taxCode: passRef,
    currency: passRef,
    exchangeRate: num,
    customerMessage: str,
    comment: str,
    customerNotes: str,
    customFields: jsonField,
    customerPO: str,
    depositAmount: num,
    discountPercent: num,
    discountAmount: num,
    taxPercent: num,
    taxAmount: num,
    shippingAmount: num,
    trackingNumber: str,
    shipDate: date,
    shippingMethod: passRef,
    discountTaxable: bool,
    shippingTaxable: bool,
    voided: bool,
  },
  shipment: {
    starred: num,
    number: str,
    date,
    customer: f("ref", "customer"),
    location: f("ref", "location"),
    billing: f("address"),
    shipping: f("address"),
    channel: passRef,
    department: passRef,
    priority: passRef,
    shippingMethod: passRef,
    trackingNumber: str,
    customerMessage: str,
    comment: str,
    customerNotes: str,
    customFields: jsonField,
    customerPO: str,
    shipBy: date,
    shippingAmount: num,
    forceToShipStation: bool,
  },
  payment: {
    starred: num,
    number: str,
    date,
    customer: f("ref", "customer"),
    paymentMethod: passRef,
    amount: num,
    comment: str,
    customFields: jsonField,
  },
  salesrep: { starred: num, firstName: str, lastName: str, commissionRate: num, commissionAmount: num, user: passRef, restrictCustomers: bool },
  pricetier: { starred: num, name: str, percentDiscount: num, flatDiscount: num },
  location: {
    starred: num,
    name: str,
    binTracking: bool,
    nonNettable: bool,
    defaultLocation: bool,
    bins: jsonField,
    address: f("plainAddress"),
    phone: str,
    email: str,
    company: str,
    contact: str,
    salesTaxRate: num,
  },
  terms: { starred: num, name: str, dueDays: num, discountDays: num, discountPercent: num, dayOfMonthDue: num },
};

const TRANSACTIONS: ReadonlySet<Resource> = new Set(["salesorder", "invoice", "shipment", "payment"]);
const WITH_LINES: ReadonlySet<Resource> = new Set(["salesorder", "invoice", "shipment"]);
const TX_TYPE: Partial<Record<Resource, string>> = { salesorder: "SalesOrder", invoice: "Invoice", shipment: "Shipment", payment: "Payment" };

// ---------------------------------------------------------------------------
// Input reading: JSON under any Content-Type, keys case-insensitive (.NET style [I]).

/** A validation failure; answered as `status:"error"` (inside HTTP 200 by default). */
class SosError extends Error {}

function lowerKeys(value: unknown): Map<string, unknown> {
  const map = new Map<string, unknown>();
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) map.set(k.toLowerCase(), v);
  }
  return map;
}

function getCi(value: unknown, key: string): unknown {
  return lowerKeys(value).get(key.toLowerCase());
}

function hasCi(value: unknown, key: string): boolean {
  return lowerKeys(value).has(key.toLowerCase());
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function toNumber(value: unknown, field: string): number {
  if (value === null || value === undefined || value === "") return 0;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  throw new SosError(`${field} must be a number`);
}

function toBool(value: unknown, field: string): boolean {
  if (typeof value === "boolean") return value;
  if (value === null || value === undefined || value === "") return false;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === "string" && /^(true|false|yes|no)$/i.test(value)) return /^(true|yes)$/i.test(value);
  throw new SosError(`${field} must be true or false`);
}

function toText(value: unknown, field: string): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new SosError(`${field} must be a string`);
}

function toId(value: unknown): number | null {
  if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
  if (typeof value === "string" && /^\d+$/.test(value.trim()) && Number(value) > 0) return Number(value);
  return null;
}

/** A naive timestamp `YYYY-MM-DDTHH:mm:ss` in the account's zone (an input with an offset is converted). */
function toNaive(account: Account, value: unknown, field: string): string | null {
  if (value === null || value === undefined || value === "") return null;
  const parsed = typeof value === "string" ? parseVendorDate(value, account.config.timeZone) : null;
  if (!parsed) throw new SosError(`${field} is not a valid date`);
  return formatLocal(parsed.epochMs, account.config.timeZone);
}

function todayNaive(account: Account): string {
  return `${formatLocal(simNow(account), account.config.timeZone).slice(0, 10)}T00:00:00`;
}

function addDays(naive: string, days: number): string {
  const d = new Date(`${naive}Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 19);
}

function readAddressLines(value: unknown): Json {
  const src = lowerKeys(value);
  const out: Json = {};
  for (const key of Object.keys(EMPTY_ADDRESS_LINES)) out[key] = toText(src.get(key.toLowerCase()), key);
  return out;
}

/** Accepts the transaction shape or a plain address (both appear in the sources, §6). */
function readAddress(value: unknown, field: string): Json {
  if (value === null || value === undefined) return emptyTxAddress();
  if (typeof value !== "object" || Array.isArray(value)) throw new SosError(`${field} must be an address object`);
  const src = lowerKeys(value);
  const inner = src.get("address");
  const out = emptyTxAddress();
  for (const key of ["company", "contact", "phone", "email", "addressName", "addressType"]) out[key] = toText(src.get(key.toLowerCase()), `${field}.${key}`);
  out.address = readAddressLines(inner && typeof inner === "object" ? inner : value);
  return out;
}

function readContact(value: unknown): Json {
  const src = lowerKeys(value);
  const out: Json = {};
  for (const key of ["title", "firstName", "middleName", "lastName", "suffix"]) out[key] = toText(src.get(key.toLowerCase()), `contact.${key}`);
  return out;
}

function refName(resource: Resource, rec: Stored): string {
  if (resource === "salesrep") return `${rec.data.firstName} ${rec.data.lastName}`.trim();
  return String(rec.data.name ?? rec.data.number ?? "");
}

const REF_LABEL: Record<string, string> = { category: "Category" };

/** `{id}` or `{name}` (id first, then exact name); a 1-element array is unwrapped (quirk 9); output is always `{id, name}`. */
function resolveRef(account: Account, target: RefTarget, raw: unknown, field: string): Json | null {
  let value = raw;
  if (Array.isArray(value)) value = value[0];
  if (value === null || value === undefined || value === "") return null;
  let id: number | null = null;
  let name: string | null = null;
  if (typeof value === "number") id = toId(value);
  else if (typeof value === "string") name = value;
  else if (typeof value === "object") {
    id = toId(getCi(value, "id"));
    const n = getCi(value, "name");
    name = typeof n === "string" && n !== "" ? n : null;
  } else throw new SosError(`${field} is not a valid reference`);
  if (target === null) return { id, name };
  if (id === null && name === null) throw new SosError(`${field} needs an id or a name`);

  const resource: Resource = target === "category" ? "item" : target;
  const table = account.tables[resource];
  const fits = (rec: Stored) => target !== "category" || rec.data.type === "Category";
  let found: Stored | undefined;
  if (id !== null) {
    const rec = table.get(id);
    if (rec && fits(rec)) found = rec;
  }
  if (!found && name !== null) {
    for (const rec of table.sorted()) {
      if (fits(rec) && refName(resource, rec) === name) {
        found = rec;
        break;
      }
    }
    if (!found && resource === "item") found = table.sorted().find((rec) => fits(rec) && rec.data.fullname === name);
  }
  if (!found) throw new SosError(`${REF_LABEL[target] ?? field} not found: ${id ?? name}`);
  return { id: found.id, name: refName(resource, found) };
}

/** The writable fields present in `body`, coerced; refs resolved. */
function readFields(account: Account, resource: Resource, body: Json): Json {
  const src = lowerKeys(body);
  if (resource === "payment" && !src.has("comment") && src.has("memo")) src.set("comment", src.get("memo"));
  const values: Json = {};
  for (const [key, spec] of Object.entries(WRITABLE[resource])) {
    const lk = key.toLowerCase();
    if (!src.has(lk)) continue;
    const raw = src.get(lk);
    switch (spec.kind) {
      case "string":
        values[key] = toText(raw, key);
        break;
      case "number":
        values[key] = toNumber(raw, key);
        break;
      case "bool":
        values[key] = toBool(raw, key);
        break;
      case "date":
        values[key] = toNaive(account, raw, key);
        break;
      case "ref":
        values[key] = resolveRef(account, spec.ref ?? null, raw, key);
        break;
      case "address":
        values[key] = readAddress(raw, key);
        break;
      case "plainAddress":
        values[key] = readAddressLines(raw);
        break;
      case "contact":
        values[key] = readContact(raw);
        break;
      case "json":
        values[key] = raw === undefined ? null : structuredClone(raw);
        break;
    }
  }
  return values;
}

// ---------------------------------------------------------------------------
// Writes. One path for API create/PUT and control seed/PATCH, so effects never diverge.

type WriteMode = "create" | "put" | "seed" | "patch";
const privileged = (mode: WriteMode) => mode === "seed" || mode === "patch";

interface LinkedRef {
  resource: Resource;
  id: number;
}

function linkedOf(data: Json): LinkedRef | null {
  return (data._linked as LinkedRef | null) ?? null;
}

function readLinked(account: Account, resource: Resource, raw: unknown): LinkedRef | null {
  if (raw === null || raw === "") return null;
  if (typeof raw !== "object" || Array.isArray(raw)) throw new SosError("linkedTransaction must be an object");
  const typeText = String(getCi(raw, "transactionType") ?? (resource === "payment" ? "Invoice" : "SalesOrder"));
  const kind = typeText.replace(/[\s_-]/g, "").toLowerCase();
  const allowed: Resource[] = resource === "payment" ? ["invoice", "salesorder"] : ["salesorder"];
  const target = allowed.find((r) => r === kind);
  if (!target) throw new SosError(`linkedTransaction: a ${TX_TYPE[resource]} cannot be linked to a ${typeText}`);
  const id = toId(getCi(raw, "id"));
  const refNumber = getCi(raw, "refNumber");
  const table = account.tables[target];
  let found = id !== null ? table.get(id) : undefined;
  if (!found && refNumber !== undefined && refNumber !== null && refNumber !== "") {
    found = table.sorted().find((rec) => rec.data.number === String(refNumber));
  }
  if (!found) throw new SosError(`linkedTransaction not found: ${TX_TYPE[target]} ${id ?? refNumber ?? "(no id)"}`);
  return { resource: target, id: found.id };
}

const LINE_NUMBERS = ["quantity", "weight", "volume", "altAmount", "cost", "margin", "listPrice", "percentdiscount"];
/** Privileged writes may set these read-only line figures. */
const LINE_RO_NUMBERS = ["picked", "shipped", "invoiced", "produced", "returned", "backOrdered"];

function buildLines(
  account: Account,
  resource: Resource,
  raw: unknown,
  oldLines: Json[],
  linkedSo: Stored | null,
  mode: WriteMode,
): Json[] {
  if (!Array.isArray(raw)) throw new SosError("lines must be an array");
  const byId = new Map(oldLines.map((line) => [line.id as number, line]));
  const room = new Map<number, number>();
  return raw.map((entry, index) => {
    const label = `lines[${index}]`;
    if (!entry || typeof entry !== "object" || Array.isArray(entry)) throw new SosError(`${label} must be an object`);
    const src = lowerKeys(entry);
    if (!src.has("item") || src.get("item") === null) throw new SosError(`${label}: item is required`);
    const item = resolveRef(account, "item", src.get("item"), `${label}.item`)!;
    const itemRec = account.tables.item.get(item.id)!;
    const previous = byId.get(toId(src.get("id")) ?? -1);
    const line: Json = previous ? structuredClone(previous) : { ...lineDefaults(resource), id: account.lineSeq++ };
    line.lineNumber = src.has("linenumber") ? toNumber(src.get("linenumber"), `${label}.lineNumber`) : index + 1;
    line.item = item;
    line.description = src.has("description") ? toText(src.get("description"), `${label}.description`) : previous?.description ?? itemRec.data.description;
    for (const key of LINE_NUMBERS) if (src.has(key.toLowerCase())) line[key] = toNumber(src.get(key.toLowerCase()), `${label}.${key}`);
    if (src.has("unitprice")) line.unitprice = toNumber(src.get("unitprice"), `${label}.unitprice`);
    else if (!previous) line.unitprice = itemRec.data.salesPrice;
    if (src.has("duedate")) line.duedate = toNaive(account, src.get("duedate"), `${label}.duedate`);
    for (const key of ["weightunit", "volumeunit"]) if (src.has(key)) line[key] = toText(src.get(key), `${label}.${key}`);
    for (const key of ["class", "job", "workcenter", "uom", "bin", "lot"]) if (src.has(key)) line[key] = resolveRef(account, null, src.get(key), `${label}.${key}`);
    if (src.has("tax")) line.tax = structuredClone(src.get("tax"));
    if (src.has("serials")) line.serials = structuredClone(src.get("serials"));
    const expected = round2(line.quantity * line.unitprice * (1 - line.percentdiscount / 100));
    if (src.has("amount")) {
      line.amount = toNumber(src.get("amount"), `${label}.amount`);
      if (account.config.checkLineAmounts && Math.abs(line.amount - expected) > 0.005) {
        throw new SosError(`${label}: amount must equal quantity multiplied by unit price`);
      }
    } else line.amount = expected;
    if (privileged(mode)) for (const key of LINE_RO_NUMBERS) if (src.has(key.toLowerCase())) line[key] = toNumber(src.get(key.toLowerCase()), `${label}.${key}`);

    if (resource === "invoice" || resource === "shipment") {
      line._soLineId = linkedSo ? matchSoLine(linkedSo, src.get("linkedtransaction"), item.id, line.quantity, resource, room) : null;
    }
    return line;
  });
}

/**
 * Which order line an invoice/shipment line fulfils: the `linenumber` its linkedTransaction names,
 * else the first line of the same item with quantity left, else the first line of that item [I].
 */
function matchSoLine(so: Stored, lineLink: unknown, itemId: number, quantity: number, resource: Resource, room: Map<number, number>): number | null {
  const lines = so.data.lines as Json[];
  const wanted = lineLink && typeof lineLink === "object" ? toId(getCi(lineLink, "linenumber")) : null;
  if (wanted !== null) {
    const line = lines.find((l) => l.lineNumber === wanted);
    if (line) return line.id;
  }
  const done = resource === "shipment" ? "shipped" : "invoiced";
  const candidates = lines.filter((l) => l.item?.id === itemId);
  for (const l of candidates) {
    const left = room.get(l.id) ?? l.quantity - l[done];
    if (left > 0) {
      room.set(l.id, left - quantity);
      return l.id;
    }
  }
  return candidates[0]?.id ?? null;
}

/** Lines copied from the order's unfulfilled quantities, for an invoice/shipment created from an order without lines [I]. */
function linesFromOrder(so: Stored, resource: Resource): Json[] {
  const done = resource === "shipment" ? "shipped" : "invoiced";
  return (so.data.lines as Json[])
    .filter((l) => l.quantity - l[done] > 0)
    .map((l) => ({ item: { id: l.item.id }, description: l.description, quantity: l.quantity - l[done], unitprice: l.unitprice, linkedTransaction: { linenumber: l.lineNumber } }));
}

const ITEM_RO_SEEDABLE = ["fullname", "salesPrice", "costBasis", "hasImage", "uoms", "priceTiers", "syncMessage", "lastSync", ...QTY_FIELDS];

interface Built {
  data: Json;
  createdAt?: number;
  updatedAt?: number;
  id?: number;
}

/** Computes the record a write produces, touching nothing else (effects come after). */
function buildRecord(account: Account, resource: Resource, existing: Stored | null, body: Json, mode: WriteMode): Built {
  const cfg = account.config;
  const values = readFields(account, resource, body);
  const src = lowerKeys(body);
  let data: Json;
  if (!existing) data = defaultsFor(resource);
  else if (mode === "put" && cfg.putMode === "full") {
    // Absent writable fields go back to their defaults; read-only state (quantities, links, syncToken) stays.
    data = structuredClone(existing.data);
    const blank = defaultsFor(resource);
    for (const key of Object.keys(WRITABLE[resource])) if (key !== "number") data[key] = blank[key];
    if (WITH_LINES.has(resource) && !src.has("lines")) data.lines = [];
  } else data = structuredClone(existing.data);
  Object.assign(data, values);

  if ((mode === "put" && cfg.archiveViaPut) || privileged(mode)) {
    if (src.has("archived")) data.archived = toBool(src.get("archived"), "archived");
  }
  if (resource === "item" && data.type) {
    const type = ITEM_TYPES.find((t) => t.toLowerCase() === String(data.type).toLowerCase());
    if (!type) throw new SosError(`Invalid item type: ${data.type}`);
    data.type = type;
  }

  switch (resource) {
    case "item":
      finishItem(account, existing, data, src, mode);
      break;
    case "customer":
      if (!data.name) throw new SosError("name is required");
      data.fullname = data.parent ? `${data.parent.name}:${data.name}` : data.name;
      data.sublevel = data.parent ? (account.tables.customer.get(data.parent.id)?.data.sublevel ?? 0) + 1 : 0;
      break;
    case "salesrep":
      if (!data.firstName && !data.lastName) throw new SosError("firstName or lastName is required");
      break;
    case "pricetier":
    case "location":
    case "terms":
      if (!data.name) throw new SosError("name is required");
      break;
    default:
      finishTransaction(account, resource, existing, data, src, mode);
  }

  const built: Built = { data };
  if (privileged(mode)) {
    if (src.has("syncToken".toLowerCase())) data.syncToken = toNumber(src.get("synctoken"), "syncToken");
    const stamp = (key: string) => {
      const raw = src.get(key.toLowerCase());
      if (raw === undefined || raw === null) return undefined;
      const parsed = typeof raw === "string" ? parseVendorDate(raw, cfg.timeZone) : null;
      if (!parsed) throw new SosError(`${key} is not a date`);
      return parsed.epochMs;
    };
    built.createdAt = stamp("createdAt");
    built.updatedAt = stamp("updatedAt");
    if (mode === "seed") built.id = toId(src.get("id")) ?? undefined;
  }
  return built;
}

function finishItem(account: Account, existing: Stored | null, data: Json, src: Map<string, unknown>, mode: WriteMode): void {
  if (!data.name) throw new SosError("name is required");
  const categoryId = data.category?.id ?? null;
  const clash = account.tables.item
    .sorted()
    .find((rec) => rec.id !== existing?.id && (rec.data.category?.id ?? null) === categoryId && String(rec.data.name).toLowerCase() === String(data.name).toLowerCase());
  if (clash && mode !== "seed") throw new SosError(`An item named ${data.name} already exists in this category`);
  data.fullname = data.category ? `${data.category.name}:${data.name}` : data.name;
  data.salesPrice = data.useMarkup ? round2(data.purchaseCost * (1 + data.markupPercent / 100)) : data.baseSalesPrice;
  if (privileged(mode)) {
    for (const key of ITEM_RO_SEEDABLE) {
      if (src.has(key.toLowerCase())) data[key] = QTY_FIELDS.includes(key as (typeof QTY_FIELDS)[number]) ? toNumber(src.get(key.toLowerCase()), key) : structuredClone(src.get(key.toLowerCase()));
    }
    if (!src.has("available") && (src.has("onhand") || src.has("onso"))) data.available = round2(data.onhand - data.onSO);
    if (src.has("bylocation")) data._byLocation = readByLocation(account, src.get("bylocation"));
  }
}

/** `{"<location name or id>": {onhand, onSO?, onPO?, available?, …}}` → keyed by location id. */
function readByLocation(account: Account, raw: unknown): Record<string, Json> {
  if (raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw new SosError("byLocation must be an object keyed by location");
  const out: Record<string, Json> = {};
  for (const [key, figures] of Object.entries(raw)) {
    const loc = resolveRef(account, "location", /^\d+$/.test(key) ? { id: Number(key) } : { name: key }, "byLocation")!;
    const q: Json = {};
    for (const field of QTY_FIELDS) if (hasCi(figures, field)) q[field] = toNumber(getCi(figures, field), `byLocation.${key}.${field}`);
    out[String(loc.id)] = q;
  }
  return out;
}

function finishTransaction(account: Account, resource: Resource, existing: Stored | null, data: Json, src: Map<string, unknown>, mode: WriteMode): void {
  const cfg = account.config;
  const table = account.tables[resource];
  const creating = !existing;

  // Numbering: "auto" or absent → next number [C S2, C-obs S10].
  const given = src.has("number") ? String(src.get("number") ?? "").trim() : "";
  if (creating && (given === "" || given.toLowerCase() === "auto")) data.number = String(table.nextNumber);
  else if (!creating && given.toLowerCase() === "auto") data.number = existing.data.number;
  if (/^\d+$/.test(data.number)) table.nextNumber = Math.max(table.nextNumber, Number(data.number) + 1);
  if (cfg.duplicateNumbers === "error" && table.sorted().some((rec) => rec.id !== existing?.id && rec.data.number === data.number)) {
    throw new SosError(`Number ${data.number} is already in use`);
  }
  if (creating && !data.date) data.date = todayNaive(account);

  let linkedSo: Stored | null = null;
  if (resource !== "salesorder") {
    if (src.has("linkedtransaction")) data._linked = readLinked(account, resource, src.get("linkedtransaction"));
    const linked = linkedOf(data);
    if (linked) {
      const target = account.tables[linked.resource].get(linked.id)!;
      if (linked.resource === "salesorder") linkedSo = target;
      // The order's customer carries over when the body names none [I].
      if (!data.customer && target.data.customer) data.customer = structuredClone(target.data.customer);
      if (resource !== "payment") {
        for (const key of ["billing", "shipping", "location", "customerPO", "salesRep"]) {
          if (!src.has(key.toLowerCase()) && creating && target.data[key] !== undefined) data[key] = structuredClone(target.data[key]);
        }
      }
    }
  }

  if (creating && !data.location && resource !== "payment") {
    const main = account.tables.location.sorted().find((rec) => rec.data.defaultLocation) ?? account.tables.location.sorted()[0];
    if (main) data.location = { id: main.id, name: main.data.name };
  }

  if (WITH_LINES.has(resource)) {
    if (src.has("lines")) data.lines = buildLines(account, resource, src.get("lines"), existing?.data.lines ?? [], linkedSo, mode);
    else if (creating && linkedSo) data.lines = buildLines(account, resource, linesFromOrder(linkedSo, resource), [], linkedSo, mode);
    else if (linkedSo && src.has("linkedtransaction")) {
      // Re-linked without new lines: match the existing lines to the new order.
      const room = new Map<number, number>();
      for (const line of data.lines as Json[]) line._soLineId = matchSoLine(linkedSo, null, line.item.id, line.quantity, resource, room);
    } else if (!linkedOf(data)) for (const line of data.lines as Json[]) if ("_soLineId" in line) line._soLineId = null;
  }

  // Control seeds may leave a transaction without customer or lines (deliberately odd data).
  if (!data.customer && !privileged(mode)) throw new SosError("customer is required");
  if (WITH_LINES.has(resource) && (data.lines as Json[]).length === 0 && !privileged(mode)) {
    throw new SosError(`A ${TX_TYPE[resource]} needs at least one line with an item`);
  }

  if (resource === "payment") {
    if (!src.has("amount") && creating && !privileged(mode)) throw new SosError("amount is required");
    return;
  }
  // [I] total = lines − discount + tax + shipping; shipments have no subTotal.
  const lineSum = round2((data.lines as Json[]).reduce((sum, l) => sum + l.amount, 0));
  if (resource === "shipment") data.total = round2(lineSum + data.shippingAmount);
  else {
    data.subTotal = lineSum;
    if (!src.has("discountamount") && data.discountPercent) data.discountAmount = round2((lineSum * data.discountPercent) / 100);
    if (!src.has("taxamount") && data.taxPercent) data.taxAmount = round2(((lineSum - data.discountAmount) * data.taxPercent) / 100);
    data.total = round2(lineSum - data.discountAmount + data.taxAmount + data.shippingAmount);
  }

  if (resource === "salesorder" && privileged(mode) && src.has("closed")) data._closedOverride = toBool(src.get("closed"), "closed");
  if (resource === "invoice") {
    if (!src.has("duedate") && (creating || src.has("terms") || src.has("date"))) {
      const days = data.terms ? Number(account.tables.terms.get(data.terms.id)?.data.dueDays ?? 0) : 0;
      data.dueDate = data.date ? addDays(data.date, days) : null;
    }
    if (privileged(mode) && src.has("balance")) data._paidBefore = round2(data.total - toNumber(src.get("balance"), "balance"));
  }
}

/** Open (unshipped) quantity per item on one sales order: what `onSO` counts. */
function openQuantities(so: Stored | undefined): Map<number, number> {
  const open = new Map<number, number>();
  if (!so || so.data.closed || so.data.archived) return open;
  for (const line of so.data.lines as Json[]) {
    const left = Math.max(0, line.quantity - line.shipped);
    if (left > 0 && line.item) open.set(line.item.id, (open.get(line.item.id) ?? 0) + left);
  }
  return open;
}

function deriveClosed(so: Stored): void {
  const lines = so.data.lines as Json[];
  const override = so.data._closedOverride as boolean | undefined;
  so.data.closed = override ?? (lines.length > 0 && lines.every((l) => l.shipped >= l.quantity));
}

class Effects {
  private readonly touched = new Map<Stored, boolean>();
  private readonly items = new Map<number, Stored>();

  constructor(
    private readonly account: Account,
    private readonly self: Stored | null,
  ) {}

  /** Another record changed as a consequence of this write. */
  touch(rec: Stored, bump: boolean): void {
    if (rec === this.self) return;
    this.touched.set(rec, (this.touched.get(rec) ?? false) || bump);
  }

  /** Items whose quantities this write moved (their webhooks fire). */
  movedItems(): Stored[] {
    return [...this.items.values()];
  }

  moveItem(itemId: number, field: "onhand" | "onSO", delta: number): void {
    const item = this.account.tables.item.get(itemId);
    if (!item || delta === 0) return;
    item.data[field] = round2(item.data[field] + delta);
    item.data.available = round2(item.data.onhand - item.data.onSO);
    this.items.set(itemId, item);
  }

  commit(now: number): void {
    for (const item of this.items.values()) if (this.account.config.quantityChangeTouchesItem) this.touch(item, false);
    for (const [rec, bump] of this.touched) {
      rec.updatedAt = now;
      if (bump && this.account.config.sideEffectsBumpSyncToken) rec.data.syncToken++;
    }
  }
}

/** Adds (sign 1) or removes (sign −1) what a shipment, invoice or payment does to the records it links. */
function applyLinks(account: Account, resource: Resource, rec: Stored, sign: 1 | -1, fx: Effects): void {
  const data = rec.data;
  const linked = linkedOf(data);
  const so = linked?.resource === "salesorder" ? account.tables.salesorder.get(linked.id) : undefined;
  const toggle = (list: number[], id: number) => {
    const rest = list.filter((x) => x !== id);
    return sign === 1 ? [...rest, id] : rest;
  };
  if (resource === "shipment" || resource === "invoice") {
    const done = resource === "shipment" ? "shipped" : "invoiced";
    // What was done is recorded on the shipment, so undoing it does not depend on today's config.
    if (resource === "shipment" && sign === 1) data._stockMoved = account.config.shipmentsMoveStock;
    if (resource === "shipment" && data._stockMoved) {
      for (const line of data.lines as Json[]) fx.moveItem(line.item.id, "onhand", -sign * line.quantity);
    }
    if (so) {
      for (const line of data.lines as Json[]) {
        const soLine = (so.data.lines as Json[]).find((l) => l.id === line._soLineId);
        if (soLine) soLine[done] = round2(soLine[done] + sign * line.quantity);
      }
      const key = resource === "shipment" ? "_shipmentIds" : "_invoiceIds";
      so.data[key] = toggle(so.data[key], rec.id);
      fx.touch(so, true);
    }
  }
  if (resource === "payment" && linked) {
    const target = account.tables[linked.resource].get(linked.id);
    if (target) {
      target.data._paymentIds = toggle(target.data._paymentIds, rec.id);
      fx.touch(target, true);
      // An invoice's order lists the payment too [I].
      const invoiceSo = linked.resource === "invoice" ? linkedOf(target.data) : null;
      const order = invoiceSo ? account.tables.salesorder.get(invoiceSo.id) : undefined;
      if (order) {
        order.data._paymentIds = toggle(order.data._paymentIds, rec.id);
        fx.touch(order, true);
      }
    }
  }
}

function linkedOrderIds(account: Account, resource: Resource, data: Json | undefined): number[] {
  if (!data) return [];
  const linked = linkedOf(data);
  if (resource === "shipment" && linked?.resource === "salesorder") return [linked.id];
  return [];
}

/** Stores a write and applies its effects on linked records and item quantities. */
function commitWrite(account: Account, resource: Resource, existing: Stored | null, built: Built, mode: WriteMode): Stored {
  const now = simNow(account);
  const table = account.tables[resource];
  const rec: Stored = existing ?? { id: built.id ?? table.nextId, createdAt: built.createdAt ?? now, updatedAt: now, data: {} };
  const old = existing ? existing.data : undefined;
  const fx = new Effects(account, rec);

  // onSO follows the open quantity of every order this write can change.
  const orderIds = new Set<number>([...linkedOrderIds(account, resource, old), ...linkedOrderIds(account, resource, built.data)]);
  if (resource === "salesorder" && existing) orderIds.add(existing.id);
  const before = new Map([...orderIds].map((id) => [id, openQuantities(account.tables.salesorder.get(id))]));

  if (old && (resource === "shipment" || resource === "invoice" || resource === "payment")) applyLinks(account, resource, { ...rec, data: old }, -1, fx);
  rec.data = built.data;
  if (existing) {
    rec.data.syncToken = privileged(mode) && built.data.syncToken !== old!.syncToken ? built.data.syncToken : old!.syncToken + 1;
    rec.updatedAt = built.updatedAt ?? now;
    if (built.createdAt !== undefined) rec.createdAt = built.createdAt;
  } else {
    rec.updatedAt = built.updatedAt ?? rec.createdAt;
    table.set(rec);
  }
  if (resource === "salesorder") orderIds.add(rec.id);
  if (resource === "shipment" || resource === "invoice" || resource === "payment") applyLinks(account, resource, rec, 1, fx);

  for (const id of orderIds) {
    const so = account.tables.salesorder.get(id);
    if (!so) continue;
    deriveClosed(so);
    const after = openQuantities(so);
    const was = before.get(id) ?? new Map<number, number>();
    for (const itemId of new Set([...was.keys(), ...after.keys()])) fx.moveItem(itemId, "onSO", (after.get(itemId) ?? 0) - (was.get(itemId) ?? 0));
  }
  fx.commit(now);
  const moved = fx.movedItems();
  const qtyChanged = resource === "item" && (!old || old.onhand !== rec.data.onhand || old.available !== rec.data.available || JSON.stringify(old._byLocation) !== JSON.stringify(rec.data._byLocation));
  if (qtyChanged && old) moved.push(rec);
  if (moved.length > 0) notifyQuantities(account.webhookState, moved.map(itemQuantities), postJson);
  return rec;
}

/** What an `item.quantity_updated` notification carries of an item. */
function itemQuantities(item: Stored): ItemQuantities {
  const d = item.data;
  const byLocation = d._byLocation as Record<string, Json> | undefined;
  return { id: item.id, name: d.name, fullname: d.fullname ?? d.name, description: d.description ?? "", sku: d.sku ?? "", onhand: d.onhand, available: d.available, byLocation };
}

function writeRecord(account: Account, resource: Resource, existing: Stored | null, body: Json, mode: WriteMode): Stored {
  const built = buildRecord(account, resource, existing, body, mode);
  const rec = commitWrite(account, resource, existing, built, mode);
  if (resource === "customer" && rec.data.parent) {
    const parent = account.tables.customer.get(rec.data.parent.id);
    if (parent) parent.data.hasChildren = true;
  }
  return rec;
}

// ---------------------------------------------------------------------------
// Rendering

const S2_LINE_NAMES: Record<string, string> = { unitprice: "unitPrice", percentdiscount: "percentDiscount", duedate: "dueDate" };

function strip(data: Json): Json {
  const out: Json = {};
  for (const key in data) if (!key.startsWith("_")) out[key] = data[key];
  return out;
}

function linkedList(account: Account, resource: Resource, ids: number[]): Json[] {
  const out: Json[] = [];
  for (const id of ids) {
    const rec = account.tables[resource].get(id);
    if (!rec) continue;
    out.push(account.config.linkedListShape === "ref" ? { id, refNumber: rec.data.number } : { id, transactionType: TX_TYPE[resource], refNumber: rec.data.number });
  }
  return out;
}

function renderLine(account: Account, line: Json, so: Stored | undefined): Json {
  const out = strip(line);
  if ("_soLineId" in line) {
    const soLine = so ? (so.data.lines as Json[]).find((l) => l.id === line._soLineId) : undefined;
    out.linkedTransaction = so && soLine ? { id: so.id, transactionType: "SalesOrder", refNumber: so.data.number, linenumber: soLine.lineNumber } : null;
  }
  if (account.config.lineCasing === "s1") return out;
  const renamed: Json = {};
  for (const key in out) renamed[S2_LINE_NAMES[key] ?? key] = out[key];
  return renamed;
}

interface RenderOptions {
  summary?: boolean;
  /** Location id whose quantities an item shows (`?location=`). */
  locationId?: number;
}

function render(account: Account, resource: Resource, rec: Stored, opts: RenderOptions = {}): Json {
  const out: Json = { id: rec.id, ...strip(rec.data) };
  const data = rec.data;
  if (resource === "item" && opts.locationId !== undefined) {
    const byLocation = data._byLocation as Record<string, Json> | undefined;
    const mainId = account.tables.location.sorted().find((l) => l.data.defaultLocation)?.id;
    const figures = byLocation?.[String(opts.locationId)] ?? (byLocation === undefined && opts.locationId === mainId ? null : {});
    if (figures) {
      for (const key of QTY_FIELDS) out[key] = figures[key] ?? 0;
      if (figures.available === undefined) out.available = round2(out.onhand - out.onSO);
    }
  }
  if (resource === "customer" && account.config.customerAddressShape === "plain") {
    out.billing = { ...data.billing.address };
    out.shipping = { ...data.shipping.address };
  }
  const linked = linkedOf(data);
  if (linked) {
    const target = account.tables[linked.resource].get(linked.id);
    out.linkedTransaction = target ? { id: target.id, transactionType: TX_TYPE[linked.resource], refNumber: target.data.number } : null;
  }
  if (resource === "salesorder") {
    out.linkedInvoices = linkedList(account, "invoice", data._invoiceIds);
    out.linkedShipments = linkedList(account, "shipment", data._shipmentIds);
    out.linkedPayments = linkedList(account, "payment", data._paymentIds);
  }
  if (resource === "invoice") {
    out.linkedPayments = linkedList(account, "payment", data._paymentIds);
    const paid = (data._paymentIds as number[]).reduce((sum, id) => sum + Number(account.tables.payment.get(id)?.data.amount ?? 0), 0);
    out.balance = data.voided ? 0 : round2(data.total - data._paidBefore - paid);
    out.status = data.voided ? "Voided" : out.balance <= 0 ? "Paid" : out.balance < data.total ? "Partially Paid" : "Open";
  }
  if (WITH_LINES.has(resource)) {
    const so = linked?.resource === "salesorder" ? account.tables.salesorder.get(linked.id) : undefined;
    out.lines = (data.lines as Json[]).map((line) => renderLine(account, line, so));
  }
  if (!opts.summary) return out;
  const summary: Json = {};
  for (const key of SUMMARY_FIELDS[resource]) summary[key] = out[key];
  summary.summaryOnly = true;
  return summary;
}

// ---------------------------------------------------------------------------
// Responses

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json; charset=utf-8", ...headers } });
}

function noResource(): Response {
  return json({ status: "error", message: "No HTTP resource was found that matches the request URI" }, 404);
}

function unauthorized(): Response {
  return json({ status: "error", message: "Unauthorized" }, 401);
}

function listError(account: Account, message: string): Response {
  return json({ count: 0, totalCount: 0, status: "error", message, data: null }, account.config.errorHttpStatus);
}

function singleError(account: Account, message: string): Response {
  return json({ status: "error", message, data: null }, account.config.errorHttpStatus);
}

function single(account: Account, data: Json): Response {
  return json(account.config.singleEnvelope ? { status: "ok", message: null, data } : data);
}

const THROTTLE_MESSAGE_429 = "Too Many Requests. Please issue requests less frequently than 500ms.";

/** Throttle answers, so the request log can mark them (a 200 throttle looks like any 200). */
const throttleAnswers = new WeakSet<Response>();

function throttleResponse(mode: SosConfig["throttleMode"], retryAfterSec: number | null): Response {
  const headers: Record<string, string> = retryAfterSec === null ? {} : { "Retry-After": String(retryAfterSec) };
  const res =
    mode === "429"
      ? json({ status: "error", message: THROTTLE_MESSAGE_429 }, 429, headers)
      : mode === "400"
        ? json({ status: "error", message: "Request rejected: API throttle limit exceeded" }, 400, headers)
        : json({ count: 0, totalCount: 0, status: "error", message: "Throttle limit exceeded", data: null }, 200, headers);
  throttleAnswers.add(res);
  return res;
}


// ---------------------------------------------------------------------------
// Vendor pipeline: record → latency → faults → (OAuth | auth → throttle → API)

function routeKey(method: string, path: string): string {
  const segments = path.replace(/^\/+|\/+$/g, "").split("/");
  const head = segments[0]?.toLowerCase() ?? "";
  if (head === "oauth2") return `${method} /${segments.join("/").toLowerCase()}`;
  const shown = segments.map((s, i) => (i === 1 && /^\d+$/.test(s) ? "{id}" : i === 0 ? s.toLowerCase() : s));
  return `${method} /${shown.join("/")}`;
}

async function handleVendor(account: Account, req: Request, url: URL, path: string): Promise<Response> {
  const method = req.method.toUpperCase();
  const oauth = path.toLowerCase().startsWith("/oauth2");
  const stats = account.stats;
  const key = routeKey(method, path);
  stats.byRoute[key] = (stats.byRoute[key] ?? 0) + 1;
  if (!oauth) stats.calls++;
  const entry: Stats["requests"][number] = { method, path: oauth ? path : `/api/v2${path}`, query: [...url.searchParams], at: new Date(simNow(account)).toISOString() };
  stats.requests.push(entry);
  if (stats.requests.length > MAX_LOGGED_REQUESTS) stats.requests.splice(0, stats.requests.length - MAX_LOGGED_REQUESTS);

  account.inFlight++;
  stats.maxInFlight = Math.max(stats.maxInFlight, account.inFlight);
  try {
    const res = await answerVendor(account, req, url, method, path, oauth);
    entry.status = res.status;
    // A throttle inside a 200 (SOS's own shape) is told apart for pacing tests.
    if (throttleAnswers.has(res)) entry.throttled = true;
    return res;
  } finally {
    account.inFlight--;
  }
}

async function answerVendor(account: Account, req: Request, url: URL, method: string, path: string, oauth: boolean): Promise<Response> {
  const stats = account.stats;
  await sleep(account.config.latencyMs, req.signal);
  const faulted = await applyFault(account, method, path, req.signal);
  if (faulted) return faulted;
  if (oauth) return await handleOAuth(account, req, url, method, path);

  const token = /^Bearer\s+(\S+)$/i.exec(req.headers.get("Authorization") ?? "")?.[1];
  const access = token === undefined ? undefined : account.access.get(token);
  if (!access || access.expiresAt <= simNow(account)) {
    stats.unauthorized++;
    return unauthorized();
  }
  const throttled = admitThrottle(account, token!);
  if (throttled) return throttled;
  return await handleApi(account, req, url, method, path);
}

/** Token bucket; a refused request takes no token, so a client that backs off recovers at the refill rate. */
function admitThrottle(account: Account, token: string): Response | null {
  const cfg = account.config;
  if (!cfg.throttle) return null;
  const key = cfg.throttleScope === "account" ? "" : token;
  const now = simNow(account);
  const bucket = account.buckets.get(key) ?? { tokens: cfg.burst, at: now };
  bucket.tokens = Math.min(cfg.burst, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * cfg.requestsPerSecond);
  bucket.at = now;
  account.buckets.set(key, bucket);
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return null;
  }
  account.stats.throttled.total++;
  account.stats.throttled[cfg.throttleMode]++;
  const wait = cfg.retryAfterHeader ? Math.max(1, Math.ceil((1 - bucket.tokens) / cfg.requestsPerSecond)) : null;
  return throttleResponse(cfg.throttleMode, wait);
}

// ---------------------------------------------------------------------------
// OAuth2 (§2)

function randomToken(bytes: number): string {
  const buf = new Uint8Array(bytes);
  crypto.getRandomValues(buf);
  let text = "";
  for (const b of buf) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function oauthError(status: number, error: string, description: string): Response {
  return json({ error, error_description: description }, status, { "Cache-Control": "no-store" });
}

async function handleOAuth(account: Account, req: Request, url: URL, method: string, path: string): Promise<Response> {
  const endpoint = path.toLowerCase().replace(/\/+$/, "");
  if (endpoint === "/oauth2/authorize" && method === "GET") return authorize(account, url);
  if (endpoint === "/oauth2/token" && method === "POST") return tokenEndpoint(account, req);
  return noResource();
}

function issueCode(account: Account, clientId: string, redirectUri: string): string {
  const code = randomToken(24);
  account.codes.set(code, { clientId, redirectUri, expiresAt: simNow(account) + account.config.codeTtlSeconds * 1000, used: false });
  return code;
}

function redirectTo(redirectUri: string, params: Record<string, string | null>): Response {
  const target = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== null) target.searchParams.set(k, v);
  return new Response(null, { status: 302, headers: { Location: target.toString() } });
}

/** The user's login and consent happen here in one step (config `consent`). */
function authorize(account: Account, url: URL): Response {
  const q = url.searchParams;
  const cfg = account.config;
  const redirectUri = q.get("redirect_uri");
  const state = q.get("state");
  // Errors about the client or redirect_uri are shown, never redirected (RFC 6749 §4.1.2.1).
  if (q.get("client_id") !== cfg.clientId) return oauthError(400, "invalid_client", "Unknown client_id");
  if (!redirectUri || !URL.canParse(redirectUri)) return oauthError(400, "invalid_request", "redirect_uri is missing or not an absolute URL");
  if (cfg.redirectUris && !cfg.redirectUris.includes(redirectUri)) return oauthError(400, "invalid_request", "redirect_uri is not registered for this client");
  if (q.get("response_type") !== "code") return redirectTo(redirectUri, { error: "unsupported_response_type", state });
  if (cfg.consent === "deny") return redirectTo(redirectUri, { error: "access_denied", state });
  account.stats.authorizations++;
  return redirectTo(redirectUri, { code: issueCode(account, cfg.clientId, redirectUri), state });
}

async function readTokenParams(req: Request): Promise<Map<string, string>> {
  const text = await bodyText(req);
  const params = new Map<string, string>();
  const type = req.headers.get("Content-Type") ?? "";
  if (/json/i.test(type) || text.trim().startsWith("{")) {
    try {
      const body = JSON.parse(text) as unknown;
      if (body && typeof body === "object") {
        for (const [k, v] of Object.entries(body)) if (v !== null && v !== undefined) params.set(k, String(v));
      }
      return params;
    } catch {
      return params;
    }
  }
  for (const [k, v] of new URLSearchParams(text)) params.set(k, v);
  return params;
}

function basicCredentials(req: Request): { id: string; secret: string } | null {
  const m = /^Basic\s+(\S+)$/i.exec(req.headers.get("Authorization") ?? "");
  if (!m) return null;
  try {
    const decoded = atob(m[1]);
    const at = decoded.indexOf(":");
    return at < 0 ? null : { id: decodeURIComponent(decoded.slice(0, at)), secret: decodeURIComponent(decoded.slice(at + 1)) };
  } catch {
    return null;
  }
}

function issueTokens(account: Account, refreshToken: string | null): Json {
  const cfg = account.config;
  const now = simNow(account);
  const accessToken = randomToken(225); // ~300 URL-safe characters, opaque, like SOS's
  account.access.set(accessToken, { expiresAt: now + cfg.accessTokenTtlSeconds * 1000 });
  let refresh = refreshToken;
  if (refresh === null) {
    refresh = randomToken(48);
    account.refresh.set(refresh, { expiresAt: cfg.refreshTokenTtlSeconds === null ? null : now + cfg.refreshTokenTtlSeconds * 1000, revoked: false, accessToken });
  } else {
    account.refresh.get(refresh)!.accessToken = accessToken;
  }
  const body: Json = { access_token: accessToken, token_type: cfg.tokenType, expires_in: cfg.accessTokenTtlSeconds, refresh_token: refresh };
  if (cfg.refreshTokenTtlSeconds !== null) body.refresh_expires_in = cfg.refreshTokenTtlSeconds;
  return body;
}

async function tokenEndpoint(account: Account, req: Request): Promise<Response> {
  const cfg = account.config;
  const stats = account.stats;
  const params = await readTokenParams(req);
  const basic = basicCredentials(req);
  const clientId = params.get("client_id") ?? basic?.id;
  const clientSecret = params.get("client_secret") ?? basic?.secret;
  const clientOk = clientId === cfg.clientId && clientSecret === cfg.clientSecret;
  const grant = params.get("grant_type");
  const now = simNow(account);
  const noStore = { "Cache-Control": "no-store", Pragma: "no-cache" };

  if (grant === "authorization_code") {
    const fail = (status: number, error: string, description: string) => {
      stats.tokenFailures++;
      return oauthError(status, error, description);
    };
    if (!clientOk) return fail(401, "invalid_client", "Client authentication failed");
    const codeText = params.get("code") ?? "";
    const code = account.codes.get(codeText);
    if (!code || code.clientId !== clientId) return fail(400, "invalid_grant", "The authorization code is invalid");
    if (code.used) return fail(400, "invalid_grant", "The authorization code has already been used");
    if (code.expiresAt <= now) return fail(400, "invalid_grant", "The authorization code has expired");
    if (params.get("redirect_uri") !== code.redirectUri) return fail(400, "invalid_grant", "redirect_uri does not match the one used to obtain the code");
    code.used = true;
    stats.tokenGrants++;
    return json(issueTokens(account, null), 200, noStore);
  }

  if (grant === "refresh_token") {
    const fail = (status: number, error: string, description: string) => {
      stats.refreshFailures++;
      return oauthError(status, error, description);
    };
    const sentClient = clientId !== undefined || clientSecret !== undefined;
    if ((cfg.refreshRequiresClientSecret || sentClient) && !clientOk) return fail(401, "invalid_client", "Client authentication failed");
    const used = params.get("refresh_token") ?? "";
    const record = account.refresh.get(used);
    if (!record || record.revoked) return fail(400, "invalid_grant", "The refresh token is invalid or has been revoked");
    if (record.expiresAt !== null && record.expiresAt <= now) return fail(400, "invalid_grant", "The refresh token has expired");
    if (record.rotatedAt !== undefined && now - record.rotatedAt >= cfg.reusableRefreshGraceMs) {
      return fail(400, "invalid_grant", "The refresh token has already been used");
    }
    stats.refreshes++;
    if (cfg.refreshRevokesAccessToken) account.access.delete(record.accessToken);
    if (!cfg.rotateRefreshTokens) {
      const body = issueTokens(account, used);
      if (cfg.omitUnchangedRefreshToken) delete body.refresh_token;
      return json(body, 200, noStore);
    }
    record.rotatedAt ??= now;
    return json(issueTokens(account, null), 200, noStore);
  }

  stats.tokenFailures++;
  return oauthError(400, "unsupported_grant_type", `grant_type must be authorization_code or refresh_token`);
}

// ---------------------------------------------------------------------------
// API resources (§5–§13)

/** Bytes decoded as UTF-8 whatever the Content-Type says (clients send JSON labelled form-urlencoded, §1). */
async function bodyText(req: Request): Promise<string> {
  return new TextDecoder().decode(await req.arrayBuffer());
}

async function readJsonBody(req: Request): Promise<Json> {
  const text = await bodyText(req);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new SosError("The request body is not valid JSON");
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) throw new SosError("The request body must be a JSON object");
  return body as Json;
}

async function handleApi(account: Account, req: Request, url: URL, method: string, path: string): Promise<Response> {
  const segments = path.replace(/^\/+|\/+$/g, "").split("/");
  const resource = segments[0].toLowerCase();
  if (resource === "hook" && segments.length <= 2) return hookApi(account, req, method, segments[1]);
  if (!isResource(resource) || segments.length > 2) return noResource();
  if (segments.length === 1) {
    if (method === "GET") return listRecords(account, resource, url);
    if (method === "POST") return createRecord(account, resource, req);
    return json({ status: "error", message: `The requested resource does not support http method '${method}'.` }, 405);
  }
  const id = /^\d+$/.test(segments[1]) ? Number(segments[1]) : NaN;
  const rec = account.tables[resource].get(id);
  if (method !== "GET" && method !== "PUT") {
    return json({ status: "error", message: `The requested resource does not support http method '${method}'.` }, 405);
  }
  if (!rec) return json({ status: "error", message: `${TX_TYPE[resource] ?? resource} ${segments[1]} not found` }, account.config.notFoundHttpStatus);
  if (method === "GET") {
    try {
      const locationId = itemLocation(account, resource, url);
      return single(account, render(account, resource, rec, { locationId }));
    } catch (error) {
      if (error instanceof SosError) return singleError(account, error.message);
      throw error;
    }
  }
  return updateRecord(account, resource, rec, req);
}

/** SOS's webhook subscriptions (sos-webhooks.ts). */
async function hookApi(account: Account, req: Request, method: string, id: string | undefined): Promise<Response> {
  let body: Json | null = null;
  if (method === "POST") {
    try {
      body = await readJsonBody(req);
    } catch (error) {
      if (error instanceof SosError) return singleError(account, error.message);
      throw error;
    }
  }
  const answer = hookRoute(account.webhookState, method, id, body);
  if (answer.ok) return Array.isArray(answer.data) ? json({ count: answer.data.length, totalCount: answer.data.length, status: "ok", message: null, data: answer.data }) : single(account, answer.data as Json);
  return answer.status === 400 ? singleError(account, answer.message) : json({ status: "error", message: answer.message }, answer.status);
}

async function createRecord(account: Account, resource: Resource, req: Request): Promise<Response> {
  try {
    const body = await readJsonBody(req);
    const rec = writeRecord(account, resource, null, body, "create");
    return single(account, render(account, resource, rec));
  } catch (error) {
    if (error instanceof SosError) return singleError(account, error.message);
    throw error;
  }
}

async function updateRecord(account: Account, resource: Resource, rec: Stored, req: Request): Promise<Response> {
  try {
    const body = await readJsonBody(req);
    const given = getCi(body, "syncToken");
    const missing = given === undefined || given === null || given === "";
    if (missing ? account.config.requireSyncToken : Number(given) !== rec.data.syncToken) throw new SosError(account.config.staleSyncTokenMessage);
    const updated = writeRecord(account, resource, rec, body, "put");
    return single(account, render(account, resource, updated));
  } catch (error) {
    if (error instanceof SosError) return singleError(account, error.message);
    throw error;
  }
}

function itemLocation(account: Account, resource: Resource, url: URL): number | undefined {
  if (resource !== "item") return undefined;
  const name = lowerQuery(url).get("location");
  if (!name) return undefined;
  const loc = account.tables.location.sorted().find((l) => String(l.data.name).toLowerCase() === name.toLowerCase());
  if (!loc) throw new SosError(`Location not found: ${name}`);
  return loc.id;
}

/** Query names are matched case-insensitively (`customerId` and `customerID` both appear, §5). */
function lowerQuery(url: URL): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of url.searchParams) if (!out.has(k.toLowerCase())) out.set(k.toLowerCase(), v);
  return out;
}

const QUERY_FIELDS: Record<Resource, string[]> = {
  item: ["fullname", "description", "notes", "barcode", "sku", "vendorPartNumber", "tags"],
  customer: ["name", "fullname", "notes"],
  salesorder: ["number", "comment", "customerPO"],
  invoice: ["number", "comment", "customerPO"],
  shipment: ["number", "comment", "customerPO", "trackingNumber"],
  payment: ["number", "comment"],
  salesrep: ["firstName", "lastName"],
  pricetier: ["name"],
  location: ["name"],
  terms: ["name"],
};

function parseSince(account: Account, value: string, name: string): number {
  const parsed = parseVendorDate(value, account.config.timeZone);
  if (!parsed) throw new SosError(`Invalid ${name}: ${value}`);
  return parsed.epochMs;
}

function listRecords(account: Account, resource: Resource, url: URL): Response {
  const cfg = account.config;
  const q = lowerQuery(url);
  let rows: Stored[];
  let start: number;
  let max: number;
  let locationId: number | undefined;
  try {
    start = 1;
    if (q.has("start")) {
      const raw = q.get("start")!;
      if (!/^-?\d+$/.test(raw.trim()) || Number(raw) < 0) throw new SosError("start must be a positive row number");
      start = Number(raw);
      if (start === 0) {
        if (cfg.startZeroMode === "error") throw new SosError("start must be 1 or greater (rows are numbered from 1)");
        start = 1;
      }
    }
    max = 200;
    if (q.has("maxresults")) {
      const raw = q.get("maxresults")!;
      if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) throw new SosError("maxresults must be between 1 and 200");
      max = Number(raw);
      if (max > 200) {
        if (cfg.maxResultsMode === "error") throw new SosError("maxresults must be between 1 and 200");
        max = 200;
      }
    }
    locationId = itemLocation(account, resource, url);
    rows = filterRows(account, resource, q);
  } catch (error) {
    if (error instanceof SosError) return listError(account, error.message);
    throw error;
  }
  const summary = q.has("summary"); // a presence flag: summary=no still summarises (§5)
  const page = rows.slice(start - 1, start - 1 + max);
  const data = page.map((rec) => render(account, resource, rec, { summary, locationId }));
  runPageHooks(account, resource, Math.floor((start - 1) / max) + 1);
  return json({ count: data.length, totalCount: rows.length, status: "ok", message: null, data });
}

function filterRows(account: Account, resource: Resource, q: Map<string, string>): Stored[] {
  const cfg = account.config;
  const tests: Array<(rec: Stored) => boolean> = [];
  const text = (v: unknown) => String(v ?? "").toLowerCase();

  if (q.has("updatedsince")) {
    const since = parseSince(account, q.get("updatedsince")!, "updatedsince");
    tests.push((r) => r.updatedAt >= since);
  }
  if (q.has("createdsince")) {
    const since = parseSince(account, q.get("createdsince")!, "createdsince");
    tests.push((r) => r.createdAt >= since);
  }
  if (TRANSACTIONS.has(resource)) {
    for (const [key, op] of [
      ["from", 1],
      ["to", -1],
    ] as const) {
      const value = q.get(key);
      if (!value) continue;
      const bound = toNaive(account, value, key)!;
      tests.push((r) => r.data.date !== null && (op === 1 ? r.data.date >= bound : r.data.date <= bound));
    }
  }
  const archived = (q.get("archived") ?? (cfg.archivedDefault === "no" ? "no" : "")).toLowerCase();
  if (archived !== "") {
    if (!["yes", "no", "true", "false"].includes(archived)) throw new SosError("archived must be yes or no");
    const want = archived === "yes" || archived === "true";
    tests.push((r) => Boolean(r.data.archived) === want);
  }
  if (q.has("ids")) {
    const ids = q
      .get("ids")!
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (ids.some((s) => !/^\d+$/.test(s))) throw new SosError("ids must be a comma-separated list of ids");
    const set = new Set(ids.map(Number));
    tests.push((r) => set.has(r.id));
  }
  const query = q.get("query");
  if (query) {
    const needle = query.toLowerCase();
    tests.push((r) => QUERY_FIELDS[resource].some((field) => text(r.data[field]).includes(needle)) || text(r.data.customer?.name).includes(needle));
  }
  const name = q.get("name");
  if (name && resource !== "salesrep" && "name" in defaultsFor(resource)) {
    const needle = name.toLowerCase();
    const hit = (v: unknown) => (cfg.nameFilterMode === "exact" ? text(v) === needle : text(v).includes(needle));
    tests.push((r) => hit(r.data.name) || (resource === "customer" && hit(r.data.fullname)));
  }

  if (resource === "item") {
    const sku = q.get("sku");
    if (sku !== undefined) tests.push((r) => text(r.data.sku) === sku.toLowerCase());
    const type = q.get("type");
    if (type) tests.push((r) => text(r.data.type) === type.toLowerCase());
    const category = q.get("category");
    if (category) tests.push((r) => text(r.data.category?.name) === category.toLowerCase());
    const tags = q.get("tags");
    if (tags) {
      const wanted = tags.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean);
      tests.push((r) => {
        const have = text(r.data.tags).split(",").map((t) => t.trim());
        return wanted.some((t) => have.includes(t));
      });
    }
  }
  if (resource === "customer") {
    const email = q.get("email");
    if (email) tests.push((r) => text(r.data.email) === email.toLowerCase());
  }
  if (resource === "salesorder") {
    const status = q.get("status")?.toLowerCase();
    if (status) {
      if (status !== "open" && status !== "closed") throw new SosError("status must be open or closed");
      tests.push((r) => Boolean(r.data.closed) === (status === "closed"));
    }
  }
  if (resource === "invoice") {
    const status = q.get("status")?.toLowerCase();
    if (status) tests.push((r) => text(render(account, "invoice", r).status) === status || (status === "notvoided" && !r.data.voided));
  }
  if (resource === "salesorder" || resource === "shipment") {
    const location = q.get("location");
    if (location) tests.push((r) => text(r.data.location?.name) === location.toLowerCase());
  }
  if (resource === "shipment" || resource === "payment" || resource === "invoice") {
    const customerId = q.get("customerid");
    if (customerId) tests.push((r) => String(r.data.customer?.id ?? "") === customerId);
  }

  const all = account.tables[resource].sorted();
  return tests.length === 0 ? all.slice() : all.filter((r) => tests.every((t) => t(r)));
}

// ---------------------------------------------------------------------------
// Faults and page hooks (the SellerCloud simulator's semantics)

/**
 * `match` is "METHOD /path-prefix", case-insensitive, relative to `/api/v2` (which may be given);
 * `POST /oauth2/token` reaches the token endpoint. Every matching fault counts the call towards
 * its `after`; the first one past it fires. A fault with only `delayMs` slows the call and lets it through.
 */
async function applyFault(account: Account, method: string, path: string, signal: AbortSignal): Promise<Response | null> {
  const fault = takeFault(account, method, path);
  if (!fault) return null;
  await sleep(fault.delayMs ?? 0, signal);
  if (fault.status === undefined) return null;
  // A 401 stands for "the access token expired mid-run": the client must refresh.
  if (fault.status === 401) account.access.clear();
  if (fault.body !== undefined) {
    return typeof fault.body === "string"
      ? new Response(fault.body, { status: fault.status, headers: { "Content-Type": "text/plain; charset=utf-8" } })
      : json(fault.body, fault.status);
  }
  if (fault.status === 401) return unauthorized();
  if (fault.status === 429) return throttleResponse("429", null);
  // A bodiless 200 is SOS's throttle-in-200, the case a plain status cannot express.
  if (fault.status === 200) return throttleResponse("200-message", null);
  return json({ status: "error", message: "An error has occurred." }, fault.status);
}

const HookSchema = z.strictObject({
  resource: z.enum(RESOURCES),
  afterPage: z.number().int().positive(),
  edit: z.strictObject({ id: z.number().int().positive(), fields: z.record(z.string(), z.unknown()) }),
});

type Hook = z.infer<typeof HookSchema>;

/** "After page k of /<resource>, a user edits record x" (an unknown id is created). */
function runPageHooks(account: Account, resource: Resource, servedPage: number): void {
  const isDue = (hook: Hook) => hook.resource === resource && hook.afterPage === servedPage;
  const due = account.hooks.filter(isDue);
  account.hooks = account.hooks.filter((hook) => !isDue(hook));
  for (const hook of due) {
    const rec = account.tables[hook.resource].get(hook.edit.id);
    try {
      if (rec) writeRecord(account, hook.resource, rec, hook.edit.fields, "patch");
      else writeRecord(account, hook.resource, null, { ...hook.edit.fields, id: hook.edit.id }, "seed");
    } catch {
      // A hook that cannot apply is dropped; the list response was already computed.
    }
  }
}

// ---------------------------------------------------------------------------
// Control API

class ControlError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

interface ControlContext {
  account: Account;
  req: Request;
  resource: Resource;
  param: string;
}

async function readControlBody<T>(req: Request, schema: z.ZodType<T>): Promise<T> {
  let body: unknown;
  try {
    const text = await bodyText(req);
    body = text === "" ? {} : JSON.parse(text);
  } catch {
    throw new ControlError("body must be JSON");
  }
  const result = schema.safeParse(body);
  if (!result.success) throw new ControlError(z.prettifyError(result.error));
  return result.data;
}

function controlView(account: Account, resource: Resource, rec: Stored): Json {
  return { ...render(account, resource, rec), _createdAt: new Date(rec.createdAt).toISOString(), _updatedAt: new Date(rec.updatedAt).toISOString() };
}

/** Control resource names: the API's (`item`) or a plural (`items`). */
function controlResource(name: string): Resource | null {
  const lower = name.toLowerCase();
  if (isResource(lower)) return lower;
  if (lower.endsWith("s") && isResource(lower.slice(0, -1))) return lower.slice(0, -1) as Resource;
  return null;
}

const GenerateSchema = z.strictObject({
  count: z.number().int().min(0).max(100_000),
  prefix: z.string().default("SOS-"),
  /** First sequence number (SKU suffix). */
  start: z.number().int().min(1).default(1),
  archivedEvery: z.number().int().positive().optional(),
});

type ControlHandler = (ctx: ControlContext) => unknown;

const CONTROL_ROUTES: Array<{ method: string; path: string; handle: ControlHandler }> = [
  { method: "GET", path: "config", handle: ({ account }) => account.config },
  { method: "PUT", path: "config", handle: putConfig },
  { method: "PUT", path: "clock", handle: setClock },
  { method: "POST", path: "clock", handle: setClock },
  { method: "GET", path: "stats", handle: ({ account }) => account.stats },
  { method: "POST", path: "reset-stats", handle: resetStats },
  { method: "POST", path: "faults", handle: addFaults },
  { method: "POST", path: "hooks", handle: addHooks },
  { method: "PUT", path: "webhooks/config", handle: putWebhookConfig },
  { method: "GET", path: "webhooks", handle: ({ account }) => account.webhookState.webhooks },
  { method: "POST", path: "webhooks/deliveries", handle: ({ account }) => takeDeliveries(account.webhookState) },
  { method: "POST", path: "authorize-code", handle: authorizeCode },
  { method: "POST", path: "revoke-refresh-tokens", handle: revokeRefreshTokens },
  { method: "POST", path: "expire-access-tokens", handle: expireAccessTokens },
  { method: "POST", path: "reset", handle: resetAccount },
  { method: "POST", path: "items/generate", handle: generateItems },
  { method: "POST", path: "item/generate", handle: generateItems },
];

async function handleControl(account: Account, req: Request, subPath: string): Promise<Response> {
  const method = req.method.toUpperCase();
  try {
    for (const route of CONTROL_ROUTES) {
      if (route.method === method && route.path === subPath.toLowerCase()) {
        return json(await route.handle({ account, req, resource: "item", param: "" }));
      }
    }
    const [name, id, ...rest] = subPath.split("/");
    const resource = controlResource(name ?? "");
    if (resource && rest.length === 0) {
      const ctx = { account, req, resource, param: id ?? "" };
      if (id === undefined && method === "GET") return json(listControl(ctx));
      if (id === undefined && method === "POST") return json(await seedControl(ctx));
      if (id !== undefined && method === "GET") return json(controlView(account, resource, recordParam(ctx)));
      if (id !== undefined && method === "PATCH") return json(await patchControl(ctx));
    }
    return json({ error: `no control route ${method} ${subPath}` }, 404);
  } catch (error) {
    if (error instanceof ControlError) return json({ error: error.message }, error.status);
    if (error instanceof SosError) return json({ error: error.message }, 400);
    throw error;
  }
}

function resetStats({ account }: ControlContext): { ok: true } {
  account.stats = emptyStats();
  return { ok: true };
}

function resetAccount({ account }: ControlContext): { ok: true } {
  Object.assign(account, newAccount(account.name));
  return { ok: true };
}

async function putConfig({ account, req }: ControlContext): Promise<SosConfig> {
  const patch = await readControlBody(req, ConfigSchema.partial());
  account.config = { ...account.config, ...patch };
  return account.config;
}

async function setClock({ account, req }: ControlContext): Promise<{ offsetMs: number; now: string }> {
  const { offsetMs } = await readControlBody(req, z.strictObject({ offsetMs: z.number() }));
  account.config.clockOffsetMs = offsetMs;
  return { offsetMs, now: new Date(simNow(account)).toISOString() };
}

async function addFaults({ account, req }: ControlContext): Promise<{ pending: number }> {
  const { faults } = await readControlBody(req, z.strictObject({ faults: z.array(FaultSchema) }));
  account.faults.push(...faults.map((f) => toActiveFault(f, /^\/api\/v2(?=\/|$)/)));
  return { pending: account.faults.length };
}

async function addHooks({ account, req }: ControlContext): Promise<{ pending: number }> {
  const { hooks } = await readControlBody(req, z.strictObject({ hooks: z.array(HookSchema) }));
  account.hooks.push(...hooks);
  return { pending: account.hooks.length };
}

const WebhookConfigSchema = z.strictObject({
  delivery: z.enum(["post", "hold"]).optional(),
  hookIdField: z.enum(["id", "webhookId", "hookId"]).optional(),
  deliverTwice: z.boolean().optional(),
});

async function putWebhookConfig({ account, req }: ControlContext) {
  const patch = await readControlBody(req, WebhookConfigSchema);
  account.webhookState.webhookConfig = { ...WEBHOOK_DEFAULTS, ...account.webhookState.webhookConfig, ...patch };
  return account.webhookState.webhookConfig;
}

async function authorizeCode({ account, req }: ControlContext): Promise<{ code: string; redirectUri: string }> {
  const body = await readControlBody(req, z.strictObject({ redirectUri: z.url(), clientId: z.string().optional() }));
  return { code: issueCode(account, body.clientId ?? account.config.clientId, body.redirectUri), redirectUri: body.redirectUri };
}

function revokeRefreshTokens({ account }: ControlContext): { revoked: number } {
  let revoked = 0;
  for (const record of account.refresh.values()) {
    if (!record.revoked) revoked++;
    record.revoked = true;
  }
  return { revoked };
}

function expireAccessTokens({ account }: ControlContext): { expired: number } {
  const expired = account.access.size;
  account.access.clear();
  return { expired };
}

function listControl({ account, resource }: ControlContext): { data: Json[] } {
  return { data: account.tables[resource].sorted().map((rec) => controlView(account, resource, rec)) };
}

function recordParam({ account, resource, param }: ControlContext): Stored {
  const rec = /^\d+$/.test(param) ? account.tables[resource].get(Number(param)) : undefined;
  if (!rec) throw new ControlError(`no ${resource} ${param}`, 404);
  return rec;
}

/** Upserts by `id` (an unknown id creates that record); read-only fields, syncToken, createdAt/updatedAt may be given. */
async function seedControl(ctx: ControlContext): Promise<{ upserted: number; ids: number[] }> {
  const { account, req, resource } = ctx;
  const { records } = await readControlBody(req, z.strictObject({ records: z.array(z.record(z.string(), z.unknown())) }));
  const ids: number[] = [];
  for (const [index, body] of records.entries()) {
    try {
      const id = toId(getCi(body, "id"));
      const existing = id === null ? undefined : account.tables[resource].get(id);
      ids.push(writeRecord(account, resource, existing ?? null, body, existing ? "patch" : "seed").id);
    } catch (error) {
      if (error instanceof SosError) throw new ControlError(`records[${index}]: ${error.message}`);
      throw error;
    }
  }
  return { upserted: ids.length, ids };
}

/** A user's edit in the SOS UI: any field (quantities, closed, archived too), new syncToken and updatedAt. */
async function patchControl(ctx: ControlContext): Promise<Json> {
  const rec = recordParam(ctx);
  const fields = await readControlBody(ctx.req, z.record(z.string(), z.unknown()));
  delete fields.syncToken;
  const updated = writeRecord(ctx.account, ctx.resource, rec, fields, "patch");
  return controlView(ctx.account, ctx.resource, updated);
}

/**
 * Deterministic items `<prefix>000001…`, fast enough for tens of thousands. Quantities cycle
 * through edge cases: zero stock, negative available (onSO > onhand), onPO above available,
 * fractional stock, and non-inventory items without quantities.
 */
async function generateItems({ account, req }: ControlContext): Promise<{ generated: number; first?: number; last?: number }> {
  const { count, prefix, start, archivedEvery } = await readControlBody(req, GenerateSchema);
  const table = account.tables.item;
  const now = simNow(account);
  const template = defaultsFor("item");
  const firstId = table.nextId;
  for (let n = start; n < start + count; n++) {
    const sku = `${prefix}${String(n).padStart(6, "0")}`;
    let onhand = ((n * 37) % 120) + 1;
    let onSO = (n * 11) % Math.max(1, Math.floor(onhand / 2));
    let onPO = 0;
    let type = "Inventory Item";
    switch (n % 10) {
      case 0:
        onhand = 0;
        onSO = 0;
        break;
      case 1:
        onhand = 3;
        onSO = 7;
        break;
      case 2:
        onhand = 10;
        onSO = 4;
        onPO = 25;
        break;
      case 3:
        onhand = 0;
        onSO = 0;
        onPO = 12;
        break;
      case 4:
        onhand = 2.5;
        onSO = 0.5;
        break;
    }
    if (n % 50 === 0) {
      type = "Non-inventory";
      onhand = onSO = onPO = 0;
    }
    const price = round2(((n * 13) % 200) + 0.99);
    const id = table.nextId;
    // Spread over the past, one second apart, in sequence order.
    const stamp = now - (start + count - n) * 1000;
    table.set({
      id,
      createdAt: stamp,
      updatedAt: stamp,
      data: {
        ...template,
        name: `Item ${sku}`,
        fullname: `Item ${sku}`,
        description: `Generated item ${n}`,
        sku,
        barcode: String(100000000000 + n),
        type,
        onhand,
        available: round2(onhand - onSO),
        onSO,
        onPO,
        salesPrice: price,
        baseSalesPrice: price,
        purchaseCost: round2(price / 2),
        archived: archivedEvery !== undefined && n % archivedEvery === 0,
      },
    });
  }
  return count === 0 ? { generated: 0 } : { generated: count, first: firstId, last: table.nextId - 1 };
}
