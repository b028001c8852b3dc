"""One error shape for every error, in Chinese and English, with codes from one catalogue.

    {"code": 409, "status": "ILLEGAL_TRANSITION",
     "message": {"zh": "...", "en": "..."}, "errors": {...}}

`code` is the HTTP status (as flask-smorest has it); `status` is the stable error code a
client can switch on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ErrorKind:
    http: int
    code: str
    zh: str
    en: str


def _kinds(*rows: tuple[int, str, str, str]) -> dict[str, ErrorKind]:
    return {code: ErrorKind(http, code, zh, en) for http, code, zh, en in rows}


CATALOGUE = _kinds(
    (400, "BAD_REQUEST", "请求格式错误", "The request is malformed"),
    (400, "MALFORMED_JSON", "请求体不是有效的 JSON", "The request body is not valid JSON"),
    (
        401,
        "UNAUTHENTICATED",
        "请先登录或令牌已失效",
        "Sign in first, or the token is no longer valid",
    ),
    (401, "BAD_CREDENTIALS", "用户名或密码错误", "Wrong username or password"),
    (403, "FORBIDDEN", "无权执行此操作", "You are not allowed to do this"),
    (404, "NOT_FOUND", "未找到该资源", "Not found"),
    (405, "METHOD_NOT_ALLOWED", "不支持该请求方法", "This method is not allowed here"),
    (409, "CONFLICT", "与现有数据冲突", "Conflicts with existing data"),
    (
        409,
        "ILLEGAL_TRANSITION",
        "许可证当前状态不允许此操作",
        "The licence's status does not allow this",
    ),
    (409, "DUPLICATE", "该记录已存在", "This record already exists"),
    (
        409,
        "TASK_NOT_DRAFT",
        "任务已冻结，不能再修改",
        "The task is frozen and can no longer change",
    ),
    (
        409,
        "TASK_NOT_FROZEN",
        "任务须先冻结并公布承诺值",
        "Freeze the task and publish its commitment first",
    ),
    (409, "ALREADY_DRAWN", "该任务已完成抽取", "This task has already been drawn"),
    (
        409,
        "PARTNERS_AWAITED",
        "协同部门尚未同意参加，不能冻结",
        "A partner department has not agreed to take part; the task cannot be frozen",
    ),
    (
        409,
        "OPERATION_REUSED",
        "该操作编号已用于另一项操作",
        "This operation id was already used for a different operation",
    ),
    (
        409,
        "INSPECTION_SUBMITTED",
        "检查已提交，只能通过更正修改",
        "The inspection is submitted; change it through an amendment",
    ),
    (
        409,
        "NOT_SUBMITTED",
        "检查尚未提交，无需更正",
        "The inspection is not submitted; edit it directly",
    ),
    (409, "NOT_READY", "尚不能提交，请补全后再试", "Not ready to submit; see what is missing"),
    (
        409,
        "NOT_INITIALISED",
        "实例尚未初始化：请先运行 `lianjian init`",
        "The instance is not initialised: run `lianjian init` first",
    ),
    (
        400,
        "UNREADABLE_FILE",
        "文件无法读取：请另存为 UTF-8 编码的 CSV，或 JSON 数组",
        "Cannot read the file: save it as a UTF-8 CSV, or a JSON array",
    ),
    (
        422,
        "QR_REJECTED",
        "许可证二维码无效或与检查对象不符",
        "The licence QR code is not valid for this entity",
    ),
    (
        412,
        "STALE_VERSION",
        "数据已被他人修改，请刷新后重试",
        "Changed by someone else since you read it; reload and retry",
    ),
    (413, "TOO_LARGE", "请求体过大", "The request body is too large"),
    (415, "UNSUPPORTED_MEDIA_TYPE", "不支持的内容类型", "Unsupported content type"),
    (422, "VALIDATION_FAILED", "输入有误，请检查各字段", "Invalid input; see the field errors"),
    (
        428,
        "PRECONDITION_REQUIRED",
        "更新需要 If-Match 请求头",
        "An update needs an If-Match header",
    ),
    (429, "TOO_MANY_REQUESTS", "请求过于频繁", "Too many requests"),
    (
        429,
        "SIGN_IN_LOCKED",
        "登录失败次数过多，已暂时锁定，请稍后再试",
        "Too many failed sign-ins; locked for a while, try again later",
    ),
    (500, "INTERNAL", "服务器内部错误，已记录", "Internal server error; it has been logged"),
    # -- issue 14 §4–5: the commitment ledger, voids, disclosure after the visits --
    (
        409,
        "TASK_VOIDED",
        "该任务已作废，承诺值仍公示，但不能再抽取或修改",
        "The task was voided: its commitment stays public, but it can no longer be drawn or changed",
    ),
    (
        409,
        "VISITS_OPEN",
        "本任务尚有检查未完成，检查期结束前不能公示抽取结果",
        "Some visits of this task are not done yet; results are published after the visits",
    ),
    # issue 14 (commit): the seed source bound at freeze, checked at the draw
    (
        422,
        "SEED_ROUND_TOO_EARLY",
        "随机信标轮次须晚于冻结时间加最短间隔",
        "The beacon round must come after the freeze plus the minimum delay",
    ),
    (
        422,
        "SEED_REFUSED",
        "随机数不是冻结时公告的来源所给出的值",
        "The values are not those of the seed source announced at freeze",
    ),
    (
        422,
        "SEED_SESSION_PAST",
        "公开摇号日期不能早于冻结日期",
        "The public lottery session cannot be before the freeze",
    ),
    # issue 14 §2 (beacon): drand rounds checked against pinned chains
    (
        422,
        "UNKNOWN_CHAIN",
        "未固定的信标链：只接受 drand quicknet 和本区固定的链",
        "Not a pinned beacon chain: only drand quicknet and the chains this district pins",
    ),
    (
        422,
        "BEACON_REFUSED",
        "信标轮次未通过验证（签名、轮次或所属链不符，或格式错误）",
        "The beacon round does not verify (signature, round or chain wrong, or malformed)",
    ),
    (
        500,
        "BAD_CHAIN_FILE",
        "固定的信标链文件无效",
        "A pinned beacon chain file is invalid",
    ),
    # issue 13 §1, people and roster
    (
        403,
        "PASSWORD_CHANGE_REQUIRED",
        "密码已被管理员重置：请先通过 POST /api/v1/auth/password 设置新密码，再登录",
        "Your password was reset by an admin: set a new one (POST /api/v1/auth/password), "
        "then sign in",
    ),
    # sync (issue 13 §4): a tablet write's device time that cannot be the visit time
    (
        422,
        "DEVICE_TIME_REJECTED",
        "设备时间不可信，请校准平板时钟",
        "The device time cannot be believed; set the tablet's clock",
    ),
    # issue 15 (console): a drawn team short of eligible inspectors, staffed by hand
    (
        409,
        "NOT_A_SHORTFALL",
        "该检查组不缺人员：只有抽取时人员不足的检查组可以人工补充",
        "This team is not short: only a team the draw could not fill is staffed by hand",
    ),
    (
        422,
        "INSPECTOR_NOT_ELIGIBLE",
        "该检查人员不符合条件（部门、资格、回避、在办上限或已在组内）",
        "This inspector is not eligible (department, qualification, recusal, workload or "
        "already on the team)",
    ),
)

# The generic code of each HTTP status, for errors raised by Flask and flask-smorest themselves.
GENERIC = (
    "BAD_REQUEST",
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "METHOD_NOT_ALLOWED",
    "CONFLICT",
    "STALE_VERSION",
    "TOO_LARGE",
    "UNSUPPORTED_MEDIA_TYPE",
    "VALIDATION_FAILED",
    "PRECONDITION_REQUIRED",
    "TOO_MANY_REQUESTS",
    "INTERNAL",
)
_BY_HTTP = {CATALOGUE[code].http: CATALOGUE[code] for code in GENERIC}


def kind_for_http(status: int) -> ErrorKind:
    """The default catalogue entry for an HTTP status (500's for unknown ones)."""
    return _BY_HTTP.get(
        status, CATALOGUE["INTERNAL"] if status >= 500 else CATALOGUE["BAD_REQUEST"]
    )


@dataclass
class AppError(Exception):
    """Raised by services; the app turns it into the error shape."""

    code: str
    errors: dict[str, Any] = field(default_factory=dict)
    zh: str | None = None
    en: str | None = None
    # One code may answer under another HTTP status where HTTP's own meaning differs: a stale
    # write is 412 when its version came in If-Match, 409 when it came in the body (concurrency.md).
    http: int | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> ErrorKind:
        return CATALOGUE[self.code]

    @property
    def status(self) -> int:
        return self.http or self.kind.http

    def payload(self) -> dict[str, Any]:
        kind = self.kind
        body: dict[str, Any] = {
            "code": self.status,
            "status": kind.code,
            "message": {"zh": self.zh or kind.zh, "en": self.en or kind.en},
        }
        if self.errors:
            body["errors"] = self.errors
        return body


def bilingual(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}
