"""Every check of ``minted-lab conformance``, in table order.

Each check confirms one fact a response can show: a documented one (``basis="documented"``: the
public pages, /work/shared/api/README.md's [D]) or one of our guesses (``basis="inferred"``: each
[I] choice of docs/api-shapes.md is its own check). Checks read raw answers (exact JSON, headers)
through the :class:`~minted_lab.conformance.context.Context`; they never see our models, except
the ``client.*`` checks, which ask whether minted_lab's own model for the row reads the answer.

Phases: reads run first (0), then the ``--trade`` round trip (1), then the checks over everything
seen (2: every order, every number, every date), so the orders just placed are checked too.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from minted_lab import catalog
from minted_lab.conformance.context import Context, kind
from minted_lab.conformance.model import Basis, Check, Differs, Outcome, Skip, Unreachable, differs, passed
from minted_lab.conformance.probe import Exchange
from minted_lab.conformance.trade import Leg
from minted_lab.endpoints import ENDPOINTS, Endpoint
from minted_lab.models import ParseContext

__all__ = ["CHECKS", "PHASES", "check_ids"]

CHECKS: list[Check] = []
#: check id -> phase (0 reads, 1 trade, 2 over everything seen)
PHASES: dict[str, int] = {}

ENVELOPE_KEYS: Final = ("data", "success", "code", "message")
#: README §5.1: sku -> (product_id, currency_id)
DOCUMENTED_SKUS: Final[dict[str, tuple[int, int]]] = {
    "GAU": (3000001, 1000004),
    "GAG": (3000002, 1000005),
    "BGAU": (3000088, 1000015),
    "BGAG": (3000089, 1000016),
    "GPT": (3000090, 1000017),
    "GPD": (3000091, 1000018),
}
#: README §5.3: the Order Schema's status_name enum, in its order
STATUS_NAMES: Final = (
    "Created",
    "Pending",
    "Processing",
    "Cancelled",
    "Completed",
    "Preparing",
    "Packed",
    "Shipped",
    "Transferring",
    "Refunding",
    "Refunded",
    "Payment Confirmed",
)
PRICEFIX_KEYS: Final = ("token", "total", "expires_at", "expire_ttl", "is_total_price", "prices", "currency")
PRICE_KEYS: Final = ("currency_id", "product_id", "spot_price", "buy_price", "sell_price", "buy_amount", "sku")
#: the Order Schema's required keys [D]
ORDER_REQUIRED: Final = ("guid", "order_code", "external_id", "type", "currency_code", "items")
#: docs/api-shapes.md "Order": the keys an order carries besides the required ones [I]
ORDER_CONTRACT: Final = (
    "price",
    "tax",
    "total",
    "payment_cost",
    "currency_rate",
    "currency_total",
    "status_id",
    "status_name",
    "payment_type",
    "payment",
    "delivery",
    "address",
    "order_at",
    "description",
    "customer",
)
ITEM_KEYS: Final = ("sku", "product_id", "product_name", "spot_price", "price", "tax_rate", "tax", "amount", "total")
CUSTOMER_KEYS: Final = (
    "external_id",
    "firstname",
    "middlename",
    "lastname",
    "fullname",
    "email",
    "phone",
    "gender",
    "identity_number",
    "birthdate",
)
PAGINATOR_KEYS: Final = (
    "current_page",
    "data",
    "first_page_url",
    "from",
    "last_page",
    "last_page_url",
    "links",
    "next_page_url",
    "path",
    "per_page",
    "prev_page_url",
    "to",
    "total",
)
WALLET_KEYS: Final = (
    "customer_external_id",
    "name",
    "currency_id",
    "currency_symbol",
    "currency_code",
    "is_cash",
    "balance",
    "blocked",
    "real_balance",
    "soft_blocked_amount",
    "stats",
    "prices",
)
CUSTOMER_WALLET_KEYS: Final = (
    "id",
    "customer_external_id",
    "currency_id",
    "currency_code",
    "name",
    "is_cash",
    "balance",
    "blocked",
    "real_balance",
    "soft_blocked_amount",
)
PRODUCT_PRICE_KEYS: Final = (
    "product_id",
    "sku",
    "product_name",
    "currency_id",
    "currency_code",
    "spot_price",
    "buy_price",
    "sell_price",
    "updated_at",
)
UPPER_UUID: Final = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")
ORDER_CODE: Final = re.compile(r"[A-Z0-9]{8}")
TOKEN: Final = re.compile(r"[A-Za-z0-9]{32}")
#: README §8: the four date-time forms
DATETIME_FORMATS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    ("YYYY-MM-DD HH:MM:SS", re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")),
    ("DD-MM-YYYY HH:MM", re.compile(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}")),
    ("ISO 8601 with offset", re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}")),
    ("ISO 8601 UTC (Z)", re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")),
)
DATE_FORMATS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    ("YYYY-MM-DD", re.compile(r"\d{4}-\d{2}-\d{2}")),
    ("DD-MM-YYYY", re.compile(r"\d{2}-\d{2}-\d{4}")),
)
#: fields that hold numbers, and how many decimals docs/api-shapes.md lets each have
DECIMALS: Final[dict[str, int]] = {
    **dict.fromkeys(("price", "tax", "total", "payment_cost", "currency_total", "buy_price", "sell_price"), 2),
    **dict.fromkeys(("comission", "refunded_amount"), 2),
    **dict.fromkeys(
        ("spot_price", "amount", "buy_amount", "balance", "blocked", "real_balance", "soft_blocked_amount"), 4
    ),
    "tax_rate": 4,
    "currency_rate": 6,
}
INTEGER_KEYS: Final = frozenset(
    {
        "product_id",
        "currency_id",
        "status_id",
        "expire_ttl",
        "company_id",
        "current_page",
        "last_page",
        "per_page",
        "from",
        "to",
        "code",
        "product_weight",
    }
)
HUNDREDTH: Final = Decimal("0.01")


def check(
    id: str, endpoint: str, basis: Basis, expected: str, *, phase: int = 0
) -> Callable[[Callable[[Context], Outcome]], Callable[[Context], Outcome]]:
    """Register a check (in table order)."""

    def register(fn: Callable[[Context], Outcome]) -> Callable[[Context], Outcome]:
        if id in PHASES:
            raise ValueError(f"duplicate check id {id}")
        CHECKS.append(Check(id, endpoint, basis, expected, fn, trade=phase == 1))
        PHASES[id] = phase
        return fn

    return register


def check_ids() -> list[str]:
    return [c.id for c in CHECKS]


# ------------------------------------------------------------------------------------ helpers


def text(value: Any) -> str:
    """A short display of a JSON value (numbers exactly)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str):
        return repr(value[:40])
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return kind(value)


def listed(items: Sequence[str], limit: int = 4) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")


def is_number(value: Any) -> bool:
    return isinstance(value, Decimal | int | float) and not isinstance(value, bool)


def num(value: Any) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))
    return None


def is_integer_literal(value: Any) -> bool:
    """A JSON integer (``0``, not ``0.0``)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, Decimal) and value.is_finite() and value.as_tuple().exponent >= 0  # type: ignore[operator]


def places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def missing(obj: Mapping[str, Any], keys: Sequence[str]) -> list[str]:
    return [k for k in keys if k not in obj]


#: how each README §8 form is read (naive ones are the API's Istanbul time)
_STRPTIME: Final = {"YYYY-MM-DD HH:MM:SS": "%Y-%m-%d %H:%M:%S", "DD-MM-YYYY HH:MM": "%d-%m-%Y %H:%M"}


def moment(value: Any) -> datetime | None:
    """A date-time in one of README §8's forms as an aware datetime; None when it is none of them."""
    if not isinstance(value, str):
        return None
    for name, pattern in DATETIME_FORMATS:
        if not pattern.fullmatch(value):
            continue
        try:
            if name in _STRPTIME:
                return datetime.strptime(value, _STRPTIME[name]).replace(tzinfo=catalog.API_TIME_ZONE)
            return datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
        except ValueError:
            return None
    return None


def datetime_format(value: Any) -> str | None:
    """The README §8 form a date-time string has (and is a real time in), or None."""
    if moment(value) is None:
        return None
    return next(name for name, pattern in DATETIME_FORMATS if pattern.fullmatch(str(value)))


def date_format(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    for name, pattern in DATE_FORMATS:
        if pattern.fullmatch(value):
            return name
    return None


def walk_json(
    value: Any, key: str | None = None, parent: str | None = None
) -> Iterator[tuple[str | None, str | None, Any]]:
    """Every (key, parent key, value) of a JSON value, depth first."""
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield str(k), key, v
            yield from walk_json(v, str(k), key)
    elif isinstance(value, list):
        for v in value:
            yield from walk_json(v, key, parent)


def json_answers(ctx: Context) -> list[tuple[Exchange, Any]]:
    """Every answer of the run that is JSON."""
    out = []
    for exchange in ctx.answers:
        if not exchange.answered:
            continue
        try:
            out.append((exchange, exchange.json()))
        except ValueError:
            continue
    return out


def order_name(order: Mapping[str, Any]) -> str:
    return str(order.get("order_code") or order.get("guid") or "an order")[:40]


#: ``tx_type`` values (README §5.3, the Get Order example) and the order type each means
TX_TYPES: Final = {"buy": "Buy", "oneoffpurchase": "Buy", "sell": "Sell", "delivery": "Delivery"}


def order_type(order: Mapping[str, Any]) -> str | None:
    """``type``, or what ``tx_type`` says when an order has no ``type`` (the documented Get Order)."""
    if "type" in order:
        value = order.get("type")
        return value if isinstance(value, str) else None
    tx_type = order.get("tx_type")
    return TX_TYPES.get(tx_type.lower()) if isinstance(tx_type, str) else None


def item_sku(item: Mapping[str, Any]) -> str | None:
    """An item's SKU, or the SKU of its product id when it names none (the documented Get Order)."""
    sku = item.get("sku")
    if isinstance(sku, str):
        return sku
    product = num(item.get("product_id"))
    return catalog.SKU_BY_PRODUCT_ID.get(int(product)) if product is not None else None


def over_orders(
    ctx: Context,
    problem: Callable[[Mapping[str, Any]], str | None],
    what: str,
    key: str | None = None,
) -> Outcome:
    """Apply ``problem`` to every order seen: pass when none has one. With ``key``, only the orders
    carrying that key are looked at (its absence is order.required_keys' or order.contract_keys' row)."""
    orders = ctx.all_orders()
    if key is not None:
        orders = [(source, order) for source, order in orders if key in order]
        if not orders:
            raise Skip(f"no order carries {key} (see order.required_keys and order.contract_keys)")
    found = []
    for source, order in orders:
        try:
            issue = problem(order)
        except Exception as exc:  # one odd order is that order's problem, not the run's
            issue = f"unreadable ({type(exc).__name__}: {str(exc)[:60]})"
        if issue:
            found.append(f"{order_name(order)} via {source}: {issue}")
    sources = Counter(source for source, _ in orders)
    seen = ", ".join(f"{n} from {s}" for s, n in sources.items())
    if found:
        return differs(f"{len(found)} of {len(orders)} orders: " + listed(found, 3))
    return passed(f"{len(orders)} orders ({seen}): {what}")


def envelope_outcome(ctx: Context, exchange: Exchange) -> Outcome:
    body = ctx.envelope(exchange)
    problems = []
    absent = missing(body, ENVELOPE_KEYS)
    if absent:
        problems.append("no " + ", ".join(absent))
    if exchange.status != 200:
        problems.append(f"HTTP {exchange.status}")
    if "success" in body and body["success"] is not True:
        problems.append(f"success {text(body['success'])}")
    if "code" in body and not (is_number(body["code"]) and num(body["code"]) == 0):
        problems.append(f"code {text(body['code'])}")
    if "message" in body and body["message"] != "":
        problems.append(f"message {text(body['message'])}")
    extra = sorted(set(body) - set(ENVELOPE_KEYS))
    note = f" (also {', '.join(extra)})" if extra else ""
    if problems:
        return differs("; ".join(problems) + note)
    return passed(f"HTTP 200, success true, code 0, message empty{note}")


def register_envelope(endpoint: str, get: Callable[[Context], Exchange]) -> None:
    check(f"envelope.{endpoint}", endpoint, "documented", 'HTTP 200 {data, success: true, code: 0, message: ""}')(
        lambda ctx: envelope_outcome(ctx, get(ctx))
    )


def register_client(endpoint: str, get: Callable[[Context], Exchange]) -> None:
    row: Endpoint[Any] = ENDPOINTS[endpoint]
    model = row.model.__name__
    basis: Basis = "inferred" if row.guess else "documented"
    reads = f"a list of {model}" if row.shape == "many" else model

    def run(ctx: Context) -> Outcome:
        data = ctx.data(get(ctx))
        parse = ParseContext()
        try:
            if row.shape == "many":
                if not isinstance(data, list):
                    return differs(f"data is a JSON {kind(data)}, not a list")
                for element in data:
                    row.model.from_api(element, parse)
                return passed(f"{len(data)} read as {model}")
            row.model.from_api(data, parse)
        except Exception as exc:
            return differs(f"{model} cannot read it: {str(exc)[:120]}")
        return passed(f"read as {model}")

    check(f"client.{endpoint}", endpoint, basis, f"minted_lab reads data as {reads} (the endpoint table's model)")(run)


def sides_problems(rows: Sequence[Mapping[str, Any]]) -> tuple[list[str], int]:
    """SKUs whose prices are not ``buy > spot > sell`` (docs/api-shapes.md), and how many were compared."""
    bad, compared = [], 0
    for row in rows:
        spot, buy, sell = num(row.get("spot_price")), num(row.get("buy_price")), num(row.get("sell_price"))
        sku = str(row.get("sku"))
        if spot is None or buy is None or sell is None:
            bad.append(f"{sku}: not three numbers")
            continue
        compared += 1
        if not buy > spot > sell:
            relation = (
                "spot > buy > sell"
                if spot > buy > sell
                else f"buy {format(buy, 'f')}, spot {format(spot, 'f')}, sell {format(sell, 'f')}"
            )
            bad.append(f"{sku}: {relation}")
    return bad, compared


def wallet_problems(rows: Sequence[Any], owner: str | None, *, documented_only: bool = False) -> list[str]:
    problems = []
    codes = set(DOCUMENTED_SKUS) | set(catalog.CURRENCIES)
    for row in rows:
        if not isinstance(row, Mapping):
            problems.append(f"a wallet is a JSON {kind(row)}")
            continue
        code = str(row.get("currency_code"))
        absent = missing(row, WALLET_KEYS)
        if absent:
            problems.append(f"{code}: no {', '.join(absent)}")
        if documented_only:
            continue
        if row.get("customer_external_id") != owner:
            problems.append(f"{code}: customer_external_id {'not null' if owner is None else 'not the asked id'}")
        if code not in codes:
            problems.append(f"currency_code {text(row.get('currency_code'))}")
            continue
        is_cash = code in catalog.CURRENCIES
        if row.get("is_cash") is not is_cash:
            problems.append(f"{code}: is_cash {text(row.get('is_cash'))}")
        prices = row.get("prices")
        if not is_cash:
            if row.get("currency_symbol") != "gr":
                problems.append(f"{code}: currency_symbol {text(row.get('currency_symbol'))}")
            if not (isinstance(prices, Mapping) and not missing(prices, ("spot_price", "buy_price", "sell_price"))):
                problems.append(f"{code}: prices without spot_price/buy_price/sell_price")
    return problems


def not_found_outcome(exchange: Exchange) -> Outcome:
    if not exchange.answered:
        raise Unreachable(exchange.summary())
    if exchange.status != 404:
        return differs(exchange.summary())
    try:
        body = exchange.json()
    except ValueError:
        return differs("HTTP 404 with a body that is not JSON")
    if not isinstance(body, Mapping):
        return differs(f"HTTP 404, body a JSON {kind(body)}")
    problems = error_envelope_problems(body, 404)
    return differs("HTTP 404; " + "; ".join(problems)) if problems else passed("HTTP 404, error envelope")


def error_envelope_problems(body: Mapping[str, Any], status: int) -> list[str]:
    problems = []
    absent = missing(body, ENVELOPE_KEYS)
    if absent:
        problems.append("no " + ", ".join(absent))
    if "success" in body and body["success"] is not False:
        problems.append(f"success {text(body['success'])}")
    if "code" in body and not (is_number(body["code"]) and num(body["code"]) == status):
        problems.append(f"code {text(body['code'])}")
    if not (isinstance(body.get("message"), str) and body.get("message")):
        problems.append("no message" if "message" not in body else "an empty message")
    if body.get("data") is not None:
        problems.append(f"data {kind(body.get('data'))}")
    return problems


def refused_naming(exchange: Exchange, field: str) -> Outcome:
    """Pass on a 422 whose errors map or message names ``field``."""
    if not exchange.answered:
        raise Unreachable(exchange.summary())
    if exchange.status in (404, 405) or (exchange.status or 0) >= 500:
        raise Unreachable(exchange.summary())
    if exchange.status == 200:
        return differs("accepted (HTTP 200)")
    message = exchange.message()
    try:
        body = exchange.json()
    except ValueError:
        body = None
    errors = body.get("errors") if isinstance(body, Mapping) else None
    named = (isinstance(errors, Mapping) and field in errors) or field.lower() in message.lower()
    if exchange.status == 422 and named:
        return passed(f"HTTP 422 naming {field}")
    return differs(exchange.summary() + ("" if named else f" (does not name {field})"))


def money_round(value: Decimal) -> Decimal:
    return value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def challenge_params(header: str) -> dict[str, str]:
    params = {}
    for match in re.finditer(r'([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)', header):
        value = match.group(2)
        params[match.group(1).lower()] = value[1:-1] if value.startswith('"') else value
    return params


def challenge(ctx: Context) -> tuple[Exchange, dict[str, str]]:
    exchange = ctx.pricefix_auth("none")
    if not exchange.answered:
        raise Unreachable(exchange.summary())
    header = exchange.headers.get("www-authenticate", "")
    if exchange.status != 401 or not header.lower().startswith("digest"):
        raise Differs(f"HTTP {exchange.status}, WWW-Authenticate {header.split(' ')[0] or 'absent'}")
    return exchange, challenge_params(header[6:])


# ----------------------------------------------------------------------- auth and headers


@check(
    "auth.digest_challenge",
    "pricefix",
    "documented",
    "no credentials: 401 with WWW-Authenticate: Digest (realm, nonce)",
)
def _digest_challenge(ctx: Context) -> Outcome:
    _, params = challenge(ctx)
    absent = missing(params, ("realm", "nonce"))
    if absent:
        return differs(f"401 Digest without {', '.join(absent)}")
    return passed(f"401 Digest, realm {params['realm']!r}")


@check("auth.qop", "pricefix", "inferred", 'the challenge offers qop="auth" (RFC 7616)')
def _qop(ctx: Context) -> Outcome:
    _, params = challenge(ctx)
    offered = [q.strip() for q in params.get("qop", "").split(",") if q.strip()]
    if "auth" in offered:
        return passed(f"qop {', '.join(offered)}")
    return differs(f"qop {', '.join(offered) or 'absent'}")


@check("auth.algorithm", "pricefix", "inferred", "algorithm MD5 or SHA-256 (absent means MD5)")
def _algorithm(ctx: Context) -> Outcome:
    _, params = challenge(ctx)
    algorithm = params.get("algorithm", "")
    if algorithm.upper() in ("", "MD5", "SHA-256", "MD5-SESS", "SHA-256-SESS"):
        return passed(f"algorithm {algorithm or 'absent (MD5)'}")
    return differs(f"algorithm {algorithm}")


@check("auth.wrong_password", "pricefix", "documented", "a wrong password: 401 again (Digest refused)")
def _wrong_password(ctx: Context) -> Outcome:
    exchange = ctx.pricefix_auth("wrong")
    if not exchange.answered:
        raise Unreachable(exchange.summary())
    if exchange.status == 401:
        return passed("HTTP 401")
    return differs(exchange.summary())


@check(
    "errors.envelope_401",
    "pricefix",
    "inferred",
    "the 401 is the envelope: data null, success false, code 401, message",
)
def _envelope_401(ctx: Context) -> Outcome:
    exchange, _ = challenge(ctx)
    try:
        body = exchange.json()
    except ValueError:
        return differs("the 401 body is not JSON")
    if not isinstance(body, Mapping):
        return differs(f"the 401 body is a JSON {kind(body)}")
    problems = error_envelope_problems(body, 401)
    return differs("; ".join(problems)) if problems else passed("error envelope, code 401")


@check("headers.x_client_id", "pricefix", "inferred", "without x-client-id: 422 naming x-client-id")
def _x_client_id(ctx: Context) -> Outcome:
    return refused_naming(ctx.pricefix_without("x-client-id"), "x-client-id")


@check(
    "headers.api_version_pricefix",
    "pricefix",
    "documented",
    "price fix without api-version (required, 3): refused (422)",
)
def _api_version_pricefix(ctx: Context) -> Outcome:
    return refused_naming(ctx.pricefix_without("api-version"), "api-version")


@check(
    "headers.api_version_optional", "order", "documented", "Get Order without api-version (optional there): answered"
)
def _api_version_optional(ctx: Context) -> Outcome:
    exchange = ctx.order_without_api_version()
    ctx.data(exchange)
    return passed("HTTP 200")


@check(
    "lang.accept_language",
    "order",
    "inferred",
    "Accept-Language tr and en: the same error in Turkish and in English",
)
def _accept_language(ctx: Context) -> Outcome:
    tr, en = ctx.missing_order("tr"), ctx.missing_order("en")
    for exchange in (tr, en):
        if not exchange.answered:
            raise Unreachable(exchange.summary())
    tr_text, en_text = tr.message(), en.message()
    shown = f"tr {tr_text[:50]!r}, en {en_text[:50]!r}"
    if tr_text and en_text and tr_text != en_text:
        return passed(shown)
    return differs(shown + (" (the same)" if tr_text == en_text else ""))


@check(
    "errors.not_found_order", "order", "inferred", "an unknown order id: 404 error envelope (success false, code 404)"
)
def _not_found_order(ctx: Context) -> Outcome:
    return not_found_outcome(ctx.missing_order("en"))


@check(
    "errors.envelope_422", "pricefix", "inferred", "a 422 is the envelope: data null, success false, code 422, message"
)
def _envelope_422(ctx: Context) -> Outcome:
    exchange = ctx.pricefix_without("x-client-id")
    if not exchange.answered:
        raise Unreachable(exchange.summary())
    if exchange.status != 422:
        raise Skip(f"no 422 to look at (without x-client-id: HTTP {exchange.status})")
    try:
        body = exchange.json()
    except ValueError:
        return differs("the 422 body is not JSON")
    if not isinstance(body, Mapping):
        return differs(f"the 422 body is a JSON {kind(body)}")
    problems = error_envelope_problems(body, 422)
    return differs("; ".join(problems)) if problems else passed("error envelope, code 422")


@check(
    "errors.field_map",
    "pricefix",
    "inferred",
    'a 422 carries errors {"<field>": ["<reason>"]} naming the field (x-client-id)',
)
def _field_map(ctx: Context) -> Outcome:
    exchange = ctx.pricefix_without("x-client-id")
    if not exchange.answered:
        raise Unreachable(exchange.summary())
    if exchange.status != 422:
        raise Skip(f"no 422 to look at (without x-client-id: HTTP {exchange.status})")
    try:
        body = exchange.json()
    except ValueError:
        return differs("the 422 body is not JSON")
    errors = body.get("errors") if isinstance(body, Mapping) else None
    if not isinstance(errors, Mapping):
        return differs("message only, no errors map" if errors is None else f"errors is a JSON {kind(errors)}")
    bad = [str(k) for k, v in errors.items() if not (isinstance(v, list) and all(isinstance(r, str) for r in v))]
    if bad:
        return differs(f"errors not lists of strings: {listed(bad)}")
    if "x-client-id" not in errors:
        return differs(f"errors names {listed([str(k) for k in errors])}, not x-client-id")
    return passed(f"errors names {listed([str(k) for k in errors])}")


# ------------------------------------------------------------------------------- price fix

register_envelope("pricefix", lambda ctx: ctx.pricefix())


@check("pricefix.keys", "pricefix", "documented", "data: " + ", ".join(PRICEFIX_KEYS))
def _pricefix_keys(ctx: Context) -> Outcome:
    data = ctx.obj(ctx.pricefix())
    absent = missing(data, PRICEFIX_KEYS)
    extra = sorted(set(data) - set(PRICEFIX_KEYS))
    note = f" (also {listed(extra)})" if extra else ""
    return differs(f"no {', '.join(absent)}{note}") if absent else passed(f"all 7 keys{note}")


@check(
    "pricefix.types",
    "pricefix",
    "documented",
    "token string, total number|null, expires_at string, expire_ttl integer, is_total_price boolean, prices list, currency string",
)
def _pricefix_types(ctx: Context) -> Outcome:
    data = ctx.obj(ctx.pricefix())
    wanted: dict[str, Callable[[Any], bool]] = {
        "token": lambda v: isinstance(v, str),
        "total": lambda v: v is None or is_number(v),
        "expires_at": lambda v: isinstance(v, str),
        "expire_ttl": is_integer_literal,
        "is_total_price": lambda v: isinstance(v, bool),
        "prices": lambda v: isinstance(v, list),
        "currency": lambda v: isinstance(v, str),
    }
    bad = [f"{k} {kind(data[k])}" for k, ok in wanted.items() if k in data and not ok(data[k])]
    return differs(listed(bad)) if bad else passed("as documented")


def quote_prices(ctx: Context, variant: str = "plain") -> list[Mapping[str, Any]]:
    data = ctx.obj(ctx.pricefix(variant))
    prices = data.get("prices")
    if not isinstance(prices, list):
        raise Differs(f"prices is a JSON {kind(prices)}")
    return [p for p in prices if isinstance(p, Mapping)]


@check("pricefix.price_keys", "pricefix", "documented", "each price: " + ", ".join(PRICE_KEYS))
def _price_keys(ctx: Context) -> Outcome:
    prices = quote_prices(ctx)
    bad = [f"{p.get('sku')}: no {', '.join(missing(p, PRICE_KEYS))}" for p in prices if missing(p, PRICE_KEYS)]
    return differs(listed(bad)) if bad else passed(f"{len(prices)} prices, 7 keys each")


@check(
    "pricefix.skus",
    "pricefix",
    "documented",
    "GAU, GAG, BGAU, BGAG, GPT, GPD with the documented product_id and currency_id",
)
def _skus(ctx: Context) -> Outcome:
    prices = quote_prices(ctx)
    seen = {str(p.get("sku")): p for p in prices}
    problems = [f"no {sku}" for sku in DOCUMENTED_SKUS if sku not in seen]
    problems += [f"extra {sku}" for sku in seen if sku not in DOCUMENTED_SKUS]
    for sku, (product_id, currency_id) in DOCUMENTED_SKUS.items():
        p = seen.get(sku)
        if p is not None and (num(p.get("product_id")) != product_id or num(p.get("currency_id")) != currency_id):
            problems.append(f"{sku}: product_id {text(p.get('product_id'))}, currency_id {text(p.get('currency_id'))}")
    return differs(listed(problems)) if problems else passed(", ".join(seen))


@check("pricefix.currency_default", "pricefix", "documented", "no currency asked: currency GBP (the default)")
def _currency_default(ctx: Context) -> Outcome:
    currency = ctx.obj(ctx.pricefix()).get("currency")
    return passed("GBP") if currency == "GBP" else differs(f"currency {text(currency)}")


@check("pricefix.currency_echo", "pricefix", "inferred", "currency TRY asked: currency TRY")
def _currency_echo(ctx: Context) -> Outcome:
    currency = ctx.obj(ctx.pricefix("try")).get("currency")
    return passed("TRY") if currency == "TRY" else differs(f"currency {text(currency)}")


@check("pricefix.token", "pricefix", "inferred", "token: 32 letters and digits")
def _token(ctx: Context) -> Outcome:
    token = ctx.obj(ctx.pricefix()).get("token")
    if isinstance(token, str) and TOKEN.fullmatch(token):
        return passed("32 letters and digits")
    if isinstance(token, str):
        return differs(f"{len(token)} characters" + ("" if token.isalnum() else ", not all letters and digits"))
    return differs(f"token {kind(token)}")


@check("pricefix.expires_at", "pricefix", "documented", "expires_at: ISO 8601 with offset (2024-12-05T18:43:32+03:00)")
def _expires_at(ctx: Context) -> Outcome:
    value = ctx.obj(ctx.pricefix()).get("expires_at")
    form = datetime_format(value)
    if form == "ISO 8601 with offset":
        return passed(form)
    return differs(form or f"unreadable {text(value)}")


@check("pricefix.expire_ttl", "pricefix", "inferred", "expire_ttl: seconds left, 240 at issue (1..240)")
def _expire_ttl(ctx: Context) -> Outcome:
    ttl = num(ctx.obj(ctx.pricefix()).get("expire_ttl"))
    if ttl is not None and 0 < ttl <= 240:
        return passed(f"{format(ttl, 'f')} s")
    return differs(f"expire_ttl {text(ttl)}")


@check(
    "pricefix.by_amount",
    "pricefix",
    "documented",
    "without total: total null, is_total_price false, buy_amount null",
)
def _by_amount(ctx: Context) -> Outcome:
    data = ctx.obj(ctx.pricefix())
    problems = []
    if data.get("total") is not None:
        problems.append(f"total {text(data.get('total'))}")
    if data.get("is_total_price") is not False:
        problems.append(f"is_total_price {text(data.get('is_total_price'))}")
    amounts = [str(p.get("sku")) for p in quote_prices(ctx) if p.get("buy_amount") is not None]
    if amounts:
        problems.append(f"buy_amount set for {listed(amounts)}")
    return differs("; ".join(problems)) if problems else passed("as documented")


@check(
    "pricefix.by_total",
    "pricefix",
    "inferred",
    "total 100 GBP: is_total_price true, total 100, buy_amount = grams 100 buys at buy_price (4 decimals)",
)
def _by_total(ctx: Context) -> Outcome:
    ctx.customer_id()  # the From Total Price variant requires a customer [D]
    data = ctx.obj(ctx.pricefix("total"))
    problems = []
    if data.get("is_total_price") is not True:
        problems.append(f"is_total_price {text(data.get('is_total_price'))}")
    if num(data.get("total")) != 100:
        problems.append(f"total {text(data.get('total'))}")
    for p in quote_prices(ctx, "total"):
        grams, buy = num(p.get("buy_amount")), num(p.get("buy_price"))
        if grams is None or buy is None or buy <= 0:
            problems.append(f"{p.get('sku')}: buy_amount {text(p.get('buy_amount'))}")
        elif places(grams) > 4 or abs(grams * buy - 100) > buy * Decimal("0.0001"):
            problems.append(f"{p.get('sku')}: buy_amount {format(grams, 'f')} at {format(buy, 'f')}")
    return differs(listed(problems)) if problems else passed("as inferred")


@check(
    "pricefix.total_needs_customer",
    "pricefix",
    "documented",
    "a price fix from a total without customer_external_id (required there): 422 naming customer_external_id",
)
def _total_needs_customer(ctx: Context) -> Outcome:
    return refused_naming(ctx.pricefix("total-anonymous"), "customer_external_id")


@check(
    "pricefix.sides",
    "pricefix",
    "inferred",
    "buy_price > spot_price > sell_price for every SKU (the docs' one example has spot > buy > sell)",
)
def _pricefix_sides(ctx: Context) -> Outcome:
    bad, compared = sides_problems(quote_prices(ctx))
    if bad:
        return differs(f"{len(bad)} of {compared or len(bad)} SKUs: {listed(bad, 3)}")
    return passed(f"buy > spot > sell on {compared} SKUs")


register_client("pricefix", lambda ctx: ctx.pricefix())

# ------------------------------------------------------------------------------ order list


def first_page(ctx: Context) -> dict[str, Any]:
    return ctx.walk().pages[0][1]


register_envelope("orders", lambda ctx: ctx.orders_page(1))


@check("orders.paginator", "orders", "inferred", "data: a Laravel paginator, " + ", ".join(PAGINATOR_KEYS))
def _paginator(ctx: Context) -> Outcome:
    page = first_page(ctx)
    absent = missing(page, PAGINATOR_KEYS)
    return differs(f"no {', '.join(absent)}") if absent else passed("all 13 keys")


@check("orders.links", "orders", "inferred", "links: {url, label, active} objects, one active (the current page)")
def _links(ctx: Context) -> Outcome:
    problems = []
    for _, page in ctx.walk().pages:
        links = page.get("links")
        current = str(page.get("current_page"))
        if not isinstance(links, list):
            problems.append(f"page {current}: links {kind(links)}")
            continue
        shaped = [link for link in links if isinstance(link, Mapping) and not missing(link, ("url", "label", "active"))]
        if len(shaped) != len(links):
            problems.append(f"page {current}: a link without url/label/active")
        active = [str(link.get("label")) for link in shaped if link.get("active") is True]
        if active != [current]:
            problems.append(f"page {current}: active {listed(active) or 'none'}")
    return differs(listed(problems, 3)) if problems else passed(f"{len(ctx.walk().pages)} pages")


@check(
    "orders.counts",
    "orders",
    "inferred",
    "current_page, per_page, from, to, last_page and total agree on every page",
)
def _counts(ctx: Context) -> Outcome:
    problems = []
    walk = ctx.walk()
    for number, (_, page) in enumerate(walk.pages, start=1):
        rows = page.get("data") or []
        per, total = num(page.get("per_page")), num(page.get("total"))
        if num(page.get("current_page")) != number:
            problems.append(f"page {number}: current_page {text(page.get('current_page'))}")
        if per is None or total is None or per <= 0:
            problems.append(f"page {number}: per_page {text(page.get('per_page'))}, total {text(page.get('total'))}")
            continue
        first = (number - 1) * per + 1
        expect_from = first if rows else None
        expect_to = first + len(rows) - 1 if rows else None
        if num(page.get("from")) != expect_from or num(page.get("to")) != expect_to:
            problems.append(f"page {number}: from {text(page.get('from'))}, to {text(page.get('to'))}")
        last = max(1, -(-int(total) // int(per)))
        if num(page.get("last_page")) != last:
            problems.append(f"page {number}: last_page {text(page.get('last_page'))} for total {total}")
    return differs(listed(problems, 3)) if problems else passed(f"{len(walk.pages)} pages agree")


@check(
    "orders.page_urls",
    "orders",
    "inferred",
    "page URLs absolute, with page=N and the other query parameters kept; prev null on page 1, next null on the last",
)
def _page_urls(ctx: Context) -> Outcome:
    problems = []
    walk = ctx.walk()
    kept = {"sortBy": "created_at", "sortType": "asc", "total": "30"}

    def bad_url(url: Any, page: int) -> str | None:
        if not isinstance(url, str):
            return f"{kind(url)}"
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return "not absolute"
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if query.get("page") != str(page):
            return f"page={query.get('page')}"
        lost = [k for k, v in kept.items() if query.get(k) != v]
        return f"drops {', '.join(lost)}" if lost else None

    last = len(walk.pages)
    for number, (_, page) in enumerate(walk.pages, start=1):
        checks: list[tuple[str, Any, int]] = [("first_page_url", page.get("first_page_url"), 1)]
        if number > 1:
            checks.append(("prev_page_url", page.get("prev_page_url"), number - 1))
        elif page.get("prev_page_url") is not None:
            problems.append("page 1: prev_page_url not null")
        if page.get("next_page_url") is not None:
            checks.append(("next_page_url", page.get("next_page_url"), number + 1))
        elif walk.complete and number < last:
            problems.append(f"page {number}: next_page_url null before the last page")
        for name, url, target in checks:
            issue = bad_url(url, target)
            if issue:
                problems.append(f"page {number} {name}: {issue}")
    return differs(listed(problems, 3)) if problems else passed(f"{last} pages")


@check("orders.page_size", "orders", "inferred", "total=5 gives per_page 5 (at most 5 orders), total=30 gives 30")
def _page_size(ctx: Context) -> Outcome:
    small = ctx.obj(ctx.orders_page(1, size=5))
    large = first_page(ctx)
    problems = []
    for size, page in ((5, small), (30, large)):
        rows = page.get("data")
        if num(page.get("per_page")) != size or not isinstance(rows, list) or len(rows) > size:
            count = len(rows) if isinstance(rows, list) else kind(rows)
            problems.append(f"total={size}: per_page {text(page.get('per_page'))}, {count} orders")
    return differs("; ".join(problems)) if problems else passed("5 and 30 as asked")


@check("orders.page_size_bounds", "orders", "inferred", "total=4 and total=31 (outside 5..30): 422 naming total")
def _page_size_bounds(ctx: Context) -> Outcome:
    ctx.walk()  # the route first: an unreachable list is unreachable here too
    outcomes = [refused_naming(ctx.orders_page(1, size=size), "total") for size in (4, 31)]
    observed = f"total=4: {outcomes[0].observed}; total=31: {outcomes[1].observed}"
    return passed(observed) if all(o.status == "pass" for o in outcomes) else differs(observed)


@check(
    "orders.exactly_once",
    "orders",
    "inferred",
    "ascending pages (sortBy=created_at, sortType=asc): every order exactly once, as many as total",
)
def _exactly_once(ctx: Context) -> Outcome:
    walk = ctx.walk()
    guids = [str(o.get("guid")) for o in walk.orders]
    repeated = [g for g, n in Counter(guids).items() if n > 1]
    total = num(walk.pages[-1][1].get("total"))
    where = f"{len(guids)} orders on {len(walk.pages)} pages"
    if walk.stopped and not walk.stopped.startswith("stopped after"):
        return differs(f"{where}, then {walk.stopped}")
    if repeated:
        return differs(f"{where}: {len(repeated)} seen twice")
    if walk.complete and total != len(guids):
        return differs(f"{where}, but total {text(total)}")
    if not walk.complete:
        return passed(f"{where}, each once ({walk.stopped}; total {text(total)})")
    return passed(f"{where}, each once; total {text(total)}")


@check("orders.ascending", "orders", "inferred", "sortType=asc by created_at: order_at never goes back")
def _ascending(ctx: Context) -> Outcome:
    walk = ctx.walk()
    if walk.orders and not any("order_at" in o for o in walk.orders):
        raise Skip("the listed orders carry no order_at (see order.contract_keys)")
    previous = None
    for order in walk.orders:
        at = moment(order.get("order_at"))
        if at is None:
            return differs(f"{order_name(order)}: order_at {text(order.get('order_at'))} unreadable")
        if previous is not None and at < previous:
            return differs(f"{order_name(order)} is older than the order before it")
        previous = at
    return passed(f"{len(walk.orders)} orders in order")


def _status_id(ctx: Context, name: str, fallback: int) -> int:
    try:
        rows = ctx.rows(ctx.statuses())
    except (Unreachable, Differs):
        return fallback
    for row in rows:
        if isinstance(row, Mapping) and row.get("name") == name and is_number(row.get("id")):
            return int(row["id"])
    return fallback


@check("orders.status_filter", "orders", "inferred", "status=<Completed's id>: only Completed orders")
def _status_filter(ctx: Context) -> Outcome:
    ctx.walk()
    status = _status_id(ctx, "Completed", 5)
    rows = ctx.obj(ctx.orders_page(1, status=str(status))).get("data")
    if not isinstance(rows, list):
        return differs(f"data {kind(rows)}")
    other = Counter(
        str(o.get("status_name")) for o in rows if isinstance(o, Mapping) and o.get("status_name") != "Completed"
    )
    if other:
        return differs(f"status={status} also gave {listed([f'{n} {s}' for s, n in other.items()])}")
    return passed(f"status={status}: {len(rows)} Completed orders")


@check("orders.tx_type_filter", "orders", "inferred", "tx_type=buy: only Buy orders")
def _tx_type_filter(ctx: Context) -> Outcome:
    ctx.walk()
    rows = ctx.obj(ctx.orders_page(1, tx_type="buy")).get("data")
    if not isinstance(rows, list):
        return differs(f"data {kind(rows)}")
    other = Counter(str(order_type(o)) for o in rows if isinstance(o, Mapping) and order_type(o) != "Buy")
    if other:
        return differs(f"tx_type=buy also gave {listed([f'{n} {s}' for s, n in other.items()])}")
    return passed(f"{len(rows)} Buy orders")


register_client("orders", lambda ctx: ctx.orders_page(1))

# ---------------------------------------------------------------------------- order lookups


def lookup_outcome(ctx: Context, how: str, kind_: str) -> Outcome:
    sample, exchange = ctx.lookup(how, kind_)
    found = ctx.obj(exchange)
    if found.get("guid") == sample.get("guid") and found.get("order_code") == sample.get("order_code"):
        return passed(f"the same order ({order_name(found)})")
    return differs(f"another order: guid {text(found.get('guid'))}")


def _lookup(how: str, kind_: str) -> Callable[[Context], Outcome]:
    return lambda ctx: lookup_outcome(ctx, how, kind_)


for _kind in ("external_id", "guid", "order_code"):
    check(
        f"order.by_{_kind}", "order", "inferred", f"GET /partner/order/{{{_kind}}}: the same order (the path takes it)"
    )(_lookup("order", _kind))

register_envelope("order", lambda ctx: ctx.lookup("order", "external_id")[1])
register_client("order", lambda ctx: ctx.lookup("order", "external_id")[1])

for _kind in ("external_id", "guid", "order_code"):
    check(
        f"order_alt.by_{_kind}",
        "order_alt",
        "documented",
        f"POST /partner/order {{{_kind}}}: the same order",
    )(_lookup("order_alt", _kind))

register_envelope("order_alt", lambda ctx: ctx.lookup("order_alt", "external_id")[1])
register_client("order_alt", lambda ctx: ctx.lookup("order_alt", "external_id")[1])

# -------------------------------------------------------------------------- order statuses

register_envelope("order_statuses", lambda ctx: ctx.statuses())


@check("order_statuses.shape", "order_statuses", "inferred", "data: a list of {id: integer, name: string}")
def _statuses_shape(ctx: Context) -> Outcome:
    rows = ctx.rows(ctx.statuses())
    bad = [
        text(r) if not isinstance(r, Mapping) else f"{text(r.get('id'))}/{text(r.get('name'))}"
        for r in rows
        if not (isinstance(r, Mapping) and is_integer_literal(r.get("id")) and isinstance(r.get("name"), str))
    ]
    return differs(listed(bad)) if bad else passed(f"{len(rows)} statuses")


def status_table(ctx: Context) -> list[tuple[int, str]]:
    rows = ctx.rows(ctx.statuses())
    return [
        (int(r["id"]), str(r["name"]))
        for r in rows
        if isinstance(r, Mapping) and is_number(r.get("id")) and isinstance(r.get("name"), str)
    ]


@check("order_statuses.names", "order_statuses", "documented", "the 12 names of the Order Schema's status enum")
def _statuses_names(ctx: Context) -> Outcome:
    names = [name for _, name in status_table(ctx)]
    absent = [n for n in STATUS_NAMES if n not in names]
    extra = [n for n in names if n not in STATUS_NAMES]
    if absent or extra:
        return differs(
            "; ".join(p for p in (absent and f"no {listed(absent)}", extra and f"also {listed(extra)}") if p)
        )
    return passed("the 12 documented names")


@check(
    "order_statuses.ids",
    "order_statuses",
    "inferred",
    "ids 1..12 in the enum's order (1 Created ... 12 Payment Confirmed)",
)
def _statuses_ids(ctx: Context) -> Outcome:
    table = status_table(ctx)
    expected = list(enumerate(STATUS_NAMES, start=1))
    if table == expected:
        return passed("1..12 as inferred")
    wrong = [f"{i} {n}" for i, n in table if (i, n) not in expected]
    return differs(f"{len(table)} statuses; " + (listed(wrong) if wrong else "another order"))


register_client("order_statuses", lambda ctx: ctx.statuses())

# ---------------------------------------------------------------------------------- prices

register_envelope("product_prices", lambda ctx: ctx.product_prices())


def product_rows(ctx: Context, currency: str = "GBP") -> list[Mapping[str, Any]]:
    rows = ctx.rows(ctx.product_prices(currency))
    return [r for r in rows if isinstance(r, Mapping)]


@check("product_prices.keys", "product_prices", "inferred", "each price: " + ", ".join(PRODUCT_PRICE_KEYS))
def _product_keys(ctx: Context) -> Outcome:
    rows = product_rows(ctx)
    bad = [
        f"{r.get('sku')}: no {', '.join(missing(r, PRODUCT_PRICE_KEYS))}"
        for r in rows
        if missing(r, PRODUCT_PRICE_KEYS)
    ]
    return differs(listed(bad)) if bad else passed(f"{len(rows)} prices, 9 keys each")


@check("product_prices.skus", "product_prices", "inferred", "one price per documented SKU, with its product_id")
def _product_skus(ctx: Context) -> Outcome:
    rows = product_rows(ctx)
    seen = {str(r.get("sku")): r for r in rows}
    problems = [f"no {s}" for s in DOCUMENTED_SKUS if s not in seen]
    problems += [
        f"{s}: product_id {text(r.get('product_id'))}"
        for s, r in seen.items()
        if s in DOCUMENTED_SKUS and num(r.get("product_id")) != DOCUMENTED_SKUS[s][0]
    ]
    return differs(listed(problems)) if problems else passed(", ".join(seen))


@check("product_prices.currency", "product_prices", "inferred", "currency=TRY: currency_code TRY on every price")
def _product_currency(ctx: Context) -> Outcome:
    rows = product_rows(ctx, "TRY")
    other = sorted({str(r.get("currency_code")) for r in rows if r.get("currency_code") != "TRY"})
    return differs(f"currency_code {listed(other)}") if other else passed(f"{len(rows)} prices in TRY")


@check("product_prices.updated_at", "product_prices", "inferred", "updated_at: ISO 8601 with offset")
def _product_updated(ctx: Context) -> Outcome:
    forms = Counter(datetime_format(r.get("updated_at")) or "unreadable" for r in product_rows(ctx))
    if set(forms) == {"ISO 8601 with offset"}:
        return passed("ISO 8601 with offset")
    return differs(listed([f"{n} {f}" for f, n in forms.items()]))


@check("product_prices.sides", "product_prices", "inferred", "buy_price > spot_price > sell_price for every SKU")
def _product_sides(ctx: Context) -> Outcome:
    bad, compared = sides_problems(product_rows(ctx))
    return differs(listed(bad, 3)) if bad else passed(f"buy > spot > sell on {compared} SKUs")


register_client("product_prices", lambda ctx: ctx.product_prices())
register_envelope("minted_prices", lambda ctx: ctx.minted_prices())


@check(
    "minted_prices.keys",
    "minted_prices",
    "inferred",
    "data: {currency: GBP, updated_at (ISO 8601 with offset), rates, prices}",
)
def _minted_keys(ctx: Context) -> Outcome:
    data = ctx.obj(ctx.minted_prices())
    problems = [f"no {k}" for k in missing(data, ("currency", "updated_at", "rates", "prices"))]
    if "currency" in data and data.get("currency") != "GBP":
        problems.append(f"currency {text(data.get('currency'))}")
    if "updated_at" in data and datetime_format(data.get("updated_at")) != "ISO 8601 with offset":
        problems.append(f"updated_at {datetime_format(data.get('updated_at')) or 'unreadable'}")
    return differs(listed(problems)) if problems else passed("as inferred")


@check("minted_prices.rates", "minted_prices", "inferred", "rates: GBP 1 and numbers for TRY, USD, EUR (units per GBP)")
def _minted_rates(ctx: Context) -> Outcome:
    rates = ctx.obj(ctx.minted_prices()).get("rates")
    if not isinstance(rates, Mapping):
        return differs(f"rates {kind(rates)}")
    problems = [f"no {c}" for c in catalog.CURRENCIES if c not in rates]
    problems += [f"{c} {text(v)}" for c, v in rates.items() if not is_number(v) or num(v) is not None and num(v) <= 0]  # type: ignore[operator]
    if (c := rates.get("GBP")) and num(c) != 1:
        problems.append(f"GBP {text(c)}")
    return differs(listed(problems)) if problems else passed(", ".join(f"{k} {text(v)}" for k, v in rates.items()))


@check(
    "minted_prices.prices",
    "minted_prices",
    "inferred",
    "prices: {sku, product_name, spot_price, buy_price, sell_price} per SKU",
)
def _minted_prices(ctx: Context) -> Outcome:
    prices = ctx.obj(ctx.minted_prices()).get("prices")
    if not isinstance(prices, list):
        return differs(f"prices {kind(prices)}")
    keys = ("sku", "product_name", "spot_price", "buy_price", "sell_price")
    bad = [
        f"{text(p.get('sku')) if isinstance(p, Mapping) else kind(p)}"
        for p in prices
        if not isinstance(p, Mapping) or missing(p, keys)
    ]
    skus = {str(p.get("sku")) for p in prices if isinstance(p, Mapping)}
    bad += [f"no {s}" for s in DOCUMENTED_SKUS if s not in skus]
    return differs(listed(bad)) if bad else passed(f"{len(prices)} prices")


register_client("minted_prices", lambda ctx: ctx.minted_prices())

# -------------------------------------------------------------------------------- balances

register_envelope("partner_balance", lambda ctx: ctx.partner_balance())


@check(
    "partner_balance.wallet_keys",
    "partner_balance",
    "inferred",
    "data: a list of wallets with the 12 keys of Customer Balance",
)
def _partner_keys(ctx: Context) -> Outcome:
    rows = ctx.rows(ctx.partner_balance())
    bad = wallet_problems(rows, None, documented_only=True)
    return differs(listed(bad)) if bad else passed(f"{len(rows)} wallets")


@check(
    "partner_balance.wallets",
    "partner_balance",
    "inferred",
    "customer_external_id null; currency_code a SKU or currency; is_cash for cash only; metal: symbol gr, prices {spot, buy, sell}",
)
def _partner_wallets(ctx: Context) -> Outcome:
    rows = ctx.rows(ctx.partner_balance())
    bad = wallet_problems(rows, None)
    return differs(listed(bad, 3)) if bad else passed(f"{len(rows)} wallets")


register_client("partner_balance", lambda ctx: ctx.partner_balance())
register_envelope("customer_balance", lambda ctx: ctx.customer_balance())


@check(
    "customer_balance.wallet_keys",
    "customer_balance",
    "documented",
    "data: a list of wallets, " + ", ".join(WALLET_KEYS),
)
def _customer_balance_keys(ctx: Context) -> Outcome:
    rows = ctx.rows(ctx.customer_balance())
    bad = wallet_problems(rows, ctx.customer_id(), documented_only=True)
    return differs(listed(bad)) if bad else passed(f"{len(rows)} wallets")


@check(
    "customer_balance.types",
    "customer_balance",
    "documented",
    "strings, integer currency_id, boolean is_cash, numeric balances (typed integer; fractional grams tolerated), stats and prices objects",
)
def _customer_balance_types(ctx: Context) -> Outcome:
    rows = [r for r in ctx.rows(ctx.customer_balance()) if isinstance(r, Mapping)]
    bad: list[str] = []
    fractional = 0
    for r in rows:
        code = str(r.get("currency_code"))
        for key in ("name", "currency_symbol", "currency_code"):
            if key in r and not isinstance(r[key], str):
                bad.append(f"{code} {key} {kind(r[key])}")
        if "currency_id" in r and not is_integer_literal(r["currency_id"]):
            bad.append(f"{code} currency_id {kind(r['currency_id'])}")
        if "is_cash" in r and not isinstance(r["is_cash"], bool):
            bad.append(f"{code} is_cash {kind(r['is_cash'])}")
        for key in ("balance", "blocked", "real_balance", "soft_blocked_amount"):
            if key in r and not is_number(r[key]):
                bad.append(f"{code} {key} {kind(r[key])}")
            elif key in r and not is_integer_literal(r[key]):
                fractional += 1
        for key in ("stats", "prices"):
            if key in r and not isinstance(r[key], Mapping):
                bad.append(f"{code} {key} {kind(r[key])}")
    if bad:
        return differs(listed(bad, 3))
    return passed(f"{len(rows)} wallets" + (f"; {fractional} fractional balances" if fractional else ""))


@check(
    "customer_balance.wallets",
    "customer_balance",
    "inferred",
    "customer_external_id the asked id; wallets as the partner's",
)
def _customer_wallets(ctx: Context) -> Outcome:
    rows = ctx.rows(ctx.customer_balance())
    bad = wallet_problems(rows, ctx.customer_id())
    return differs(listed(bad, 3)) if bad else passed(f"{len(rows)} wallets")


@check("customer_balance.not_found", "customer_balance", "inferred", "an unknown customer: 404 error envelope")
def _customer_balance_missing(ctx: Context) -> Outcome:
    return not_found_outcome(ctx.missing_customer("customer_balance"))


register_client("customer_balance", lambda ctx: ctx.customer_balance())

# ------------------------------------------------------------------------------- customers

register_envelope("customer", lambda ctx: ctx.customer())


@check("customer.keys", "customer", "documented", "data: " + ", ".join(CUSTOMER_KEYS) + ", wallets")
def _customer_keys(ctx: Context) -> Outcome:
    data = ctx.obj(ctx.customer())
    absent = missing(data, (*CUSTOMER_KEYS, "wallets"))
    return differs(f"no {', '.join(absent)}") if absent else passed("all 11 keys")


@check(
    "customer.contract_keys",
    "customer",
    "inferred",
    "also id, company_id, user_id, created_at, updated_at (as Create Customer answers)",
)
def _customer_contract(ctx: Context) -> Outcome:
    data = ctx.obj(ctx.customer())
    absent = missing(data, ("id", "company_id", "user_id", "created_at", "updated_at"))
    return differs(f"no {', '.join(absent)}") if absent else passed("all 5")


@check(
    "customer.dates",
    "customer",
    "inferred",
    "birthdate YYYY-MM-DD (or null); created_at, updated_at YYYY-MM-DD HH:MM:SS",
)
def _customer_dates(ctx: Context) -> Outcome:
    data = ctx.obj(ctx.customer())
    problems = []
    birth = data.get("birthdate")
    if birth is not None and date_format(birth) != "YYYY-MM-DD":
        problems.append(f"birthdate {date_format(birth) or 'unreadable'}")
    for key in ("created_at", "updated_at"):
        if key in data and datetime_format(data[key]) != "YYYY-MM-DD HH:MM:SS":
            problems.append(f"{key} {datetime_format(data[key]) or 'unreadable'}")
    return differs("; ".join(problems)) if problems else passed("as inferred")


@check("customer.wallets", "customer", "inferred", "wallets: " + ", ".join(CUSTOMER_WALLET_KEYS))
def _customer_wallet_keys(ctx: Context) -> Outcome:
    wallets = ctx.obj(ctx.customer()).get("wallets")
    if not isinstance(wallets, list):
        return differs(f"wallets {kind(wallets)}")
    bad = [
        f"{w.get('currency_code') if isinstance(w, Mapping) else kind(w)}: no {', '.join(missing(w, CUSTOMER_WALLET_KEYS)) if isinstance(w, Mapping) else 'keys'}"
        for w in wallets
        if not isinstance(w, Mapping) or missing(w, CUSTOMER_WALLET_KEYS)
    ]
    if not wallets:
        return differs("an empty list")
    return differs(listed(bad)) if bad else passed(f"{len(wallets)} wallets, 10 keys each")


@check("customer.not_found", "customer", "inferred", "an unknown customer: 404 error envelope")
def _customer_missing(ctx: Context) -> Outcome:
    return not_found_outcome(ctx.missing_customer("customer"))


register_client("customer", lambda ctx: ctx.customer())


@check("create_customer.not_run", "create_customer", "documented", "the Create Customer answer (documented example)")
def _create_customer(ctx: Context) -> Outcome:
    raise Skip("a write that leaves a customer behind (there is no delete): conformance never sends it")


# ------------------------------------------------------------------------ trade round trip


@dataclass(frozen=True)
class Placed:
    """A leg of the round trip that placed its order: the leg, the answer's data and the order."""

    leg: Leg
    result: dict[str, Any]
    order: dict[str, Any]


def placed(ctx: Context, side: catalog.Side) -> Placed:
    trip = ctx.round_trip()
    leg = trip.leg(side)
    if leg.result is None or leg.order is None:
        raise Differs(f"not placed ({leg.state}): {leg.error or 'no order in the answer'}")
    return Placed(leg, leg.result, leg.order)


def price_side_outcome(ctx: Context, side: catalog.Side) -> Outcome:
    leg = placed(ctx, side)
    field: str = catalog.PRICE_SIDES[side]
    other: str = catalog.PRICE_SIDES["sell" if side == "buy" else "buy"]
    items = [i for i in leg.order.get("items") or () if isinstance(i, Mapping)]
    if not items:
        return differs("the order has no items")
    price = num(items[0].get("price"))
    quoted = {k: v for k, v in leg.leg.quoted.items() if v is not None}
    shown = ", ".join(f"{k.replace('_price', '')} {format(v, 'f')}" for k, v in quoted.items())
    if price is None:
        return differs(f"item price {text(items[0].get('price'))}")
    if quoted.get(field) == price:
        return passed(f"at {field} {format(price, 'f')} (quote: {shown})")
    if quoted.get(other) == price:
        return differs(f"at {other} {format(price, 'f')}, not {field} (quote: {shown})")
    return differs(f"at {format(price, 'f')}: neither buy_price nor sell_price (quote: {shown})")


def vs_spot_outcome(ctx: Context, side: catalog.Side) -> Outcome:
    leg = placed(ctx, side)
    items = [i for i in leg.order.get("items") or () if isinstance(i, Mapping)]
    price = num(items[0].get("price")) if items else None
    spot = num(items[0].get("spot_price")) if items else None
    if spot is None:
        spot = leg.leg.quoted.get("spot_price")
    if price is None or spot is None:
        return differs("no price or spot to compare")
    where = "above" if price > spot else "below" if price < spot else "at"
    shown = f"{format(price, 'f')} {where} spot {format(spot, 'f')}"
    wanted = "above" if side == "buy" else "below"
    return passed(shown) if where == wanted else differs(shown)


ANSWER_KEYS: Final = ("order_code", "guid", "price", "tax", "total", "order_at", "orders")


def answer_keys_outcome(ctx: Context, side: catalog.Side) -> Outcome:
    result = placed(ctx, side).result
    absent = missing(result, ANSWER_KEYS)
    if absent:
        return differs("no " + ", ".join(absent))
    not_lists = [k for k in ("order_code", "guid", "orders") if not isinstance(result.get(k), list)]
    return differs(f"{', '.join(not_lists)} not lists") if not_lists else passed("all 7 keys")


def tax_integer_outcome(ctx: Context, side: catalog.Side) -> Outcome:
    tax = placed(ctx, side).result.get("tax")
    return passed(f"tax {text(tax)}") if is_integer_literal(tax) else differs(f"tax {text(tax)} ({kind(tax)})")


def answer_order_at_outcome(ctx: Context, side: catalog.Side) -> Outcome:
    leg = placed(ctx, side)
    top, inner = datetime_format(leg.result.get("order_at")), datetime_format(leg.order.get("order_at"))
    if (top, inner) == ("YYYY-MM-DD HH:MM:SS", "DD-MM-YYYY HH:MM"):
        return passed("as inferred")
    return differs(f"top {top or 'unreadable'}, order {inner or 'unreadable'}")


def one_order_outcome(ctx: Context, side: catalog.Side) -> Outcome:
    leg = placed(ctx, side)
    orders, codes, guids = (leg.result.get(k) or [] for k in ("orders", "order_code", "guid"))
    if len(orders) == 1 and codes[:1] == [leg.order.get("order_code")] and guids[:1] == [leg.order.get("guid")]:
        return passed("one order")
    return differs(f"{len(orders)} orders, {len(codes)} codes, {len(guids)} guids")


def new_status_outcome(ctx: Context, side: catalog.Side) -> Outcome:
    order = placed(ctx, side).order
    if order.get("status_name") == "Pending" and num(order.get("status_id")) in (None, 2):
        return passed("Pending")
    return differs(f"{text(order.get('status_name'))} (status_id {text(order.get('status_id'))})")


def trade_lookup_outcome(ctx: Context, side: catalog.Side) -> Outcome:
    leg = placed(ctx, side)
    found = leg.leg.found
    if found is not None and found.get("guid") == leg.order.get("guid"):
        return passed("found, the same guid")
    return differs(leg.leg.found_error or ("not found" if found is None else "another guid"))


def ledger_outcome(ctx: Context, side: catalog.Side) -> Outcome:
    leg = placed(ctx, side).leg
    if leg.ledger_state == "placed" and leg.ledger_intents == 1:
        return passed("one intent, placed")
    return differs(f"{leg.ledger_intents} intents, {leg.ledger_state}")


def register_leg(side: catalog.Side) -> None:
    """The checks of one order of the round trip."""
    relation = "above" if side == "buy" else "below"
    rows: tuple[tuple[str, Basis, str, Callable[[Context, catalog.Side], Outcome]], ...] = (
        (
            "answer_keys",
            "documented",
            "data: order_code [..], guid [..], price, tax, total, order_at, orders [..]",
            answer_keys_outcome,
        ),
        ("tax_integer", "documented", "tax: a JSON integer (typed integer in the Order Response)", tax_integer_outcome),
        (
            "order_at",
            "inferred",
            "order_at YYYY-MM-DD HH:MM:SS at the top level, DD-MM-YYYY HH:MM in the order",
            answer_order_at_outcome,
        ),
        ("one_order", "inferred", "one order per request; order_code[0] and guid[0] are its", one_order_outcome),
        (
            "price_side",
            "inferred",
            f"settles at the quote's {catalog.PRICE_SIDES[side]} (catalog.PRICE_SIDES)",
            price_side_outcome,
        ),
        ("vs_spot", "inferred", f"the {side} price is {relation} spot", vs_spot_outcome),
        ("status", "inferred", "a new order is Pending (status_id 2)", new_status_outcome),
        ("lookup", "documented", "Get Order (Alternative) by its external_id finds it", trade_lookup_outcome),
        ("ledger", "inferred", "journaled once in the ledger and settled placed (sent exactly once)", ledger_outcome),
    )
    for name, basis, expected, outcome in rows:
        check(f"{side}.{name}", side, basis, expected, phase=1)(_bind(outcome, side))


def _bind(outcome: Callable[[Context, catalog.Side], Outcome], side: catalog.Side) -> Callable[[Context], Outcome]:
    return lambda ctx: outcome(ctx, side)


register_leg("buy")
register_leg("sell")


@check(
    "trade.balance",
    "partner_balance",
    "inferred",
    "the partner's balance of the SKU: +1 g after the buy, back after the sell",
    phase=1,
)
def _trade_balance(ctx: Context) -> Outcome:
    trip = ctx.round_trip()
    if trip.sell is None:
        raise Differs(f"no round trip: the buy was not placed ({trip.buy.error or trip.buy.state})")
    if any(b is None for b in trip.balances):
        raise Unreachable(trip.balance_error or "the balance could not be read")
    before, bought, sold = (b for b in trip.balances if b is not None)
    shown = f"{format(before, 'f')} → {format(bought, 'f')} → {format(sold, 'f')} g {trip.sku}"
    if bought - before == trip.amount and sold == before:
        return passed(shown)
    return differs(shown)


# --------------------------------------------------------------------- over every order seen


def _required(order: Mapping[str, Any]) -> str | None:
    absent = missing(order, ORDER_REQUIRED)
    return f"no {', '.join(absent)}" if absent else None


def _contract(order: Mapping[str, Any]) -> str | None:
    absent = missing(order, ORDER_CONTRACT)
    return f"no {', '.join(absent)}" if absent else None


def _guid(order: Mapping[str, Any]) -> str | None:
    guid = order.get("guid")
    return (
        None
        if isinstance(guid, str) and UPPER_UUID.fullmatch(guid)
        else f"guid {kind(guid) if not isinstance(guid, str) else 'not an upper-case UUID'}"
    )


def _code(order: Mapping[str, Any]) -> str | None:
    code = order.get("order_code")
    return None if isinstance(code, str) and ORDER_CODE.fullmatch(code) else f"order_code {text(code)}"


def _type(order: Mapping[str, Any]) -> str | None:
    return None if order.get("type") in catalog.ORDER_TYPES else f"type {text(order.get('type'))}"


def _buy_sell(order: Mapping[str, Any]) -> str | None:
    side = order_type(order)
    if side in ("Buy", "Sell"):
        return None
    if "type" in order:
        return f"type {text(order.get('type'))}"
    return f"tx_type {text(order.get('tx_type'))}"


def _status_name(order: Mapping[str, Any]) -> str | None:
    return None if order.get("status_name") in STATUS_NAMES else f"status_name {text(order.get('status_name'))}"


def _items(order: Mapping[str, Any]) -> str | None:
    items = order.get("items")
    if not isinstance(items, list) or not items:
        return f"items {kind(items) if not isinstance(items, list) else 'empty'}"
    absent = sorted({k for i in items if isinstance(i, Mapping) for k in missing(i, ITEM_KEYS)})
    return f"items without {', '.join(absent)}" if absent else None


def _sku_product(order: Mapping[str, Any]) -> str | None:
    for item in order.get("items") or ():
        if not isinstance(item, Mapping):
            continue
        sku, product = item.get("sku"), num(item.get("product_id"))
        if sku is not None and sku not in DOCUMENTED_SKUS:
            return f"sku {text(sku)}"
        if sku is not None and product is not None and DOCUMENTED_SKUS[str(sku)][0] != product:
            return f"{sku} with product_id {format(product, 'f')}"
        if sku is None and product not in {p for p, _ in DOCUMENTED_SKUS.values()}:
            return f"product_id {text(item.get('product_id'))}"
    return None


def _customer(order: Mapping[str, Any]) -> str | None:
    customer = order.get("customer")
    if customer is None:
        return None
    if not isinstance(customer, Mapping):
        return f"customer {kind(customer)}"
    absent = missing(customer, CUSTOMER_KEYS)
    return f"customer without {', '.join(absent)}" if absent else None


def _payment_type(order: Mapping[str, Any]) -> str | None:
    value = order.get("payment_type")
    return None if value in (None, "cash", "credit-card") else f"payment_type {text(value)}"


def _cash(order: Mapping[str, Any]) -> str | None:
    problems = []
    if order.get("payment_type") != "cash":
        problems.append(f"payment_type {text(order.get('payment_type'))}")
    if order.get("payment") is not None:
        problems.append("a payment object")
    if num(order.get("payment_cost")) != 0:
        problems.append(f"payment_cost {text(order.get('payment_cost'))}")
    return ", ".join(problems) or None


def _money(order: Mapping[str, Any]) -> str | None:
    items = [i for i in order.get("items") or () if isinstance(i, Mapping)]
    line_sum = Decimal(0)
    for item in items:
        price, amount, total = num(item.get("price")), num(item.get("amount")), num(item.get("total"))
        if price is None or amount is None or total is None:
            return "an item without price, amount or total"
        if money_round(price * amount) != total:
            return f"item total {format(total, 'f')} for {format(price, 'f')} × {format(amount, 'f')}"
        line_sum += total
    price, tax, total = num(order.get("price")), num(order.get("tax")), num(order.get("total"))
    if price is None or total is None:
        return "no price or total"
    if price != line_sum:
        return f"price {format(price, 'f')}, items {format(line_sum, 'f')}"
    if total != price + (tax or 0):
        return f"total {format(total, 'f')} ≠ price + tax"
    return None


def _currency_rate(order: Mapping[str, Any]) -> str | None:
    rate, total, converted = num(order.get("currency_rate")), num(order.get("total")), num(order.get("currency_total"))
    if rate is None:
        return f"currency_rate {text(order.get('currency_rate'))}"
    if order.get("currency_code") == "GBP" and rate != 1:
        return f"GBP order at rate {format(rate, 'f')}"
    if total is None or converted is None or money_round(total * rate) != converted:
        return f"currency_total {text(order.get('currency_total'))}"
    return None


def _order_at(order: Mapping[str, Any]) -> str | None:
    form = datetime_format(order.get("order_at"))
    return None if form == "DD-MM-YYYY HH:MM" else f"order_at {form or text(order.get('order_at'))}"


_DESCRIPTION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)gr - #([A-Z]+)")


def _description(order: Mapping[str, Any]) -> str | None:
    description = order.get("description")
    if not isinstance(description, str):
        return f"description {kind(description)}"
    parts = description.split(", ")
    items = [i for i in order.get("items") or () if isinstance(i, Mapping)]
    matches = [_DESCRIPTION_PART.fullmatch(p) for p in parts]
    if any(m is None for m in matches) or len(matches) != len(items):
        return f"description {description[:30]!r}"
    for m, item in zip(matches, items, strict=True):
        assert m is not None
        if m.group(2) != item_sku(item) or Decimal(m.group(1)) != num(item.get("amount")):
            return f"description {description[:30]!r}"
    return None


def _price_vs_spot(order: Mapping[str, Any]) -> str | None:
    kind_ = order_type(order)
    for item in order.get("items") or ():
        if not isinstance(item, Mapping):
            continue
        price, spot = num(item.get("price")), num(item.get("spot_price"))
        if price is None or spot is None or kind_ not in ("Buy", "Sell"):
            continue
        if kind_ == "Buy" and price < spot:
            return f"Buy at {format(price, 'f')} below spot {format(spot, 'f')}"
        if kind_ == "Sell" and price > spot:
            return f"Sell at {format(price, 'f')} above spot {format(spot, 'f')}"
    return None


def _over(
    problem: Callable[[Mapping[str, Any]], str | None], what: str, key: str | None
) -> Callable[[Context], Outcome]:
    return lambda ctx: over_orders(ctx, problem, what, key)


#: (id, basis, expected, the problem of one order, what a pass says, the key an order must carry to be looked at)
ORDER_CHECKS: tuple[tuple[str, Basis, str, Callable[[Mapping[str, Any]], str | None], str, str | None], ...] = (
    (
        "order.required_keys",
        "documented",
        "every order: " + ", ".join(ORDER_REQUIRED) + " (required in the Order Schema)",
        _required,
        "all required keys",
        None,
    ),
    ("order.contract_keys", "inferred", "also " + ", ".join(ORDER_CONTRACT), _contract, "all contract keys", None),
    ("order.guid", "documented", "guid: an upper-case UUID", _guid, "upper-case UUIDs", "guid"),
    (
        "order.order_code",
        "documented",
        "order_code: 8 characters, A-Z and 0-9",
        _code,
        "8-character codes",
        "order_code",
    ),
    ("order.type", "documented", "type: Buy, Sell or Delivery", _type, "documented types", "type"),
    (
        "order.type_buy_sell",
        "inferred",
        "Buy and Sell orders only (the contract has no Delivery orders; tx_type read when type is absent)",
        _buy_sell,
        "Buy and Sell only",
        None,
    ),
    (
        "order.status_name",
        "documented",
        "status_name one of the 12 documented names",
        _status_name,
        "documented statuses",
        "status_name",
    ),
    ("order.items", "documented", "items: a non-empty list of " + ", ".join(ITEM_KEYS), _items, "9-key items", "items"),
    (
        "order.sku_product",
        "documented",
        "each item's sku and product_id as the documented table pairs them",
        _sku_product,
        "known products",
        "items",
    ),
    (
        "order.customer",
        "documented",
        "customer: null or the 10-key order customer",
        _customer,
        "customers as documented",
        "customer",
    ),
    (
        "order.payment_type",
        "documented",
        "payment_type cash or credit-card (or null)",
        _payment_type,
        "documented payment types",
        "payment_type",
    ),
    (
        "order.payment_cash",
        "inferred",
        "payment_type cash, payment null, payment_cost 0 (the contract has no card orders)",
        _cash,
        "cash, no payment",
        None,
    ),
    (
        "order.money",
        "inferred",
        "item total = round(price × amount, 2) half-up; price = Σ item totals; total = price + tax",
        _money,
        "totals add up",
        None,
    ),
    (
        "order.currency_rate",
        "inferred",
        "currency_rate a number (1 for GBP); currency_total = round(total × currency_rate, 2)",
        _currency_rate,
        "rates and GBP totals agree",
        "currency_rate",
    ),
    (
        "order.order_at",
        "inferred",
        "order_at DD-MM-YYYY HH:MM (Istanbul time)",
        _order_at,
        "DD-MM-YYYY HH:MM",
        "order_at",
    ),
    (
        "order.description",
        "inferred",
        "description '<grams>gr - #<SKU>' per item, joined by ', '",
        _description,
        "descriptions match items",
        "description",
    ),
    (
        "order.price_vs_spot",
        "inferred",
        "a Buy item's price ≥ its spot_price, a Sell item's ≤",
        _price_vs_spot,
        "buys at or above spot, sells at or below",
        None,
    ),
)
for _id, _basis_, _expected, _problem, _what, _key in ORDER_CHECKS:
    check(_id, "order", _basis_, _expected, phase=2)(_over(_problem, _what, _key))


@check(
    "order.status_pair",
    "order_statuses",
    "inferred",
    "each order's status_id and status_name agree with the status list",
    phase=2,
)
def _status_pair(ctx: Context) -> Outcome:
    names = dict(status_table(ctx))
    with_ids = 0

    def problem(order: Mapping[str, Any]) -> str | None:
        nonlocal with_ids
        status = num(order.get("status_id"))
        if status is None:
            return None
        with_ids += 1
        name = names.get(int(status))
        return (
            None
            if name == order.get("status_name")
            else f"status_id {format(status, 'f')} is {name!r}, not {text(order.get('status_name'))}"
        )

    outcome = over_orders(ctx, problem, "pairs agree")
    if with_ids == 0:
        raise Skip("no order carries status_id")
    return outcome


# ---------------------------------------------------------------------- over every answer


@check(
    "numbers.json_numbers",
    "*",
    "documented",
    "every price, amount, total, tax, rate, balance and id is a JSON number, never a string",
    phase=2,
)
def _json_numbers(ctx: Context) -> Outcome:
    bad: Counter[str] = Counter()
    counted = 0
    answers = json_answers(ctx)
    for exchange, body in answers:
        for key, parent, value in walk_json(body):
            numeric = key in DECIMALS or key in INTEGER_KEYS or parent == "rates"
            if not numeric or value is None or isinstance(value, Mapping | list):
                continue
            counted += 1
            if not is_number(value):
                bad[f"{key} {kind(value)} ({exchange.endpoint})"] += 1
    if not counted:
        raise Skip("no numbers seen")
    if bad:
        return differs(listed([f"{k} ×{n}" for k, n in bad.most_common()], 3))
    return passed(f"{counted} numbers in {len(answers)} answers")


@check(
    "numbers.decimals",
    "*",
    "inferred",
    "exact decimals: money and buy/sell prices ≤ 2 places, spot prices, amounts and balances ≤ 4, currency_rate ≤ 6",
    phase=2,
)
def _decimals(ctx: Context) -> Outcome:
    bad: Counter[str] = Counter()
    counted = 0
    for exchange, body in json_answers(ctx):
        for key, parent, value in walk_json(body):
            if key is None or key not in DECIMALS or not isinstance(value, Decimal):
                continue
            if parent == "data" and key == "total" and exchange.endpoint == "orders":
                continue
            counted += 1
            if places(value) > DECIMALS[key]:
                bad[f"{key} {format(value, 'f')} ({exchange.endpoint})"] += 1
    if not counted:
        raise Skip("no prices or amounts seen")
    if bad:
        return differs(f"{sum(bad.values())} numbers: " + listed(list(bad), 3))
    return passed(f"{counted} numbers within their places")


@check(
    "dates.formats",
    "*",
    "documented",
    "every date-time one of README §8's four (YYYY-MM-DD HH:MM:SS, DD-MM-YYYY HH:MM, ISO with offset, ISO Z); dates YYYY-MM-DD or DD-MM-YYYY",
    phase=2,
)
def _dates(ctx: Context) -> Outcome:
    forms: dict[str, Counter[str]] = {}
    bad: Counter[str] = Counter()
    for exchange, body in json_answers(ctx):
        for key, _, value in walk_json(body):
            if key is None or value is None or isinstance(value, Mapping | list):
                continue
            if key.endswith("_at"):
                form = datetime_format(value)
            elif key == "birthdate" or key.endswith("date"):
                form = date_format(value)
            else:
                continue
            if form is None:
                bad[f"{key} ({exchange.endpoint})"] += 1
            else:
                forms.setdefault(key, Counter())[form] += 1
    if not forms and not bad:
        raise Skip("no dates seen")
    seen = "; ".join(f"{k}: {', '.join(f for f in c)}" for k, c in forms.items())
    if bad:
        return differs(f"unreadable {listed([f'{k} ×{n}' for k, n in bad.items()], 3)}; {seen}")
    return passed(seen)


@check(
    "enums.currencies",
    "*",
    "documented",
    "every currency and currency_code is GBP, TRY, USD or EUR (a metal wallet's is its SKU)",
    phase=2,
)
def _currencies(ctx: Context) -> Outcome:
    seen: Counter[str] = Counter()
    bad: Counter[str] = Counter()
    for exchange, body in json_answers(ctx):
        for key, _, value in walk_json(body):
            if key not in ("currency", "currency_code") or value is None:
                continue
            seen[str(value)] += 1
            if value not in catalog.CURRENCIES and not (key == "currency_code" and value in DOCUMENTED_SKUS):
                bad[f"{text(value)} ({exchange.endpoint})"] += 1
    if not seen:
        raise Skip("no currency seen")
    if bad:
        return differs(listed([f"{k} ×{n}" for k, n in bad.items()], 3))
    return passed(", ".join(sorted(seen)))
