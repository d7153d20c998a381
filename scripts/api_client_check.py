#!/usr/bin/env python3
"""Checks the portal's Partner Center-compatible REST API (/v1) with Partner Center's own
published client models: the PyPI package `partnercenterservices` (AutoRest/msrest code
generated from Partner Center's Swagger).

    python3 scripts/api_client_check.py BASE_URL TOKEN [--change] [--strict] [--no-sdk]
    python3 scripts/api_client_check.py --self-test

BASE_URL is the server's origin, e.g. http://127.0.0.1:8080 (the script adds /v1/...).
TOKEN comes from `portal api-token create --user admin@contoso.example --name check`.

Read-only by default: it GETs the customer list (and its next page, and a filtered list), every
customer (up to --max-customers), its subscriptions, each subscription (up to
--max-subscriptions per customer) and its upgrades, plus three error answers (unknown customer,
no token, size out of range). With --change it also PATCHes a subscription (its friendly name,
to the same value), sends a stale ETag (expects 412, code 2055), posts an ineligible upgrade
(expects 409) and posts an eligible one (expects 200): the demo data is changed.

Each JSON answer is deserialized with the package's own model class (msrest
`Model.deserialize(dict)`), then walked key by key, recursively into nested models: every key
of the JSON must land on a model attribute that came back non-None. The script prints, per
resource, the fields the model kept and any it dropped.

Exit status: 1 when a request fails, an answer has the wrong status, deserialization fails, a
field that the contract lists is missing from the answer or dropped by the model (other than
the known gaps below), or an objectType is wrong; with --strict also when any other field is
dropped, a value is coerced to the model's type (e.g. a number where the model has a string)
or an enum value is not one the model documents. 2 for usage/installation problems.

Known gaps of the published models (reported, not failing unless --strict):
  * the error model MicrosoftMarketplaceServicesCoreServiceFault has no `errorName`.

--self-test runs the whole check against an in-process fake of the contract (hand-written
samples below) on 127.0.0.1, plus cases the checker must catch; it needs no server or token.

Needs the packages of scripts/api-requirements.txt. When they are not importable the script
re-runs itself with the venv that scripts/api-fuzz.sh makes (same path), if that exists.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import http.server
import json
import os
import re
import sys
import threading
import traceback
import urllib.error
import urllib.parse
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REQUIREMENTS = os.path.join(HERE, "api-requirements.txt")


def _venv_dir() -> str:
    """The venv scripts/api-fuzz.sh creates: $API_VENV, else ${TMPDIR:-/tmp}/portal-api-venv-<hash>."""
    if os.environ.get("API_VENV"):
        return os.environ["API_VENV"]
    with open(REQUIREMENTS, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()[:12]
    return os.path.join(os.environ.get("TMPDIR") or "/tmp", "portal-api-venv-" + digest)


try:
    from microsoft.store.partnercenterservices import models as pcmodels
except ImportError:
    venv_python = os.path.join(_venv_dir(), "bin", "python")
    # (A venv's python is a symlink to the system one: compare prefixes, not executables.)
    if os.path.exists(venv_python) and os.path.realpath(sys.prefix) != os.path.realpath(_venv_dir()) \
            and not os.environ.get("API_CLIENT_CHECK_REEXEC"):
        os.environ["API_CLIENT_CHECK_REEXEC"] = "1"
        os.execv(venv_python, [venv_python, os.path.abspath(__file__)] + sys.argv[1:])
    sys.stderr.write(
        "error: the package partnercenterservices is not importable.\n"
        "Install scripts/api-requirements.txt, e.g. `bash scripts/api-fuzz.sh --setup` (makes the venv\n"
        f"{_venv_dir()}), or `pip install -r scripts/api-requirements.txt`.\n")
    sys.exit(2)

MODELS_MODULE = pcmodels.__name__  # microsoft.store.partnercenterservices.models
P = "MicrosoftPartnerSdkContracts"

# Resource kind -> the package's model class that Partner Center's SDK deserializes it with.
MODEL = {
    "CustomerCollection": P + "V1CollectionsResourceCollectionMicrosoftPartnerSdkContractsV1Customer",
    "Customer": P + "V1Customer",
    "SubscriptionCollection": P + "V1CollectionsResourceCollectionMicrosoftPartnerSdkContractsV1Subscription",
    "Subscription": P + "V1Subscription",
    "UpgradeCollection": P + "V1CollectionsResourceCollectionMicrosoftPartnerSdkContractsV1SubscriptionsUpgrade",
    "Upgrade": P + "V1SubscriptionsUpgrade",
    "UpgradeResult": P + "V1SubscriptionsUpgradeResult",
    "OfferCollection": P + "V1CollectionsResourceCollectionMicrosoftPartnerSdkContractsV1Offer",
    "Offer": P + "V1Offer",
    "OrderCollection": P + "V1CollectionsResourceCollectionMicrosoftPartnerSdkContractsV1Order",
    "Order": P + "V1Order",
    "Error": "MicrosoftMarketplaceServicesCoreServiceFault",
}

# The fields the contract lists, as JSON paths ("[]" = every element of a list). A listed field
# that is missing from an answer fails the check; so does one the model drops.
LINK = ["uri", "method", "headers"]
CUSTOMER = ["id", "companyProfile", "companyProfile.tenantId", "companyProfile.domain",
            "companyProfile.companyName", "companyProfile.attributes", "relationshipToPartner",
            "allowDelegatedAccess", "links", "links.self"] + ["links.self." + f for f in LINK] + \
           ["attributes", "attributes.objectType"]
SUBSCRIPTION = ["id", "offerId", "offerName", "friendlyName", "quantity", "unitType", "creationDate",
                "effectiveStartDate", "commitmentEndDate", "status", "autoRenewEnabled", "billingType",
                "billingCycle", "partnerId", "suspensionReasons", "contractType", "links", "links.self",
                "links.offer", "attributes", "attributes.etag", "attributes.objectType"]
UPGRADE_ERROR = ["code", "description", "additionalDetails", "attributes"]
UPGRADE = ["targetOffer", "targetOffer.id", "targetOffer.name", "targetOffer.minimumQuantity",
           "targetOffer.maximumQuantity", "targetOffer.unitType", "targetOffer.attributes",
           "targetOffer.attributes.objectType", "upgradeType", "isEligible", "quantity",
           "upgradeErrors"] + ["upgradeErrors[]." + f for f in UPGRADE_ERROR]
UPGRADE_RESULT = ["sourceSubscriptionId", "targetSubscriptionId", "upgradeType", "upgradeErrors",
                  "licenseErrors", "attributes", "attributes.objectType"] + \
                 ["upgradeErrors[]." + f for f in UPGRADE_ERROR]
ERROR = ["code", "description", "errorName", "data", "source"]
OFFER = ["id", "name", "description", "minimumQuantity", "maximumQuantity", "rank", "uri", "locale",
         "country", "category", "category.id", "category.name", "limitUnitOfMeasure", "limit",
         "prerequisiteOffers", "isAddOn", "hasAddOns", "isAvailableForPurchase", "billing",
         "supportedBillingCycles", "isAutoRenewable", "upgradeTargetOffers", "isTrial", "product",
         "product.id", "product.name", "product.unit", "unitType", "links", "links.self",
         "attributes", "attributes.objectType"]
ORDER_LINE = ["lineItemNumber", "offerId", "subscriptionId", "friendlyName", "quantity",
              "termDuration", "transactionType", "links"]
ORDER = ["id", "alternateId", "referenceCustomerId", "billingCycle", "transactionType", "lineItems",
         "currencyCode", "currencySymbol", "creationDate", "status", "links", "links.self",
         "attributes", "attributes.objectType"] + ["lineItems[]." + f for f in ORDER_LINE]


def _collection(item_fields):
    return ["totalCount", "items", "links", "links.self", "attributes", "attributes.objectType"] + \
           ["links.self." + f for f in LINK] + ["items[]." + f for f in item_fields]


CONTRACT = {
    "CustomerCollection": _collection(CUSTOMER),
    "Customer": CUSTOMER,
    "SubscriptionCollection": _collection(SUBSCRIPTION),
    "Subscription": SUBSCRIPTION,
    "UpgradeCollection": _collection(UPGRADE),
    "Upgrade": UPGRADE,
    "UpgradeResult": UPGRADE_RESULT,
    "OfferCollection": _collection(OFFER),
    "Offer": OFFER,
    "OrderCollection": _collection(ORDER),
    "Order": ORDER,
    "Error": ERROR,
}

# objectType the contract fixes, by JSON path (normalized).
OBJECT_TYPES = {
    "CustomerCollection": {"attributes.objectType": "Collection", "items[].attributes.objectType": "Customer"},
    "Customer": {"attributes.objectType": "Customer"},
    "SubscriptionCollection": {"attributes.objectType": "Collection",
                               "items[].attributes.objectType": "Subscription"},
    "Subscription": {"attributes.objectType": "Subscription"},
    "UpgradeCollection": {"attributes.objectType": "Collection",
                          "items[].targetOffer.attributes.objectType": "Offer"},
    "Upgrade": {"targetOffer.attributes.objectType": "Offer"},
    "UpgradeResult": {"attributes.objectType": "UpgradeResult"},
    "OfferCollection": {"attributes.objectType": "Collection", "items[].attributes.objectType": "Offer"},
    "Offer": {"attributes.objectType": "Offer"},
    "OrderCollection": {"attributes.objectType": "Collection", "items[].attributes.objectType": "Order"},
    "Order": {"attributes.objectType": "Order"},
    "Error": {},
}

# Contract fields an answer may leave out (the portal omits a null): a refused upgrade has no
# target subscription.
OPTIONAL = {"UpgradeResult": {"targetSubscriptionId"}}

# Fields the published models lack although the contract has them: reported as known gaps.
KNOWN_GAPS = {("Error", "errorName"): "MicrosoftMarketplaceServicesCoreServiceFault has no errorName"}
# Fields of Partner Center's REST reference (order-resources.md) that the published Order models
# predate: the answers carry them, the models keep them in additional_properties.
for _field in ("alternateId", "transactionType", "currencySymbol", "lineItems[].termDuration",
               "lineItems[].transactionType"):
    _why = "the published Order models predate " + _field
    KNOWN_GAPS[("Order", _field)] = _why
    KNOWN_GAPS[("OrderCollection", "items[]." + _field)] = _why


def model_class(name: str):
    return getattr(pcmodels, name)


_ENUM_CACHE: dict = {}


def documented_enums(cls) -> dict:
    """{attribute: [values]} from the class docstring's 'Possible values include: ...'."""
    if cls in _ENUM_CACHE:
        return _ENUM_CACHE[cls]
    out = {}
    doc = cls.__doc__ or ""
    for m in re.finditer(r":(?:param|ivar) (\w+):(.*?)(?=\n\s*:(?:type|vartype) )", doc, re.S):
        pv = re.search(r"Possible values\s+include:(.*)", m.group(2), re.S)
        if pv:
            out[m.group(1)] = re.findall(r"'([^']*)'", pv.group(1))
    _ENUM_CACHE[cls] = out
    return out


def _json_type_ok(value, msrest_type: str) -> bool:
    """Does the JSON value have the type the model declares (no silent coercion by msrest)?"""
    if msrest_type in ("str", "iso-8601", "rfc-1123", "date", "time", "duration", "bytearray", "base64"):
        return isinstance(value, str)
    if msrest_type in ("int", "long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if msrest_type in ("float", "decimal"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if msrest_type == "bool":
        return isinstance(value, bool)
    return True  # 'object', unix-time etc.


class Finding:
    __slots__ = ("path", "kind", "detail")

    def __init__(self, path, kind, detail=""):
        self.path, self.kind, self.detail = path, kind, detail


def norm(path: str) -> str:
    return re.sub(r"\[\d+\]", "[]", path)


def walk(data, obj, cls, path, out):
    """Compare JSON dict `data` with the deserialized model `obj` of class `cls`."""
    amap = cls._attribute_map
    by_key = {desc["key"].split(".")[0].replace("\\.", "."): (attr, desc["type"]) for attr, desc in amap.items()
              if desc["key"]}
    enums = documented_enums(cls)
    extra = getattr(obj, "additional_properties", None) or {}
    for key, value in data.items():
        p = f"{path}.{key}" if path else key
        if key not in by_key:
            out.append(Finding(p, "dropped", f"{cls.__name__} has no attribute for JSON key '{key}'"
                                             + (" (msrest kept it in additional_properties)" if key in extra else "")))
            continue
        attr, typ = by_key[key]
        got = getattr(obj, attr, None)
        if value is None:
            out.append(Finding(p, "null"))
            continue
        if got is None:
            out.append(Finding(p, "dropped", f"{cls.__name__}.{attr} is None after deserialization"))
            continue
        out.append(Finding(p, "kept", f"{cls.__name__}.{attr}"))
        _walk_value(value, got, typ, p, out, cls, attr, enums)


def _walk_value(value, got, typ, p, out, cls, attr, enums):
    if typ.startswith("[") and typ.endswith("]"):
        inner = typ[1:-1]
        if not isinstance(value, list):
            out.append(Finding(p, "coerced", f"JSON {type(value).__name__}, model expects a list of {inner}"))
            return
        for i, (v, g) in enumerate(zip(value, got)):
            if v is None:
                continue
            if g is None:
                out.append(Finding(f"{p}[{i}]", "dropped", f"element became None ({inner})"))
                continue
            _walk_value(v, g, inner, f"{p}[{i}]", out, cls, attr, enums)
        return
    if typ.startswith("{") and typ.endswith("}"):
        return
    sub = getattr(pcmodels, typ, None)
    if isinstance(sub, type):
        if isinstance(value, dict):
            walk(value, got, sub, p, out)
        else:
            out.append(Finding(p, "coerced", f"JSON {type(value).__name__}, model expects object {typ}"))
        return
    if not _json_type_ok(value, typ):
        out.append(Finding(p, "coerced", f"JSON {json.dumps(value, ensure_ascii=False)} ({type(value).__name__}) "
                                         f"-> model type '{typ}' gives {got!r}"))
    if attr in enums and isinstance(value, str) and value not in enums[attr]:
        out.append(Finding(p, "enum", f"{json.dumps(value, ensure_ascii=False)} is not one of the values "
                                      f"{cls.__name__}.{attr} documents: {', '.join(enums[attr])}"))


def _present(data, path_parts):
    """Yield (concrete_path, present) for a contract path on the JSON."""
    def rec(node, parts, prefix):
        if not parts:
            yield prefix, True
            return
        part = parts[0]
        is_list = part.endswith("[]")
        key = part[:-2] if is_list else part
        if not isinstance(node, dict):
            return  # parent missing or null: reported at the parent
        if key not in node:
            yield (f"{prefix}.{key}" if prefix else key), False
            return
        child = node[key]
        p = f"{prefix}.{key}" if prefix else key
        if child is None:
            if len(parts) == 1:
                yield p, True
            return
        if is_list:
            if isinstance(child, list):
                for i, el in enumerate(child):
                    yield from rec(el, parts[1:], f"{p}[{i}]")
            return
        yield from rec(child, parts[1:], p)
    yield from rec(data, path_parts, "")


def _get_path(data, path):
    """Values at a normalized path ('a.b[].c')."""
    nodes = [data]
    for part in path.split("."):
        is_list = part.endswith("[]")
        key = part[:-2] if is_list else part
        nxt = []
        for n in nodes:
            if isinstance(n, dict) and key in n:
                v = n[key]
                if is_list and isinstance(v, list):
                    nxt.extend(v)
                elif not is_list:
                    nxt.append(v)
        nodes = nxt
    return nodes


class Report:
    def __init__(self, strict=False, quiet=False):
        self.strict, self.quiet = strict, quiet
        self.failures: list[str] = []
        self.warnings: list[str] = []
        self.resources = 0

    def fail(self, msg):
        self.failures.append(msg)
        print(f"  FAIL  {msg}")

    def warn(self, msg):
        if self.strict:
            self.fail(msg)
        else:
            self.warnings.append(msg)
            print(f"  WARN  {msg}")

    def info(self, msg):
        if not self.quiet:
            print(msg)


def check_resource(report: Report, kind: str, data, label: str):
    """Deserialize `data` as `kind` with the package's model; report kept/dropped fields."""
    cls_name = MODEL[kind]
    cls = model_class(cls_name)
    report.resources += 1
    print(f"[{kind}] {label}")
    print(f"  model {MODELS_MODULE}.{cls_name}")
    if not isinstance(data, dict):
        report.fail(f"{kind} {label}: the answer is not a JSON object: {str(data)[:200]}")
        return None
    try:
        obj = cls.deserialize(data)
    except Exception as exc:  # msrest raises DeserializationError (azure.core / msrest)
        report.fail(f"{kind} {label}: deserialization failed: {type(exc).__name__}: {exc}")
        return None
    findings: list[Finding] = []
    walk(data, obj, cls, "", findings)
    kept = sorted({norm(f.path) for f in findings if f.kind == "kept"})
    nulls = sorted({norm(f.path) for f in findings if f.kind == "null"})
    print(f"  kept ({len(kept)}): {', '.join(kept)}")
    if nulls:
        print(f"  null in JSON ({len(nulls)}): {', '.join(nulls)}")
    contract = set(CONTRACT[kind])
    dropped = [f for f in findings if f.kind == "dropped"]
    if not dropped:
        print("  dropped: none")
    seen = set()
    for f in dropped:
        key = (norm(f.path), f.detail.split(" is None")[0])
        if key in seen:
            continue
        seen.add(key)
        np_ = norm(f.path)
        if (kind, np_) in KNOWN_GAPS:
            print(f"  KNOWN GAP  dropped {np_}: {KNOWN_GAPS[(kind, np_)]}")
            if report.strict:
                report.fail(f"{kind} {label}: {np_} dropped ({KNOWN_GAPS[(kind, np_)]})")
        elif np_ in contract:
            report.fail(f"{kind} {label}: contract field {np_} dropped: {f.detail}")
        else:
            report.warn(f"{kind} {label}: field {np_} (not in the contract) dropped: {f.detail}")
    for kind_, verb in (("coerced", "type differs from the model"), ("enum", "undocumented enum value")):
        seen = set()
        for f in findings:
            if f.kind == kind_ and (norm(f.path), f.detail) not in seen:
                seen.add((norm(f.path), f.detail))
                report.warn(f"{kind} {label}: {norm(f.path)}: {verb}: {f.detail}")
    # Contract fields missing from the answer.
    missing = set()
    for cpath in CONTRACT[kind]:
        for concrete, present in _present(data, cpath.split(".")):
            if not present:
                missing.add(norm(concrete))
    for m in sorted(missing - OPTIONAL.get(kind, set())):
        report.fail(f"{kind} {label}: contract field {m} missing from the answer")
    for path, want in OBJECT_TYPES[kind].items():
        for got in _get_path(data, path):
            if got != want:
                report.fail(f"{kind} {label}: {path} is {got!r}, the contract says {want!r}")
                break
    return obj


# --------------------------------------------------------------------------------------------
# HTTP


class Api:
    def __init__(self, base: str, token: str | None, timeout: float = 30.0):
        self.base = base.rstrip("/")
        self.token = token
        self.timeout = timeout

    def url(self, path_or_uri: str) -> str:
        """Absolute URL for '/v1/…', a link uri relative to /v1 ('/customers?…') or an absolute one."""
        if re.match(r"^https?://", path_or_uri):
            return path_or_uri
        if path_or_uri.startswith("/v1/") or path_or_uri == "/v1":
            return self.base + path_or_uri
        if path_or_uri.startswith("/"):
            return self.base + "/v1" + path_or_uri
        return self.base + "/v1/" + path_or_uri

    def call(self, method, path, body=None, headers=None, auth=True):
        hdrs = {"Accept": "application/json", "MS-CorrelationId": str(uuid.uuid4()),
                "MS-RequestId": str(uuid.uuid4())}
        if auth and self.token is not None:
            hdrs["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        req = urllib.request.Request(self.url(path), data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                status, rh, raw = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as err:
            status, rh, raw = err.code, err.headers, err.read()
        parsed = None
        try:
            parsed = json.loads(raw.decode("utf-8")) if raw else None
        except (ValueError, UnicodeDecodeError):
            parsed = None
        return Response(method, self.url(path), status, rh, raw, parsed, hdrs)


class Response:
    def __init__(self, method, url, status, headers, raw, json_, sent):
        self.method, self.url, self.status, self.headers = method, url, status, headers
        self.raw, self.json, self.sent = raw, json_, sent

    @property
    def label(self):
        u = urllib.parse.urlsplit(self.url)
        return f"{self.method} {u.path}{'?' + u.query if u.query else ''} -> {self.status}"


def expect(report: Report, resp: Response, statuses, kind: str):
    """Check status, content type and echoed headers; then the body against `kind`."""
    if resp.status not in statuses:
        report.fail(f"{resp.label}: expected status {'/'.join(map(str, statuses))}; body: "
                    f"{resp.raw[:300].decode('utf-8', 'replace')}")
        return None
    ctype = resp.headers.get("Content-Type", "")
    if not ctype.split(";")[0].strip().lower().endswith("json"):
        report.fail(f"{resp.label}: Content-Type is {ctype!r}, not JSON")
    for h in ("MS-CorrelationId", "MS-RequestId"):
        if resp.headers.get(h) != resp.sent.get(h):
            report.fail(f"{resp.label}: header {h} not echoed (sent {resp.sent.get(h)}, got {resp.headers.get(h)})")
    if resp.json is None:
        report.fail(f"{resp.label}: body is not JSON: {resp.raw[:200]!r}")
        return None
    return check_resource(report, kind, resp.json, resp.label)


def follow_link(api: Api, link: dict):
    headers = {h.get("key"): h.get("value") for h in (link.get("headers") or []) if isinstance(h, dict)}
    return api.call((link.get("method") or "GET").upper(), link["uri"], headers=headers)


def run_checks(api: Api, report: Report, change=False, sdk=True, max_customers=50, max_subscriptions=20,
               sells=False):
    """`sells`: also the catalog, orders and the domain check (issue 31; the self-test's fake
    server predates them)."""
    # 1. The customer list, its paging and its filter.
    resp = api.call("GET", "/v1/customers?size=200")
    coll = expect(report, resp, [200], "CustomerCollection")
    customers = (resp.json or {}).get("items") or [] if coll is not None else []
    if coll is None:
        return
    if len(customers) > 1:
        r1 = api.call("GET", "/v1/customers?size=1")
        p1 = expect(report, r1, [200], "CustomerCollection")
        nxt = (((r1.json or {}).get("links") or {}).get("next")) if p1 is not None else None
        if p1 is not None and not nxt:
            report.fail(f"{r1.label}: {len(customers)} customers but the size=1 page has no links.next")
        elif nxt:
            if not any((h or {}).get("key", "").lower() == "ms-continuationtoken" for h in nxt.get("headers") or []):
                report.fail(f"{r1.label}: links.next has no MS-ContinuationToken header: {nxt}")
            r2 = follow_link(api, nxt)
            if expect(report, r2, [200], "CustomerCollection") is not None:
                a = [c.get("id") for c in r1.json.get("items") or []]
                b = [c.get("id") for c in r2.json.get("items") or []]
                if not b or a == b:
                    report.fail(f"{r2.label}: the next page repeats or is empty (page 1 {a}, page 2 {b})")
    name = ((customers[0].get("companyProfile") or {}).get("companyName") or "") if customers else ""
    if name:
        flt = json.dumps({"Field": "CompanyName", "Value": name[:3], "Operator": "starts_with"}, ensure_ascii=False)
        rf = api.call("GET", "/v1/customers?size=200&filter=" + urllib.parse.quote(flt))
        if expect(report, rf, [200], "CustomerCollection") is not None:
            ids = [c.get("id") for c in rf.json.get("items") or []]
            if customers[0].get("id") not in ids:
                report.fail(f"{rf.label}: filter CompanyName starts_with {name[:3]!r} misses {name!r}")

    # 2. Every customer, its subscriptions, each subscription and its upgrades.
    eligible = ineligible = None
    patch_target = None
    for cust in customers[:max_customers]:
        cid = cust.get("id")
        if not cid:
            continue
        q = urllib.parse.quote(cid, safe="")
        expect(report, api.call("GET", f"/v1/customers/{q}"), [200], "Customer")
        rs = api.call("GET", f"/v1/customers/{q}/subscriptions")
        if expect(report, rs, [200], "SubscriptionCollection") is None:
            continue
        for sub in (rs.json.get("items") or [])[:max_subscriptions]:
            sid = sub.get("id")
            if not sid:
                continue
            s = urllib.parse.quote(sid, safe="")
            r = api.call("GET", f"/v1/customers/{q}/subscriptions/{s}")
            expect(report, r, [200], "Subscription")
            if patch_target is None and r.status == 200 and (r.json or {}).get("status") == "active":
                patch_target = (q, s, r.json)
            ru = api.call("GET", f"/v1/customers/{q}/subscriptions/{s}/upgrades")
            if expect(report, ru, [200], "UpgradeCollection") is None:
                continue
            for up in ru.json.get("items") or []:
                if up.get("isEligible") and eligible is None:
                    eligible = (q, s, up)
                if not up.get("isEligible") and ineligible is None:
                    ineligible = (q, s, up)

    # 3. The catalog.
    if sells:
        expect(report, api.call("GET", "/v1/offers?country=CN"), [200], "OfferCollection")
        expect(report, api.call("GET", "/v1/offers/O365_E3"), [200], "Offer")
        expect(report, api.call("GET", "/v1/offers?country=US"), [403], "Error")

    # 4. Error answers (read-only).
    missing = urllib.parse.quote(str(uuid.uuid4()))
    expect(report, api.call("GET", f"/v1/customers/{missing}"), [404], "Error")
    expect(report, api.call("GET", "/v1/customers", auth=False), [401], "Error")
    expect(report, api.call("GET", "/v1/customers?size=0"), [400], "Error")

    # 5. Changes, only when asked.
    if change:
        run_changes(api, report, patch_target, eligible, ineligible)
        if customers and sells:
            run_order(api, report, urllib.parse.quote(customers[0].get("id") or "", safe=""))
    # 6. The published SDK client itself (its request shapes, its deserialization).
    if sdk:
        run_sdk(api, report, customers[:1], sells)


def run_changes(api, report, patch_target, eligible, ineligible):
    Subscription = model_class(MODEL["Subscription"])
    Upgrade = model_class(MODEL["Upgrade"])
    if patch_target is None:
        report.fail("--change: no active subscription to PATCH")
    else:
        q, s, sub = patch_target
        etag = (sub.get("attributes") or {}).get("etag")
        # Partner Center's SDK sends the whole subscription it read, re-serialized by the model.
        body = Subscription.deserialize(sub).serialize()
        r = api.call("PATCH", f"/v1/customers/{q}/subscriptions/{s}", body=body,
                     headers={"If-Match": etag} if etag else {})
        expect(report, r, [200], "Subscription")
        r = api.call("PATCH", f"/v1/customers/{q}/subscriptions/{s}", body={"friendlyName": sub.get("friendlyName")},
                     headers={"If-Match": "stale-etag-from-api-client-check"})
        if expect(report, r, [412], "Error") is not None and (r.json or {}).get("code") != 2055:
            report.fail(f"{r.label}: stale ETag gave code {(r.json or {}).get('code')}, the contract says 2055")
    if ineligible is None:
        print("  (no ineligible upgrade found: the 409 check is skipped)")
    else:
        q, s, up = ineligible
        r = api.call("POST", f"/v1/customers/{q}/subscriptions/{s}/upgrades", body=Upgrade.deserialize(up).serialize())
        if expect(report, r, [409], "UpgradeResult") is not None and not (r.json or {}).get("upgradeErrors"):
            report.fail(f"{r.label}: a refused upgrade lists no upgradeErrors")
    if eligible is None:
        report.fail("--change: no eligible upgrade found to POST")
    else:
        q, s, up = eligible
        r = api.call("POST", f"/v1/customers/{q}/subscriptions/{s}/upgrades", body=Upgrade.deserialize(up).serialize())
        expect(report, r, [200], "UpgradeResult")


def run_order(api, report, q):
    """An order of one new subscription, as Partner Center's model serializes one; read back."""
    Order = model_class(MODEL["Order"])
    order = Order.deserialize({"billingCycle": "monthly", "lineItems": [
        {"lineItemNumber": 0, "offerId": "EXCHANGE_ONLINE_P1", "friendlyName": "api-client-check", "quantity": 1}]})
    r = api.call("POST", f"/v1/customers/{q}/orders", body=order.serialize())
    placed = expect(report, r, [201], "Order")
    if placed is not None and not all(li.get("subscriptionId") for li in (r.json or {}).get("lineItems") or []):
        report.fail(f"{r.label}: a line item without its subscriptionId")
    expect(report, api.call("GET", f"/v1/customers/{q}/orders"), [200], "OrderCollection")


def run_sdk(api: Api, report: Report, customers, sells=True):
    """Drive the package's generated client (MicrosoftPartnerStoreApis) against the server."""
    print("[SDK] microsoft.store.partnercenterservices.MicrosoftPartnerStoreApis")
    try:
        from msrest.authentication import BasicTokenAuthentication
        from microsoft.store.partnercenterservices import MicrosoftPartnerStoreApis
        client = MicrosoftPartnerStoreApis(BasicTokenAuthentication({"access_token": api.token}), base_url=api.base)
        coll = client.getvversioncustomersfilterfilter.value(version="1", size=200)
        if coll is None or coll.items is None:
            report.fail("SDK getvversioncustomersfilterfilter.value: no collection")
            return
        print(f"  customers: {len(coll.items)}")
        if not coll.items:
            return
        cid = coll.items[0].id
        cust = client.getvversioncustomerscustomer.id(customer_id=cid, version="1")
        print(f"  customer {cid}: {cust.company_profile.company_name if cust and cust.company_profile else None}")
        subs = client.getvversioncustomerscustomer.value9(customer_id=cid, version="1")
        print(f"  subscriptions: {len(subs.items or [])}")
        for sub in (subs.items or [])[:3]:
            one = client.getvversioncustomerscustomer.id6(customer_id=cid, subscription_id=sub.id, version="1")
            ups = client.getvversioncustomerscustomer.idupgrades(customer_id=cid, subscription_id=sub.id, version="1")
            print(f"  subscription {one.id} {one.status} {one.creation_date}: {len(ups.items or [])} upgrade(s)")
        if not sells:
            return
        checks = client.getvversionvalidationscheckdomainavailabilitydomain
        taken = (cust.company_profile.domain or "").split(".")[0] if cust and cust.company_profile else ""
        if taken and checks.prefix(domain_prefix=taken, version="1") is not False:
            report.fail(f"SDK checkdomainavailability: {taken!r} is a customer's, yet said available")
        if checks.prefix(domain_prefix="apiclientcheck" + uuid.uuid4().hex[:8], version="1") is not True:
            report.fail("SDK checkdomainavailability: a fresh prefix said taken")
        print(f"  checkdomainavailability: {taken!r} taken, a fresh prefix free")
    except Exception as exc:
        report.fail(f"SDK client call failed: {type(exc).__name__}: {exc}")


# --------------------------------------------------------------------------------------------
# Self-test: samples of the contract, an in-process fake server, and cases that must be caught.

CUST_IDS = ["6f1c1a1e-0f0a-4d6e-9a55-0c7d1b2a3f01", "0b5f3c2d-7e8a-4c1b-8d2e-5a6b7c8d9e02",
            "9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c03"]
SUB_IDS = ["a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c11", "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d12"]
OFFERS = {"essentials": "3451a3b0-8cda-44a7-bad7-c30be81c4aaa",
          "premium": "031c9e47-4802-4248-838e-778fb1d2cc05",
          "e3": "796b6b5f-613c-4e24-a17c-eba730d49c02"}


def _link(uri):
    return {"uri": uri, "method": "GET", "headers": []}


def sample_customer(i, name, domain, dap=True):
    cid = CUST_IDS[i]
    return {"id": cid,
            "companyProfile": {"tenantId": cid, "domain": domain, "companyName": name,
                               "attributes": {"objectType": "CustomerCompanyProfile"}},
            "relationshipToPartner": "reseller", "allowDelegatedAccess": dap,
            "links": {"self": _link(f"/v1/customers/{cid}")},
            "attributes": {"objectType": "Customer"}}


def sample_subscription(cid, sid, status="active", etag="AAAAAAAAB9E="):
    return {"id": sid, "offerId": OFFERS["essentials"], "offerName": "Microsoft 365 Business Basic",
            "friendlyName": "Essentials for sales", "quantity": 25, "unitType": "Licenses",
            "creationDate": "2024-03-01T08:30:00Z", "effectiveStartDate": "2024-03-01T00:00:00Z",
            "commitmentEndDate": "2025-03-01T00:00:00Z", "status": status, "autoRenewEnabled": True,
            "billingType": "license", "billingCycle": "monthly", "partnerId": "",
            "suspensionReasons": ["CustomerCancellation"] if status == "suspended" else [],
            "contractType": "subscription",
            "links": {"self": _link(f"/v1/customers/{cid}/subscriptions/{sid}"),
                      "offer": _link(f"/v1/offers/{OFFERS['essentials']}?country=CN")},
            "attributes": {"etag": etag, "objectType": "Subscription"}}


def sample_upgrade(offer, name, eligible, errors=()):
    return {"targetOffer": {"id": OFFERS[offer], "name": name, "minimumQuantity": 1, "maximumQuantity": 300,
                            "unitType": "Licenses", "attributes": {"objectType": "Offer"}},
            "upgradeType": "upgrade_with_license_transfer" if eligible else "upgrade_only",
            "isEligible": eligible, "quantity": 25,
            "upgradeErrors": [{"code": c, "description": d, "additionalDetails": a,
                               "attributes": {"objectType": "UpgradeError"}} for c, d, a in errors],
            "attributes": {"objectType": "Upgrade"}}


def sample_collection(items, self_uri, next_link=None):
    links = {"self": _link(self_uri)}
    if next_link:
        links["next"] = next_link
    return {"totalCount": len(items), "items": items, "links": links, "attributes": {"objectType": "Collection"}}


def sample_error(code, description, name):
    return {"code": code, "description": description, "errorName": name, "data": [], "source": "PortalAPI"}


def sample_upgrade_result(sid, target, errors=()):
    body = {"sourceSubscriptionId": sid, "targetSubscriptionId": target,
            "upgradeType": "upgrade_with_license_transfer" if target else "none",
            "upgradeErrors": [{"code": c, "description": d, "additionalDetails": a,
                               "attributes": {"objectType": "UpgradeError"}} for c, d, a in errors],
            "licenseErrors": [], "attributes": {"objectType": "UpgradeResult"}}
    if target is None:
        del body["targetSubscriptionId"]  # a refused upgrade: the portal leaves the field out
    return body


class FakeState:
    def __init__(self):
        self.customers = [sample_customer(0, "Fabrikam 科技", "fabrikam.partner.onmschina.cn"),
                          sample_customer(1, "Wingtip Toys 玩具", "wingtiptoys.partner.onmschina.cn"),
                          sample_customer(2, "Woodgrove 银行", "woodgrove.partner.onmschina.cn", dap=False)]
        self.subs = {CUST_IDS[0]: [sample_subscription(CUST_IDS[0], SUB_IDS[0])],
                     CUST_IDS[1]: [sample_subscription(CUST_IDS[1], SUB_IDS[1], status="suspended")],
                     CUST_IDS[2]: []}
        self.upgrades = {SUB_IDS[0]: [sample_upgrade("premium", "Microsoft 365 Business Premium", True),
                                      sample_upgrade("e3", "Office 365 E3", False,
                                                     [("conflicting_service_types",
                                                       "The customer already has a conflicting subscription.",
                                                       "Office 365 Business")])],
                         SUB_IDS[1]: [sample_upgrade("premium", "Microsoft 365 Business Premium", False,
                                                     [("subscription_status_not_active",
                                                       "The subscription is not active.", "")])]}
        self.mutate = None  # optional callable(path, body) -> body, to break answers on purpose


def make_handler(state: FakeState, token: str):
    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def send_json(self, status, body):
            u = urllib.parse.urlsplit(self.path)
            if state.mutate:
                body = state.mutate(u.path, copy.deepcopy(body))
            raw = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            for h in ("MS-CorrelationId", "MS-RequestId"):
                if self.headers.get(h):
                    self.send_header(h, self.headers.get(h))
            self.end_headers()
            self.wfile.write(raw)

        def route(self, method):
            if self.headers.get("Authorization") != f"Bearer {token}":
                return self.send_json(401, sample_error(401, "The bearer token is missing or invalid.", "Unauthorized"))
            u = urllib.parse.urlsplit(self.path)
            qs = dict(urllib.parse.parse_qsl(u.query))
            parts = [urllib.parse.unquote(p) for p in u.path.split("/") if p]
            nf = sample_error(404, "Not found.", "NotFound")
            if parts[:2] != ["v1", "customers"]:
                return self.send_json(404, nf)
            if len(parts) == 2 and method == "GET":
                try:
                    size = int(qs.get("size", "200"))
                except ValueError:
                    size = 0
                if not 1 <= size <= 500:
                    return self.send_json(400, sample_error(400, "size must be between 1 and 500.", "InvalidSize"))
                items = state.customers
                if "filter" in qs:
                    f = json.loads(qs["filter"])
                    fld = {"CompanyName": "companyName", "Domain": "domain"}[f["Field"]]
                    items = [c for c in items if c["companyProfile"][fld].lower().startswith(f["Value"].lower())]
                start = 0
                if qs.get("seekOperation", "").lower() == "next":
                    start = int(self.headers.get("MS-ContinuationToken") or 0)
                page = items[start:start + size]
                nxt = None
                if start + size < len(items):
                    nxt = {"uri": f"/v1/customers?size={size}&seekOperation=Next", "method": "GET",
                           "headers": [{"key": "MS-ContinuationToken", "value": str(start + size)}]}
                return self.send_json(200, sample_collection(page, f"/v1/customers?size={size}", nxt))
            cust = next((c for c in state.customers if c["id"] == parts[2]), None)
            if cust is None:
                return self.send_json(404, nf)
            cid = cust["id"]
            if len(parts) == 3 and method == "GET":
                return self.send_json(200, cust)
            if len(parts) == 4 and parts[3] == "subscriptions" and method == "GET":
                return self.send_json(200, sample_collection(state.subs[cid], f"/v1/customers/{cid}/subscriptions"))
            sub = next((s for s in state.subs[cid] if len(parts) > 4 and s["id"] == parts[4]), None)
            if sub is None:
                return self.send_json(404, nf)
            if len(parts) == 5 and method == "GET":
                return self.send_json(200, sub)
            if len(parts) == 5 and method == "PATCH":
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                etag = self.headers.get("If-Match") or (body.get("attributes") or {}).get("etag")
                if etag != sub["attributes"]["etag"]:
                    return self.send_json(412, sample_error(2055, "The subscription was changed by someone else.",
                                                            "ConcurrencyConflict"))
                if body.get("friendlyName"):
                    sub["friendlyName"] = body["friendlyName"]
                return self.send_json(200, sub)
            if len(parts) == 6 and parts[5] == "upgrades":
                ups = state.upgrades.get(sub["id"], [])
                if method == "GET":
                    return self.send_json(200, sample_collection(ups, f"/v1/customers/{cid}/subscriptions/"
                                                                      f"{sub['id']}/upgrades"))
                if method == "POST":
                    body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                    target = (body.get("targetOffer") or {}).get("id")
                    up = next((x for x in ups if x["targetOffer"]["id"] == target), None)
                    if up is None:
                        return self.send_json(404, nf)
                    if not up["isEligible"]:
                        errs = [(e["code"], e["description"], e["additionalDetails"]) for e in up["upgradeErrors"]]
                        return self.send_json(409, sample_upgrade_result(sub["id"], None, errs))
                    return self.send_json(200, sample_upgrade_result(sub["id"], str(uuid.uuid4())))
            return self.send_json(404, nf)

        def do_GET(self):
            self.route("GET")

        def do_PATCH(self):
            self.route("PATCH")

        def do_POST(self):
            self.route("POST")

    return H


def start_fake(state, token):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state, token))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}"


def self_test() -> int:
    token = "self-test-token"
    results = []

    def case(name, fn):
        print(f"\n===== self-test: {name}")
        try:
            ok, why = fn()
        except Exception:
            traceback.print_exc()
            ok, why = False, "exception"
        results.append((name, ok, why))
        print(f"----- {'ok' if ok else 'NOT OK'}: {name}{' (' + why + ')' if why else ''}")

    def run(mutate=None, strict=False, change=True, sdk=True):
        st = FakeState()
        st.mutate = mutate
        srv, base = start_fake(st, token)
        try:
            rep = Report(strict=strict)
            run_checks(Api(base, token, timeout=10), rep, change=change, sdk=sdk)
            return rep
        finally:
            srv.shutdown()
            srv.server_close()

    def clean():
        rep = run()
        return not rep.failures, f"{len(rep.failures)} failure(s), {len(rep.warnings)} warning(s)"

    def clean_strict_only_known_gap():
        rep = run(strict=True, sdk=False)
        only_gap = rep.failures and all("errorName" in f for f in rep.failures)
        return bool(only_gap), f"strict failures: {len(rep.failures)}"

    def sub_mut(fn):
        def m(path, body):
            if re.fullmatch(r"/v1/customers/[^/]+/subscriptions/[^/]+", path) and "offerId" in body:
                fn(body)
            return body
        return m

    def date_only():
        rep = run(mutate=sub_mut(lambda b: b.__setitem__("creationDate", "2024-03-01")), change=False, sdk=False)
        return any("deserialization failed" in f for f in rep.failures), "a date-only creationDate must fail"

    def unknown_field():
        rep = run(mutate=sub_mut(lambda b: b.__setitem__("renewalTermDuration", "P1Y")), change=False, sdk=False)
        ok = not rep.failures and any("renewalTermDuration" in w and "dropped" in w for w in rep.warnings)
        rep2 = run(mutate=sub_mut(lambda b: b.__setitem__("renewalTermDuration", "P1Y")), change=False, sdk=False,
                   strict=True)
        return ok and any("renewalTermDuration" in f for f in rep2.failures), "a field no model has: warn; --strict: fail"

    def missing_field():
        rep = run(mutate=sub_mut(lambda b: b.pop("commitmentEndDate")), change=False, sdk=False)
        return any("commitmentEndDate missing" in f for f in rep.failures), "a contract field left out must fail"

    def coerced():
        def m(path, body):
            for up in body.get("items") or [] if path.endswith("/upgrades") else []:
                for e in up.get("upgradeErrors") or []:
                    e["code"] = 4
            return body
        rep = run(mutate=m, change=False, sdk=False)
        return not rep.failures and any("upgradeErrors[].code" in w and "type differs" in w for w in rep.warnings), \
            "a numeric upgrade error code is a type warning"

    def enum_value():
        def m(path, body):
            for up in body.get("items") or [] if path.endswith("/upgrades") else []:
                up["upgradeType"] = "upgradeWithLicenseTransfer"
            return body
        rep = run(mutate=m, change=False, sdk=False)
        return any("upgradeType" in w and "undocumented enum" in w for w in rep.warnings), \
            "a camelCase upgradeType is an enum warning"

    def object_type():
        rep = run(mutate=sub_mut(lambda b: b["attributes"].__setitem__("objectType", "subscription")), change=False,
                  sdk=False)
        return any("objectType" in f for f in rep.failures), "a wrong objectType must fail"

    def no_echo():
        def m(path, body):
            return body
        st = FakeState()
        srv, base = start_fake(st, token)
        try:
            api = Api(base, token)
            resp = api.call("GET", "/v1/customers")
            resp.sent["MS-CorrelationId"] = "something-else"
            rep = Report()
            expect(rep, resp, [200], "CustomerCollection")
            return any("not echoed" in f for f in rep.failures), "a header not echoed must fail"
        finally:
            srv.shutdown()
            srv.server_close()

    def no_next_link():
        def m(path, body):
            if path == "/v1/customers" and isinstance(body.get("links"), dict):
                body["links"].pop("next", None)
            return body
        rep = run(mutate=m, change=False, sdk=False)
        return any("no links.next" in f for f in rep.failures), "paging without links.next must fail"

    def samples_direct():
        # Every sample deserializes with its model class, with no contract field lost.
        rep = Report()
        st = FakeState()
        check_resource(rep, "Customer", st.customers[0], "sample")
        check_resource(rep, "Subscription", st.subs[CUST_IDS[1]][0], "sample")
        check_resource(rep, "Upgrade", st.upgrades[SUB_IDS[0]][1], "sample")
        check_resource(rep, "UpgradeResult", sample_upgrade_result(SUB_IDS[0], SUB_IDS[1]), "sample")
        check_resource(rep, "Error", sample_error(2055, "stale", "ConcurrencyConflict"), "sample")
        sub = model_class(MODEL["Subscription"]).deserialize(st.subs[CUST_IDS[0]][0])
        ok = (not rep.failures and sub.links.itself.uri.endswith(SUB_IDS[0])
              and sub.creation_date.year == 2024 and sub.attributes.etag == "AAAAAAAAB9E=")
        return ok, f"{len(rep.failures)} failure(s)"

    case("samples deserialize with their model classes", samples_direct)
    case("a full run against the fake server (with --change and the SDK client) passes", clean)
    case("--strict fails only on the known errorName gap", clean_strict_only_known_gap)
    case("date-only creationDate", date_only)
    case("field unknown to the model", unknown_field)
    case("contract field missing", missing_field)
    case("numeric upgrade error code", coerced)
    case("camelCase enum value", enum_value)
    case("wrong objectType", object_type)
    case("MS-CorrelationId not echoed", no_echo)
    case("no links.next on a short page", no_next_link)

    passed = sum(1 for _, ok, _ in results if ok)
    failed = len(results) - passed
    print("\nself-test summary:")
    for name, ok, _ in results:
        print(f"  {'ok    ' if ok else 'FAILED'} {name}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base_url", nargs="?", help="server origin, e.g. http://127.0.0.1:8080")
    ap.add_argument("token", nargs="?", help="API bearer token (portal api-token create …)")
    ap.add_argument("--self-test", action="store_true", help="check the checker on built-in samples; no server")
    ap.add_argument("--change", action="store_true", help="also PATCH a subscription and POST upgrades (changes data)")
    ap.add_argument("--strict", action="store_true", help="fail on warnings and known model gaps too")
    ap.add_argument("--no-sdk", action="store_true", help="skip the pass through the package's generated client")
    ap.add_argument("--max-customers", type=int, default=50)
    ap.add_argument("--max-subscriptions", type=int, default=20, help="per customer")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    args = ap.parse_args(argv)
    if args.self_test:
        return self_test()
    if not args.base_url or not args.token:
        ap.print_usage(sys.stderr)
        sys.stderr.write("error: BASE_URL and TOKEN are required (or --self-test)\n")
        return 2
    report = Report(strict=args.strict)
    try:
        run_checks(Api(args.base_url, args.token, args.timeout), report, change=args.change, sdk=not args.no_sdk,
                   max_customers=args.max_customers, max_subscriptions=args.max_subscriptions, sells=True)
    except (urllib.error.URLError, OSError) as exc:
        report.fail(f"cannot reach {args.base_url}: {exc}")
    print(f"\napi_client_check: {report.resources} answers deserialized, {len(report.failures)} failure(s), "
          f"{len(report.warnings)} warning(s)")
    for f in report.failures:
        print(f"  FAIL  {f}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
