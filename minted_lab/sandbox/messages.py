"""Every human-readable text the sandbox writes, in Turkish (default) and English."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("tr", "en")

TEXTS: dict[str, tuple[str, str]] = {
    # envelope messages
    "unauthorized": (
        "Yetkisiz erişim: geçerli bir Digest kimlik doğrulaması gerekli.",
        "Unauthorized: valid Digest authentication is required.",
    ),
    "forbidden": ("Bu işlem için yetkiniz yok.", "You are not allowed to perform this action."),
    "not_found": ("Kaynak bulunamadı.", "Resource not found."),
    "route_not_found": ("İstenen adres bulunamadı.", "The requested route was not found."),
    "order_not_found": ("Sipariş bulunamadı.", "Order not found."),
    "customer_not_found": ("Müşteri bulunamadı.", "Customer not found."),
    "method_not_allowed": (
        "Bu adres için HTTP yöntemi desteklenmiyor.",
        "The HTTP method is not allowed for this route.",
    ),
    "too_large": ("İstek gövdesi çok büyük (en fazla 64 KiB).", "The request body is too large (64 KiB at most)."),
    "too_many": ("Çok fazla istek; lütfen daha sonra tekrar deneyin.", "Too many requests; please retry later."),
    "server_error": ("Sunucu hatası.", "Server error."),
    "unavailable": ("Servis geçici olarak kullanılamıyor.", "The service is temporarily unavailable."),
    "fault": ("Yapay hata (sandbox hata enjeksiyonu).", "Injected failure (sandbox fault injection)."),
    "invalid": ("Parametre hatası: {field}: {reason}", "Parameter error: {field}: {reason}"),
    "invalid_more": (
        "Parametre hatası: {field}: {reason} (ve {more} hata daha)",
        "Parameter error: {field}: {reason} (and {more} more errors)",
    ),
    # field reasons
    "required": ("zorunludur", "is required"),
    "required_for_total": (
        "toplam tutardan fiyat sabitlemede zorunludur",
        "is required for a price fix from a total",
    ),
    "unknown_field": ("tanınmayan alan", "is not an allowed field"),
    "invalid_json": ("geçerli bir JSON nesnesi olmalıdır", "must be a valid JSON object"),
    "number_out_of_range": (
        "okunamayacak kadar büyük ya da küçük bir sayıdır",
        "is a number too large or too small to read",
    ),
    "must_be_object": ("bir nesne olmalıdır", "must be an object"),
    "must_be_string": ("bir metin olmalıdır", "must be a string"),
    "must_be_bool": ("true ya da false olmalıdır", "must be true or false"),
    "must_be_list": ("boş olmayan bir liste olmalıdır", "must be a non-empty list"),
    "too_many_items": ("en fazla {max} kalem olabilir", "may hold at most {max} items"),
    "positive_integer": ("pozitif bir tam sayı olmalıdır", "must be a positive integer"),
    "positive_number": (
        "en fazla 4 ondalıklı pozitif bir sayı olmalıdır",
        "must be a positive number with at most 4 decimals",
    ),
    "positive_money": (
        "en fazla 2 ondalıklı pozitif bir tutar olmalıdır",
        "must be a positive amount with at most 2 decimals",
    ),
    "too_big": ("en fazla {max} olabilir", "must be at most {max}"),
    "too_small_total": ("tutarı 0,01'den küçük olamaz", "is too small: the item total would be below 0.01"),
    "one_of": ("şunlardan biri olmalıdır: {choices}", "must be one of: {choices}"),
    "external_id_format": (
        "1-64 karakter, yalnızca harf, rakam, '-' ve '_' olmalıdır",
        "must be 1-64 characters of letters, digits, '-' and '_'",
    ),
    "customer_id_format": (
        "3-40 karakter, yalnızca harf, rakam, '-' ve '_' olmalıdır",
        "must be 3-40 characters of letters, digits, '-' and '_'",
    ),
    "length": ("{min}-{max} karakter olmalıdır", "must be {min}-{max} characters long"),
    "email": ("geçerli bir e-posta adresi olmalıdır", "must be a valid email address"),
    "phone": ("geçerli bir telefon numarası olmalıdır", "must be a valid phone number"),
    "digits": ("yalnızca rakamlardan oluşmalıdır (1-20)", "must be 1-20 digits"),
    "date": (
        "YYYY-AA-GG ya da GG-AA-YYYY biçiminde geçerli bir tarih olmalıdır",
        "must be a valid date as YYYY-MM-DD or DD-MM-YYYY",
    ),
    "iso_date": ("YYYY-AA-GG biçiminde geçerli bir tarih olmalıdır", "must be a valid date as YYYY-MM-DD"),
    "integer_range": ("{min} ile {max} arasında bir tam sayı olmalıdır", "must be an integer from {min} to {max}"),
    "status_ids": ("virgülle ayrılmış durum numaraları olmalıdır (1-12)", "must be comma-separated status ids (1-12)"),
    "unknown_sku": ("bilinmeyen ürün", "is not a known product"),
    "duplicate_sku": ("aynı ürün birden fazla kez verilmiş", "repeats a product already in the order"),
    "token_invalid": (
        "fiyat anahtarı geçersiz, süresi dolmuş ya da kullanılmış",
        "the price token is unknown, expired or already used",
    ),
    "token_customer": (
        "fiyat anahtarı başka bir müşteri için alınmış",
        "the price token was fixed for another customer",
    ),
    "currency_mismatch": (
        "fiyat anahtarının para birimiyle ({currency}) aynı olmalıdır",
        "must equal the price token's currency ({currency})",
    ),
    "external_id_taken": ("bu sipariş numarası daha önce kullanılmış", "has already been used for another order"),
    "customer_taken": ("bu müşteri numarası zaten kayıtlı", "is already registered"),
    "customer_unknown": ("müşteri bulunamadı", "is not a known customer"),
    "insufficient_metal": ("yetersiz bakiye", "exceeds the available balance"),
    "insufficient_cash": ("yetersiz nakit bakiyesi", "exceeds the available cash balance"),
    "api_version": ("desteklenmeyen değer (2 ya da 3 olmalıdır)", "is not supported (use 2 or 3)"),
    "api_version_3": ("fiyat sabitleme için 3 olmalıdır", "must be 3 for price fix"),
    "one_id_required": (
        "guid, order_code ya da external_id alanlarından biri zorunludur",
        "one of guid, order_code or external_id is required",
    ),
    "card_unsupported": ("sandbox yalnızca nakit ödemeyi destekler", "the sandbox supports cash payment only"),
    "tax_office_required": ("kurumsal müşteri için zorunludur", "is required for a company account"),
}


def text(key: str, lang: str, **params: Any) -> str:
    """The text `key` in `lang` ("tr" or "en"), formatted with `params`."""
    tr, en = TEXTS[key]
    template = en if lang == "en" else tr
    return template.format(**params) if params else template


def pick_language(header: str | None) -> str:
    """`tr` or `en` from an Accept-Language header; anything else falls back to `tr`."""
    if not header:
        return "tr"
    first = header.split(",", 1)[0].split(";", 1)[0].strip().lower()
    primary = first.split("-", 1)[0]
    return primary if primary in LANGUAGES else "tr"
