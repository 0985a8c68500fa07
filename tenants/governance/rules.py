"""What responsibility agreements may contain, and which scans are accepted.

The capitals below are CONFIGURATION, not code; the functions at the end only read them.

DESIGN.md ("Never build"): veto items (一票否决) tied to numbers of births are never built. A veto item
may only be of one of the kinds below; an item marked veto without one of them is refused. No item,
veto or not, may set a target on numbers of births, birth or contraception quotas, births "outside the
plan", permits or fees: the terms below are refused wherever they appear in an item's description or
target. The county may add terms; the veto kinds follow the design, not a year or a province.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# The only kinds a veto item may be (code → what it covers).
VETO_KINDS: dict[str, str] = {
    "service": "服务",          # a service the town owes families was refused or not delivered
    "oversight": "两非案件",    # a case of non-medical fetal sex identification or sex-selective termination
    "data_quality": "数据质量",  # false reports (虚报、瞒报、漏报)
}

# Words that tie an item to numbers of births, birth quotas or out-of-plan births. An item mentioning
# one is refused. Compared after removing white space.
FORBIDDEN_ITEM_TERMS: tuple[str, ...] = (
    "出生人数", "出生数量", "生育指标", "出生指标", "人口出生率控制", "出生率控制", "出生率不超", "人口控制指标",
    "计划生育率", "政策符合率", "政策外", "计划外", "超生", "多孩率", "二孩率", "三孩率", "生育数量",
    "社会抚养费", "节育率", "结扎率", "上环率", "生育证",
    "births quota", "birth quota", "number of births", "birth rate target", "out-of-plan", "out-of-policy",
)

# Scans of signed agreements: recognised by their first bytes, never by the file name.
# (magic bytes, content type, file extension)
SCAN_TYPES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)

# Years an agreement may be for, and the points one item may carry.
YEARS = (2000, 2100)
MAX_ITEM_WEIGHT = 100


def scan_type(content: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a scan by its magic bytes, or None when it is none of SCAN_TYPES."""
    for magic, content_type, extension in SCAN_TYPES:
        if content.startswith(magic):
            return content_type, extension
    return None


def forbidden_term(text: str | None) -> str | None:
    """The first forbidden term ``text`` contains (case and white space ignored), or None."""
    squeezed = "".join((text or "").split()).lower()
    return next((term for term in FORBIDDEN_ITEM_TERMS if "".join(term.split()).lower() in squeezed), None)


# ---------------------------------------------------------------------------------------------------------
# Code: reading the configuration.

VETO_KIND_MESSAGE = _l("A veto item must be about services, oversight (两非 cases) or data quality (false "
                       "reports); veto items about numbers of births are not allowed.")
PARTY_MESSAGE = _l("Choose a village or type the name of an agency (one of the two).")


def item_problems(item: dict) -> dict[str, str]:
    """{field: message} of what is wrong with an agreement item (empty when it may be stored)."""
    problems: dict[str, str] = {}
    if item.get("veto"):
        if item.get("veto_kind") not in VETO_KINDS:
            problems["veto_kind"] = VETO_KIND_MESSAGE
    elif item.get("veto_kind"):
        problems["veto_kind"] = _l("Only a veto item has a veto kind.")
    elif item.get("weight") == 0:
        problems["weight"] = _l("An item that is not a veto item carries at least 1 point.")
    for field in ("description", "target"):
        if forbidden_term(item.get(field)):
            problems[field] = _l("Agreements may not set targets on numbers of births, quotas, permits or fees "
                                 "(“%(term)s”).", term=forbidden_term(item.get(field)))
    return problems
