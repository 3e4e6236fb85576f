"""Sandbox profiles: each place where the docs can be read two ways is one named switch.

`DEFAULT` is our best reading of the docs (docs/api-shapes.md): every test and notebook output
depends on it. `DOCUMENTED` answers the way the docs' own examples do wherever they differ from that
reading. A partner who learns how the real API behaves flips one field and keeps the rest:

    Sandbox(profile=dataclasses.replace(DOCUMENTED, lookup_item_keys="schema"))

References are to /work/shared/api/README.md (sections) and its examples/ (also in data/examples/).
Both profiles share the rest: orders carry all 17 Order Schema keys (README §7, null where the order
has none); a price fix from a total requires `customer_external_id` (README §6.1); a buy for a customer
the book does not know must carry the required customer fields (README §6.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["DEFAULT", "DOCUMENTED", "PROFILES", "OrderKeys", "PriceSides", "Profile", "resolve"]

#: "schema": the Order Schema (README §7) as sell_response.json and get_order_alternative_response.json
#: show it; "get_order_example": the shape of get_order_response.json (README §6.4)
OrderKeys = Literal["schema", "get_order_example"]
#: the order of the three prices of a SKU in every price answer
PriceSides = Literal["buy>spot>sell", "spot>buy>sell"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    """How the sandbox answers where the docs disagree with themselves; one field per difference.

    Only the fields `DOCUMENTED` changes are differences; `list_like_lookup` and `buy_tx_type` are the
    same in both profiles and record a choice the docs leave open, so it can be flipped as well.
    """

    #: the profile's name (`Sandbox(profile=...)`, `minted-lab sandbox --profile NAME`)
    name: str = "default"
    #: top-level keys of Get Order (GET /partner/order/{id}) and Get Order (Alternative) (POST
    #: /partner/order). "get_order_example" (examples/get_order_response.json, README §6.4): adds
    #: `channel: "partner"`, `tx_type` and `price_token` (the token the order was placed with, null for
    #: seeded history, which had none), drops `type`, `currency_code` and `order_at`; the other Order
    #: Schema keys the example does not show (`payment_cost`, `payment_type`, `payment`, `delivery`,
    #: `address`, `description`) stay, null where the order has none (README §7).
    lookup_order_keys: OrderKeys = "schema"
    #: item keys of the same answers. "get_order_example" (examples/get_order_response.json items,
    #: README §6.4): no `sku`; `product_weight` (1: grams per unit of a digital product [I]),
    #: `currency_id` (the order currency's cash wallet id [I]), `currency_rate`, `currency_total`.
    lookup_item_keys: OrderKeys = "schema"
    #: the order list (GET /partner/orders, page not stored, README §6.4) and `Sandbox.orders()` show each
    #: order exactly as Get Order does. True in both profiles [I]: the list returns the same resource,
    #: and the only documented body of an order read is the Get Order example; False would show the
    #: Order Schema (examples/orders_list_response.inferred.json) whatever the lookup shape.
    list_like_lookup: bool = True
    #: `tx_type` of a Buy where orders carry `tx_type` (Sell is "sell", Delivery "delivery"). README §5.3:
    #: the walletable filter documents `tx_type=buy,sell,delivery`; get_order_response.json shows
    #: "oneoffpurchase" on one buy. "buy" keeps value and filter the same word; the list filter accepts
    #: this value too.
    buy_tx_type: str = "buy"
    #: 422s carry the `errors` field map [I] (docs/api-shapes.md). False: the message alone, as the only
    #: error bodies the docs imply (examples/error_422.inferred.json, README §4).
    error_fields: bool = True
    #: in Get Order answers a GBP order shows `currency_rate: null` and `currency_total: 0`, its items
    #: `currency_id: null, currency_rate: null, currency_total: 0` (examples/get_order_response.json, a
    #: GBP order); False shows rate 1 and the total, as sell_response.json does. Sell/buy answers always
    #: show rate 1 (sell_response.json).
    gbp_rate_null: bool = False
    #: "buy>spot>sell": executed buys are priced above spot (README §6.1, get_order_alternative_response.json).
    #: "spot>buy>sell": the price fix example (examples/pricefix_response.json, README §6.1 and §8.10).
    #: Either way a buy settles at `buy_price` and a sell at `sell_price`.
    price_sides: PriceSides = "buy>spot>sell"
    #: `status_name` of an order with `status_id: 1`. get_order_response.json shows "New" (README §5.3,
    #: §8.4); the Order Schema enum and the statuses table say "Created". The statuses table keeps
    #: "Created" in both profiles.
    status_1_name: str = "Created"
    #: the seeded history holds orders still `New` (status_id 1; examples/get_order_response.json); they
    #: moved no balance yet.
    history_new_orders: bool = False
    #: the seeded history holds card-paid customer buys: `payment_type: "credit-card"`, a `payment` object
    #: with a masked card number, and a `payment_cost` not added to `total`
    #: (examples/card_payment_get_order_response.json, README §6.4, §7 and §8.11).
    history_card_orders: bool = False
    #: the seeded history holds customer Delivery orders (`type: "Delivery"`, `tx_type: "delivery"`, the
    #: Order Schema `delivery` and `address` objects; README §5.3 and §7, examples/order_schema_skeleton.json).
    #: Their items are the grams shipped, priced at a delivery fee per gram [I].
    history_delivery_orders: bool = False

    def tx_type(self, order_type: str) -> str:
        """`tx_type` of an order of `order_type` (Buy, Sell or Delivery)."""
        return self.buy_tx_type if order_type == "Buy" else order_type.lower()


#: our best reading of the docs (docs/api-shapes.md)
DEFAULT = Profile()
#: the docs' own examples wherever they differ from our reading
DOCUMENTED = Profile(
    name="documented",
    lookup_order_keys="get_order_example",
    lookup_item_keys="get_order_example",
    error_fields=False,
    gbp_rate_null=True,
    price_sides="spot>buy>sell",
    status_1_name="New",
    history_new_orders=True,
    history_card_orders=True,
    history_delivery_orders=True,
)
PROFILES: dict[str, Profile] = {p.name: p for p in (DEFAULT, DOCUMENTED)}


def resolve(profile: str | Profile) -> Profile:
    """The profile of that name, or `profile` itself."""
    if isinstance(profile, Profile):
        return profile
    try:
        return PROFILES[profile]
    except KeyError:
        raise ValueError(f"unknown sandbox profile {profile!r} (one of: {', '.join(PROFILES)})") from None
