"""Vectorised generator of order-list pages exactly as `GET /partner/orders` returns them.

Every page is the API's envelope around a Laravel paginator of up to `per_page` orders
(docs/api-shapes.md, "Order list"). Numbers come in both JSON styles the API writes: integers
(`"amount":10`, `"tax":0`, `"currency_rate":1`) and decimals (`"amount":0.1234`,
`"price":55.9`, `"spot_price":34.7041`); `order_at` is `"DD-MM-YYYY HH:MM"` (Istanbul time).
The money follows the API conventions (buys above spot, sells below, item total =
round(price x amount, 2) half-up, order total = sum of item totals, currency_total =
round(total x currency_rate, 2)), computed in integers so the expected sums are exact.
"""

from __future__ import annotations

import numpy as np
import polars as pl

BASE = "https://api.staging.mintedconnect.com/partner/orders"
SKUS = ["GAU", "GAG", "GPT", "GPD", "BGAU", "BGAG"]
PRODUCT_IDS = [3000001, 3000002, 3000090, 3000091, 3000088, 3000089]
PRODUCT_NAMES = [
    "Gold - Digital storage",
    "Silver - Digital storage",
    "Platinum - Digital storage",
    "Palladium - Digital storage",
    "B Gold - Digital storage",
    "B Silver - Digital storage",
]
SKU_WEIGHTS = [0.45, 0.3, 0.1, 0.05, 0.05, 0.05]
SPOT_GBP_E4 = [612_300, 7_412, 241_500, 258_800, 612_300, 7_412]
CURRENCIES = ["GBP", "TRY", "USD", "EUR"]
RATE_E8 = [100_000_000, 1_912_045, 78_912_300, 84_710_250]
FIRST_NAMES = ["Ayşe", "Mehmet", "Zeynep", "Oliver", "Amelia", "Can"]
LAST_NAMES = ["Yılmaz", "Kaya", "Smith", "Gülbilge", "Jones", "Demir"]


def _upper_hex(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    raw = rng.integers(0, 16, size=(n, width), dtype=np.uint8)
    table = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)
    return np.ascontiguousarray(table[raw]).view(f"S{width}").ravel()


def _alnum(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    raw = rng.integers(0, 36, size=(n, width), dtype=np.uint8)
    table = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", dtype=np.uint8)
    return np.ascontiguousarray(table[raw]).view(f"S{width}").ravel()


def _num(col: pl.Expr, scale: int) -> pl.Expr:
    """Exact JSON text of a non-negative count of 10**-scale units: `10` when whole, else `0.1234`."""
    frac = (col % 10**scale).cast(pl.String).str.zfill(scale).str.strip_chars_end("0")
    whole = (col // 10**scale).cast(pl.String)
    return pl.when(col % 10**scale == 0).then(whole).otherwise(pl.concat_str([whole, pl.lit("."), frac]))


def _q(col: pl.Expr) -> pl.Expr:
    return pl.concat_str([pl.lit('"'), col, pl.lit('"')])


def _round_div(num: np.ndarray, den: int) -> np.ndarray:
    """Half-up integer division for non-negative numerators."""
    return (num + den // 2) // den


def generate(n_orders: int, per_page: int = 30, seed: int = 7) -> tuple[list[bytes], dict[str, object]]:
    """Return (page bodies, expected aggregates) for `n_orders` orders of 1-3 items each."""
    rng = np.random.default_rng(seed)
    n = n_orders
    n_items = rng.choice([1, 2, 3], size=n, p=[0.6, 0.3, 0.1])
    m = int(n_items.sum())
    order_of_item = np.repeat(np.arange(n), n_items)
    first_of_order = np.concatenate([[0], np.cumsum(n_items)[:-1]])
    line = np.arange(m) - first_of_order[order_of_item]

    is_buy = rng.random(n) < 0.55
    ccy = rng.choice(4, size=n, p=[0.55, 0.25, 0.1, 0.1])
    rate_e8 = np.asarray(RATE_E8, dtype=np.int64)[ccy]

    sku = rng.choice(6, size=m, p=SKU_WEIGHTS)
    drift = rng.integers(9_000, 11_000, size=m)
    spot_gbp_e4 = np.asarray(SPOT_GBP_E4, dtype=np.int64)[sku] * drift // 10_000
    spot_e4 = spot_gbp_e4 * 100_000_000 // rate_e8[order_of_item]
    spot_e4 = np.where(rng.random(m) < 0.5, spot_e4 // 100 * 100, spot_e4)
    spread_bp = rng.integers(150, 700, size=m)
    item_buy = is_buy[order_of_item]
    price_e2 = np.where(
        item_buy,
        _round_div(spot_e4 * (10_000 + spread_bp), 1_000_000),
        _round_div(spot_e4 * (10_000 - spread_bp), 1_000_000),
    )
    amount_e4 = np.where(
        item_buy,
        rng.integers(1, 2_000_000, size=m)
        // np.where(rng.random(m) < 0.3, 10_000, 1)
        * np.where(rng.random(m) < 0.3, 10_000, 1),
        rng.integers(1, 1_000, size=m) * 10_000,
    )
    amount_e4 = np.maximum(amount_e4, 1)
    total_e2 = _round_div(price_e2 * amount_e4, 10_000)
    order_total_e2 = np.zeros(n, dtype=np.int64)
    np.add.at(order_total_e2, order_of_item, total_e2)
    ccy_total_e2 = _round_div(order_total_e2 * rate_e8, 100_000_000)

    base_ts = np.datetime64("2023-01-01T00:00", "m").astype(np.int64)
    minutes = base_ts + np.sort(rng.integers(0, 3 * 365 * 24 * 60, size=n))
    status_completed = rng.random(n) < 0.9
    has_customer = rng.random(n) < 0.5
    cust_no = rng.integers(1, 5_000, size=n)

    items = pl.DataFrame(
        {
            "order": order_of_item,
            "line": line,
            "sku": np.asarray(SKUS)[sku],
            "product_id": np.asarray(PRODUCT_IDS)[sku],
            "product_name": np.asarray(PRODUCT_NAMES)[sku],
            "spot_e4": spot_e4,
            "price_e2": price_e2,
            "amount_e4": amount_e4,
            "total_e2": total_e2,
        }
    )
    item_json = items.select(
        pl.col("order"),
        pl.col("line"),
        pl.concat_str(
            [
                pl.lit('{"sku":"'),
                pl.col("sku"),
                pl.lit('","product_id":'),
                pl.col("product_id").cast(pl.String),
                pl.lit(',"product_name":"'),
                pl.col("product_name"),
                pl.lit('","spot_price":'),
                _num(pl.col("spot_e4"), 4),
                pl.lit(',"price":'),
                _num(pl.col("price_e2"), 2),
                pl.lit(',"tax_rate":0,"tax":0,"amount":'),
                _num(pl.col("amount_e4"), 4),
                pl.lit(',"total":'),
                _num(pl.col("total_e2"), 2),
                pl.lit("}"),
            ]
        ).alias("j"),
    )
    wide = item_json.pivot(on="line", index="order", values="j", sort_columns=True).sort("order")
    line_cols = [c for c in wide.columns if c != "order"]
    items_str = wide.select(pl.concat_str([pl.col(c) for c in line_cols], separator=",", ignore_nulls=True))

    first_sku = np.asarray(SKUS)[sku[first_of_order]]
    first_grams = (amount_e4[first_of_order] // 10_000).clip(min=1)
    orders = pl.DataFrame(
        {
            "guid": _upper_hex(rng, n, 32),
            "code": _alnum(rng, n, 8),
            "ext": np.char.add(b"EXT-", np.char.mod(b"%08d", np.arange(n)).astype("S")),
            "type": np.where(is_buy, "Buy", "Sell"),
            "total_e2": order_total_e2,
            "ccy": np.asarray(CURRENCIES)[ccy],
            "rate_e8": rate_e8,
            "ccy_total_e2": ccy_total_e2,
            "status_id": np.where(status_completed, 5, 2),
            "status_name": np.where(status_completed, "Completed", "Pending"),
            "at": minutes.astype("datetime64[m]").astype("datetime64[ms]"),
            "desc_grams": first_grams,
            "desc_sku": first_sku,
            "has_customer": has_customer,
            "cust_no": cust_no,
            "first": np.asarray(FIRST_NAMES)[cust_no % 6],
            "last": np.asarray(LAST_NAMES)[(cust_no // 6) % 6],
        }
    ).with_columns(pl.col("guid", "code", "ext").cast(pl.Binary).cast(pl.String), items=items_str.to_series())
    g = pl.col("guid")
    customer = pl.concat_str(
        [
            pl.lit('{"external_id":"C'),
            pl.col("cust_no").cast(pl.String),
            pl.lit('","firstname":"'),
            pl.col("first"),
            pl.lit('","middlename":null,"lastname":"'),
            pl.col("last"),
            pl.lit('","fullname":"'),
            pl.col("first"),
            pl.lit(" "),
            pl.col("last"),
            pl.lit('","email":"customer@example.com","phone":"+90532'),
            pl.col("cust_no").cast(pl.String).str.zfill(7),
            pl.lit('","gender":"F","identity_number":"1234567'),
            pl.col("cust_no").cast(pl.String).str.zfill(4),
            pl.lit('","birthdate":"1990-05-01"}'),
        ]
    )
    money = _num(pl.col("total_e2"), 2)
    order_json = orders.select(
        pl.concat_str(
            [
                pl.lit('{"guid":"'),
                g.str.slice(0, 8),
                pl.lit("-"),
                g.str.slice(8, 4),
                pl.lit("-"),
                g.str.slice(12, 4),
                pl.lit("-"),
                g.str.slice(16, 4),
                pl.lit("-"),
                g.str.slice(20, 12),
                pl.lit('","order_code":"'),
                pl.col("code"),
                pl.lit('","external_id":"'),
                pl.col("ext"),
                pl.lit('","type":"'),
                pl.col("type"),
                pl.lit('","price":'),
                money,
                pl.lit(',"tax":0,"total":'),
                money,
                pl.lit(',"payment_cost":0,"currency_code":"'),
                pl.col("ccy"),
                pl.lit('","currency_rate":'),
                _num(pl.col("rate_e8"), 8),
                pl.lit(',"currency_total":'),
                _num(pl.col("ccy_total_e2"), 2),
                pl.lit(',"status_id":'),
                pl.col("status_id").cast(pl.String),
                pl.lit(',"status_name":"'),
                pl.col("status_name"),
                pl.lit('","payment_type":"cash","payment":null,"order_at":"'),
                pl.col("at").dt.strftime("%d-%m-%Y %H:%M"),
                pl.lit('","description":"'),
                pl.col("desc_grams").cast(pl.String),
                pl.lit("gr - #"),
                pl.col("desc_sku"),
                pl.lit('","customer":'),
                pl.when(pl.col("has_customer")).then(customer).otherwise(pl.lit("null")),
                pl.lit(',"items":['),
                pl.col("items"),
                pl.lit("]}"),
            ]
        ).alias("j")
    )
    pages_df = (
        order_json.with_row_index("i")
        .group_by((pl.col("i") // per_page).alias("page"), maintain_order=True)
        .agg(pl.col("j").str.join(","), pl.len().alias("count"))
    )
    last_page = max(1, -(-n // per_page))
    pnum = pl.col("page") + 1
    url = pl.concat_str([pl.lit(BASE + "?page="), pnum.cast(pl.String)])
    prev_url = (
        pl.when(pnum > 1)
        .then(_q(pl.concat_str([pl.lit(BASE + "?page="), (pnum - 1).cast(pl.String)])))
        .otherwise(pl.lit("null"))
    )
    next_url = (
        pl.when(pnum < last_page)
        .then(_q(pl.concat_str([pl.lit(BASE + "?page="), (pnum + 1).cast(pl.String)])))
        .otherwise(pl.lit("null"))
    )
    start = pl.col("page") * per_page + 1
    body = pages_df.select(
        pl.concat_str(
            [
                pl.lit('{"data":{"current_page":'),
                pnum.cast(pl.String),
                pl.lit(',"data":['),
                pl.col("j"),
                pl.lit(f'],"first_page_url":"{BASE}?page=1","from":'),
                start.cast(pl.String),
                pl.lit(f',"last_page":{last_page},"last_page_url":"{BASE}?page={last_page}","links":[{{"url":'),
                prev_url,
                pl.lit(',"label":"&laquo; Previous","active":false},{"url":'),
                _q(url),
                pl.lit(',"label":"'),
                pnum.cast(pl.String),
                pl.lit('","active":true},{"url":'),
                next_url,
                pl.lit(',"label":"Next &raquo;","active":false}],"next_page_url":'),
                next_url,
                pl.lit(f',"path":"{BASE}","per_page":{per_page},"prev_page_url":'),
                prev_url,
                pl.lit(',"to":'),
                (start + pl.col("count") - 1).cast(pl.String),
                pl.lit(f',"total":{n}}},"success":true,"code":0,"message":""}}'),
            ]
        )
    ).to_series()
    pages = [s.encode() for s in body.to_list()]
    expected: dict[str, object] = {
        "orders": n,
        "items": m,
        "total_e2": int(order_total_e2.sum()),
        "currency_total_e2": int(ccy_total_e2.sum()),
        "item_total_e2": int(total_e2.sum()),
        "amount_e4": int(amount_e4.sum()),
        "spread_e4": int((price_e2 * 100 - spot_e4).sum()),
    }
    return pages, expected
