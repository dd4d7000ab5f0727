/**
 * SellerCloud simulator: an order's read shapes (docs/vendors/sellercloud-api.md §6) — the `MultipleOrderDataDto` list row and
 * `SingleOrderDataDto` — and the control API's view.
 */
import { formatLocal, type Instant } from "../zones";
import { round2 } from "./state";
import {
  PAYMENT_STATUS,
  SHIPPING_STATUS,
  adjustedPrice,
  lineTotal,
  mostExpensiveSku,
  shippingWeightOz,
  totalsOf,
  trackingNumbers,
  type OrderItemRecord,
  type OrderRecord,
  type PackageRecord,
} from "./orders";

// ---------------------------------------------------------------------------
// Rendering. Dates are offset-less wall time in the account zone, like product dates; unset ones
// are null ([I]: a real tenant may print 0001-01-01 for some).

function dateText(at: Instant | null, timeZone: string): string | null {
  return at ? formatLocal(at.epochMs, timeZone) : null;
}

const listRows = new WeakMap<OrderRecord, { timeZone: string; rendered: Record<string, unknown> }>();

/** `MultipleOrderDataDto` (§6 "List row"), in swagger field order. Shared: callers must not mutate it. */
export function renderListRow(order: OrderRecord, timeZone: string): Record<string, unknown> {
  const cached = listRows.get(order);
  if (cached?.timeZone === timeZone) return cached.rendered;
  const at = (instant: Instant | null) => dateText(instant, timeZone);
  const totals = totalsOf(order);
  const tracking = trackingNumbers(order);
  const shipTo = order.ShippingAddress;
  const rendered = {
    ID: order.ID,
    OrderSourceOrderID: order.OrderSourceOrderID,
    OrderSource: order.OrderSource,
    OrderSubType: order.OrderSubType,
    bRushOrder: order.bRushOrder,
    IsGiftOrder: order.IsGiftOrder,
    IsBlackListed: false,
    ShippingStatus: order.ShippingStatus,
    PaymentStatus: order.PaymentStatus,
    StatusCode: order.StatusCode,
    Dropship: order.Dropship,
    FirstName: order.FirstName,
    LastName: order.LastName,
    TimeOfOrder: at(order.TimeOfOrder),
    GrandTotal: totals.grandTotal,
    // [I]: the customer's business (billing company), not the SellerCloud company.
    CompanyName: order.BillingAddress.CompanyName,
    UserID: order.UserID,
    ShipDate: at(order.ShipDate),
    OrderShippingPromiseDate: at(order.OrderShippingPromiseDate),
    CreatedOn: at(order.CreatedOn),
    DeliveryDate: null,
    HomeCountryCode: 0,
    Country: shipTo.CountryCode,
    LastUpdated: at(order.LastUpdated),
    Payments: [],
    DestinationState: shipTo.StateCode,
    DestinationCountry: shipTo.CountryCode,
    ShippingAddress: order.ShippingAddress,
    BillingAddress: order.BillingAddress,
    OrderSiteCode: 0,
    ClientID: 0,
    CompanyID: order.CompanyID,
    EBaySellingManagerSalesRecordNumber: null,
    CompletedOrderID: null,
    OrderSourceUrl: null,
    Items: order.Items.map((item) => renderListItem(order, item, timeZone)),
    ShippingTotal: order.ShippingTotal,
    ShippingCarrier: order.ShippingCarrier,
    ShippingService: order.ShippingService,
    OrderDiscountsTotal: order.OrderDiscountsTotal,
    ShippingDiscountsTotal: order.ShippingDiscountsTotal,
    InsuranceTotal: order.InsuranceTotal,
    DeclaredValue: round2(order.Packages.reduce((sum, p) => sum + p.DeclaredValue, 0)),
    HandlingFee: order.HandlingFee,
    PaymentDate: at(order.PaymentDate),
    OrderCurrencyCode: order.OrderCurrencyCode,
    TrackingNumber: tracking[0] ?? null,
    AllTrackingNumbers: tracking,
    InvoicePrinted: false,
    InvoicePrintedDate: null,
    CustomerServiceStatus: 0,
    TaxRate: 0,
    TaxTotal: totals.tax,
    ShippingWeightTotalOz: shippingWeightOz(order),
    CustomerEmail: order.CustomerEmail,
    ShippingState: shipTo.StateCode,
    ShippingCountry: shipTo.CountryCode,
    FinalShippingFee: round2(order.Packages.reduce((sum, p) => sum + p.FinalShippingFee, 0)),
    FinalValueTotal: round2(order.Items.reduce((sum, item) => sum + item.FinalValueFee, 0)),
    ProductIDMostExpensiveInOrder: mostExpensiveSku(order),
    EstimatedDeliveryDate: null,
    RequireSignatureConfirmation: false,
    RelatedOrders: [],
  };
  listRows.set(order, { timeZone, rendered });
  return rendered;
}

/**
 * `MultipleOrderItemDto` (~150 fields in the swagger): the ones a client plausibly reads, in swagger
 * order, without the `ID1`/`Qty1`… duplicates (§6: a C# property-hiding artefact).
 */
function renderListItem(order: OrderRecord, item: OrderItemRecord, timeZone: string): Record<string, unknown> {
  const total = lineTotal(item);
  const shipped = order.ShippingStatus === SHIPPING_STATUS.FullyShipped;
  return {
    ID: item.ID,
    OrderID: order.ID,
    ProductID: item.ProductID,
    Qty: item.Qty,
    DisplayName: item.DisplayName,
    AdjustedSitePrice: adjustedPrice(item),
    QtyReturned: item.QtyReturned,
    QtyShipped: item.QtyShipped,
    OriginalBasePrice: item.SitePrice,
    SitePrice: item.SitePrice,
    SiteCost: item.SiteCost,
    LineTotal: total,
    LineTaxTotal: item.LineTaxTotal,
    StatusCode: order.StatusCode,
    Weight: item.Weight,
    Length: 0,
    Width: 0,
    Height: 0,
    DisplayDescription: null,
    ImageURL: null,
    ShippingCost: 0,
    ReferenceID: item.ReferenceID,
    FinalValueFee: item.FinalValueFee,
    IsBackOrder: false,
    BackOrderQty: 0,
    OriginalSKU: item.ProductID,
    IsDropShipped: false,
    Notes: item.Notes,
    ProductIDOriginal: item.ProductID,
    ShipFromWareHouseID: item.WarehouseID,
    ShippingTax: 0,
    DiscountType: item.DiscountType,
    DiscountAmount: item.DiscountValue,
    DiscountTotal: round2(item.SitePrice * item.Qty - total),
    ItemStatusCode: order.StatusCode,
    ItemPaymentStatus: order.PaymentStatus,
    ItemShippingStatus: order.ShippingStatus,
    QtyPicked: 0,
    ProductIDRequested: item.ProductID,
    OrderItemShipDate: shipped ? dateText(order.ShipDate, timeZone) : null,
    ProductName: item.DisplayName,
    ShadowOf: null,
    BundleItems: [],
  };
}

const singleOrders = new WeakMap<OrderRecord, { timeZone: string; rendered: Record<string, unknown> }>();

/** `SingleOrderDataDto` (§6), in swagger field order. Note the `Id` casing in `OrderDetails`. Shared: callers must not mutate it. */
export function renderSingleOrder(order: OrderRecord, timeZone: string): Record<string, unknown> {
  const cached = singleOrders.get(order);
  if (cached?.timeZone === timeZone) return cached.rendered;
  const at = (instant: Instant | null) => dateText(instant, timeZone);
  const totals = totalsOf(order);
  const paid = order.PaymentStatus === PAYMENT_STATUS.Charged ? totals.grandTotal : 0;
  const weightOz = shippingWeightOz(order);
  // [I]: no field says so; Wholesale (21) is the channel of wholesale orders.
  const wholesale = order.OrderSource === 21;
  const rendered = {
    OrderID: order.ID,
    OrderDetails: {
      CompanyId: order.CompanyID,
      ClientId: 0,
      SiteCode: 0,
      OrderSource: order.OrderSource,
      OrderSourceOrderId: order.OrderSourceOrderID,
      OrderSourceOrderIdUrl: null,
      EbaySellingManagerSalesRecordNumber: null,
      EbayUserId: null,
      EbayUserUrl: null,
      CustomerEmail: order.CustomerEmail,
      CustomerID: order.UserID,
      SalesRep1: order.SalesRep1,
      SalesRep2: 0,
      SalesRep3: 0,
      PromiseDate: at(order.OrderShippingPromiseDate),
      DisplayPromiseDate: order.OrderShippingPromiseDate !== null,
      EstimatedOrderDeliveryDate: null,
      CurrencyCode: order.OrderCurrencyCode,
      OrderDate: at(order.TimeOfOrder),
      CreatedOn: at(order.CreatedOn),
      OrderSubType: order.OrderSubType,
      EbayOrdersSource3: null,
      EbayOrdersSource3Url: null,
      DisableOrderSourceOrderID: false,
      IsOrderLocked: false,
      LockedByUser: null,
      LockedTimeLeft: 0,
      IsModified: false,
    },
    Statuses: {
      OrderStatus: order.StatusCode,
      ShippingStatus: order.ShippingStatus,
      PaymentStatus: order.PaymentStatus,
      RushOrder: order.bRushOrder,
      DropshipStatus: order.Dropship,
      CustomerServiceStatus: 0,
      IsDelivered: false,
      BackorderStatus: 0,
      IsInvoicePrinted: false,
      IsExported: false,
      InventoryDisabled: false,
      OkToProcess: 1,
      OkToShip: 1,
      QBExported: false,
      Confirmed: false,
      FeedbackReceived: false,
      ShippingVerified: false,
      ChannelNotifiedOfShipping: false,
      FinalSale: false,
      PickingStatus: 0,
      InPicklist: null,
      IsInvoiced: null,
      IsInGroup: null,
      IsBlackListed: false,
      SkubloxStatus: null,
      AddressVerifiedStatus: 0,
    },
    OrderItems: order.Items.map((item) => renderSingleItem(order, item)),
    RelatedOrders: [],
    TotalInfo: {
      SubTotal: totals.subTotal,
      Discount: order.OrderDiscountsTotal,
      PromoCode: null,
      ShippingDiscount: order.ShippingDiscountsTotal,
      Tax: totals.tax,
      TaxRate: 0,
      CustomTaxRate: 0,
      Shipping: order.ShippingTotal,
      Handling: order.HandlingFee,
      Insurance: order.InsuranceTotal,
      GiftWrap: 0,
      ShouldDisplayWrapFee: false,
      GrandTotal: totals.grandTotal,
      ForceUseFixedTaxAmount: false,
      IsModified: false,
    },
    PaymentOptions: {
      PaymentTerms: null,
      Total: totals.grandTotal,
      Received: paid,
      Uncleared: 0,
      Refunded: 0,
      RemainingDues: round2(totals.grandTotal - paid),
    },
    ShippingDetails: {
      ShippingStatus: order.ShippingStatus,
      Carrier: order.ShippingCarrier,
      Service: order.ShippingService,
      RushOrder: order.bRushOrder,
      RequirePINToShip: false,
      OrderShippingPromiseDate: at(order.OrderShippingPromiseDate),
      ShipDate: at(order.ShipDate),
      ShippingTotal: order.ShippingTotal,
      ShippingDiscountsTotal: order.ShippingDiscountsTotal,
      CostOfShipping: round2(order.Packages.reduce((sum, p) => sum + p.FinalShippingFee, 0)),
      EstShipWeight: { Pounds: Math.floor(weightOz / 16), Ounces: weightOz % 16 },
      ShippedBy: 0,
      ShippedByUser: null,
      ShippingLocation: 0,
      ShippingStation: 0,
      LockShippingMethod: false,
      AllowShippingWithoutPaymentValue: false,
      AllowShippingWithoutPaymentVisible: false,
      OtherCarrier: null,
      OtherMethed: null,
      RequestedShippingBy: null,
      MaximumOrderItemsToDisplaySetting: false,
      OrderItemCount: String(order.Items.length),
      IsModified: false,
    },
    OrderPackages: order.Packages.map((pkg) => renderPackage(order, pkg)),
    LastUpdated: at(order.LastUpdated),
    OrderSiteCode: null,
    OrderItemDiscountAllowed: true,
    EnableCaseQty: false,
    ShowProductImageOnOrderDetailPage: false,
    HideBackOrdersColumnInManageOrders: false,
    DisplayLocationNotesOnOrderItemsGrid: false,
    EnableWarehouseBins: false,
    EnableSecondSalesRep: false,
    RmaID: 0,
    IsWholeSaleOrder: wholesale,
    MostExpensiveSKU: mostExpensiveSku(order),
    RequirePinToSetCancelledOrdersToInProcess: false,
    ForceEnterCommentsWhenSettingOrderToOnHoldOrProblem: false,
    ShippingAddress: order.ShippingAddress,
    BillingAddress: order.BillingAddress,
    StoreType: 0,
    Payments: [],
    ProfitAndLoss: null,
    CustomColumns: [],
    GiftDetails: {
      IsGiftOrder: order.IsGiftOrder,
      IsWholeSaleOrder: wholesale,
      HasOrderItems: order.Items.length > 0,
      GiftDetails: { UseGiftWrap: false, GiftWrapFee: 0, GiftMessage: null, GiftWrapType: null },
    },
    RequireSignatureConfirmation: false,
  };
  singleOrders.set(order, { timeZone, rendered });
  return rendered;
}

/** `OrderItemDto` (single order): no QtyShipped here, unlike the list item. */
function renderSingleItem(order: OrderRecord, item: OrderItemRecord): Record<string, unknown> {
  return {
    ID: item.ID,
    OrderID: order.ID,
    ProductID: item.ProductID,
    _ProductIDInitial: item.ProductID,
    ProductIDOriginal: item.ProductID,
    ProductIDRequested: item.ProductID,
    ItemProductIdExists: true,
    DisplayName: item.DisplayName,
    DisplayDescription: null,
    ImageURL: null,
    Qty: item.Qty,
    TaxExempt: order.TaxExempt,
    SitePrice: item.SitePrice,
    PricePerCase: 0,
    TotalCases: 0,
    QtyPerCase: 0,
    EBayItemID: null,
    EBayItemUrl: null,
    InventoryAvailableQty: 0,
    WarehouseID: item.WarehouseID,
    BundleItems: [],
    BackOrderQty: 0,
    QtyReturned: item.QtyReturned,
    QtyPicked: 0,
    Notes: item.Notes,
    LineTotal: lineTotal(item),
    DiscountValue: item.DiscountValue,
    DiscountType: item.DiscountType,
    CanBeDeleted: order.ShippingStatus !== SHIPPING_STATUS.FullyShipped,
    AdjustedSitePrice: adjustedPrice(item),
    ShadowOf: null,
    LineTaxTotal: item.LineTaxTotal,
    ShippingCost: 0,
    ShippingTax: 0,
    RowStatus: 0,
    IsModified: false,
  };
}

/** `OrderPackageDto`; its items are those Create Shipping Packages put there ([I]: none otherwise). */
function renderPackage(order: OrderRecord, pkg: PackageRecord): Record<string, unknown> {
  return {
    ID: pkg.ID,
    TrackingNumber: pkg.TrackingNumber,
    TrackingNumberUrl: null,
    TrackingNumberText: pkg.TrackingNumber,
    Length: pkg.Length,
    Width: pkg.Width,
    Height: pkg.Height,
    Weight: pkg.Weight,
    ShippingCost: pkg.ShippingCost,
    FinalShippingFee: pkg.FinalShippingFee,
    EstimatedDeliveryDate: null,
    DeliveryDate: null,
    DeliveryStatus: pkg.Shipped ? 1 : 0,
    DeclaredValue: pkg.DeclaredValue,
    Items: pkg.Items.map((line) => {
      const item = order.Items.find((i) => i.ID === line.OrderItemID);
      return { PackageID: pkg.ID, OrderItemID: line.OrderItemID, OrderItemBundleItemID: 0, ProductID: item?.ProductID ?? null, Qty: line.Qty, ItemName: item?.DisplayName ?? null };
    }),
    EnableOrderShipmentTrackingAPI: false,
  };
}

/** The control API's view: the single order plus what only the list row or a benchmark needs. */
export function orderControlView(order: OrderRecord, timeZone: string): Record<string, unknown> {
  return {
    ...renderSingleOrder(order, timeZone),
    OrderSourceOrderID: order.OrderSourceOrderID,
    TimeOfOrder: dateText(order.TimeOfOrder, timeZone),
    Notes: order.Notes.map((note) => ({ ...note, AuditDate: dateText(note.AuditDate, timeZone) })),
    createdAtMs: order.createdAtMs,
  };
}
