"""The members spreadsheet: the columns the import reads are the columns the export writes, with the same
Chinese words for roles and statuses, so an exported list can be corrected and uploaded again (its
masked names, ID numbers and phones keep what is stored; see tenants.association.imports)."""

from __future__ import annotations

from renkou.imports.spreadsheets import Column

MEMBER_COLUMNS = [
    Column("member_number", "会员编号", required=True, example="XH-0001"),
    Column("name", "姓名", required=True, example="李梅"),
    Column("resident_id", "身份证号码", example="11010519491231002X"),
    Column("village", "村/社区", example="411524101201"),
    Column("group_name", "会员小组", example="第一会员小组"),
    Column("joined_on", "入会日期", required=True, example="2020-03-01"),
    Column("role", "角色", example="会员"),
    Column("phone", "联系电话", example="13800138000"),
    Column("status", "状态", example="在会"),
    Column("left_on", "退会日期", example=""),
    Column("note", "备注", example=""),
]
# Written after the columns above; the import ignores it.
REGISTRY_HEADER = "在人口库中"

# The word an export writes for each code first; the import also reads the other words.
ROLE_WORDS = {"会员": "member", "普通会员": "member", "小组长": "group_leader", "组长": "group_leader",
              "理事": "council_member", "常务理事": "council_member", "志愿者": "volunteer"}
STATUS_WORDS = {"在会": "active", "正常": "active", "在册": "active", "退会": "left", "已退会": "left"}


def word_for(code: str, words: dict[str, str]) -> str:
    """The first word of ``words`` meaning ``code`` (the one exports write)."""
    return next(word for word, meaning in words.items() if meaning == code)
