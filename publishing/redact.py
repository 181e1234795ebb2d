"""Redaction of free text for publication (PIPL): what a reviewer starts from.

:func:`find` returns the spans of personal data in a text, :func:`redact` replaces them:

* names: a given name becomes 某 and the surname stays (王小明 → 王某, 欧阳娜娜 → 欧阳某).
  A name is recognised when it is one the caller knows (the contact's, the citizen's), or a
  surname (the common single and compound ones) with a one- or two-character given name in a
  context that names a person: after 我叫/姓名/联系人/业主/经理/师傅… or before 先生/女士/
  经理/老师/师傅…, 说/称/表示…, or a phone number; and the names listed after one (、和与).
  A surname with an honorific alone (王女士, 李师傅, 张经理) names nobody and stays;
* phone numbers: mobiles (with +86, spaces, dashes) and landlines with an area code (0571-
  87654321, (0571)8765 4321), or a 7-8 digit number right after 电话/座机; hotline and
  service numbers (12345, 400/800 numbers, 5-digit 95xxx) stay;
* ID numbers (18 digits with the check character, and the old 15 digits), bank card numbers
  (16-19 digits, grouped or not), licence plates (all mainland formats: 浙A12345, the
  new-energy 浙AD12345 / 浙A12345D, 粤B·F1234, 挂/学/警 plates), e-mail addresses, QQ and
  WeChat account ids after their label;
* house and room numbers: 3栋2单元501室, 12号楼, 5幢, 801室, 文三路123号, 门牌号…, 3-2-501.

:func:`street_level` cuts an address after its road or street, and :func:`round_coordinate`
rounds a coordinate to 3 decimals (about 100 m).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

KINDS = ("name", "phone", "id_number", "bank_card", "plate", "email", "account", "house")
MASKS = {
    "phone": "〔电话〕",
    "id_number": "〔身份证号〕",
    "bank_card": "〔银行卡号〕",
    "plate": "〔车牌〕",
    "email": "〔邮箱〕",
    "account": "〔账号〕",
    "house": "〔门牌〕",
}

# the surnames of nearly everyone (百家姓 in use today), compound ones first
COMPOUND_SURNAMES = (
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 独孤 南宫 "
    "西门 呼延 轩辕 申屠 太史 闻人 万俟 澹台 公冶 宗政 濮阳 淳于 单于 钟离"
).split()
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关"
    "兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻"
    "祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿"
    "桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝封"
)
_SURNAME = "(?:" + "|".join(COMPOUND_SURNAMES) + "|[" + SURNAMES + "])"
# characters that end a given name: punctuation, particles and words that never start one
_STOP = (
    "，。、；：！？（）()【】“”\"' \t\n,.;:!?的了在是说称表示于和与及跟把被让给向从到对都也还就又"
    "却才很去来要会没不已曾这那他她们某"
)
_CHAR = f"[^\\W\\d_{_STOP}A-Za-z]"
# a surname followed by these is a form of address, not a name (王女士, 李师傅, 张经理)
_TITLES = (
    "先生|女士|小姐|同志|师傅|老师|医生|经理|主任|老板|阿姨|大爷|大妈|大姐|大哥|大伯|大叔|奶奶|爷爷|"
    "婆婆|阿婆|律师|警官|科长|局长|"
    "处长|所长|院长|书记|村长|队长|组长|会计|护士|同学|总|工|某|家|姓|氏|老|小(?=[，。、\\s])"
)
_GIVEN = f"(?!{_TITLES}){_CHAR}{_CHAR}?"
_TWO_CHAR_TITLES = frozenset(t for t in _TITLES.split("|") if len(t) == 2)
# a person is named after these
_BEFORE = (
    "我叫|名叫|叫做|(?:人|板|字|他|她|的)叫|(?:长|人|员|主|板|字)是|[\u4e00-\u9fff]员|店长|前台|财务|姓名[:：]?|名字[:：]?|我是|本人|"
    "联系人[:：]?|举报人|投诉人|反映人|来电人|申请人|当事人|代表|个体户|军人|"
    "业主|房东|租客|租户|老板|老板娘|店主|摊主|经理|主任|主管|司机|师傅|教练|客服|中介|经纪人|"
    "工作人员|员工|工人|保安|保洁|物业(?:经理|主管)?|快递员|骑手|外卖员|收银员|收费员|业务员|"
    "网格员|队员|服务员|营业员|管理员|维修工|医生|护士|老师|班主任|教务处|园长|校长|民警|辅警|"
    "村民|居民|市民|患者|病人|家属|老人|学生|孩子|儿子|女儿|丈夫|妻子|老公|老婆|父亲|母亲|爸爸|"
    "妈妈|弟弟|哥哥|姐姐|妹妹|婆婆|公公|爷爷|奶奶|外婆|外公|岳父|岳母|邻居|同事|朋友|"
    "负责人|法人|法定代表人|网格员|队长|组长|村长|书记|楼栋长|团长|承包人|包工头|收款人|户主|车主|"
)
# ... and before these
_AFTER = (
    "先生|女士|小姐|同志|师傅|老师|医生|经理|主任|老板|阿姨|大爷|大妈|律师|警官|科长|局长|"
    "书记|村长|队长|组长|会计|护士|同学|说|称|表示|告诉|答应|承诺|拒绝|反映|投诉|举报|来电|"
    "的(?:母亲|父亲|妈妈|爸爸|儿子|女儿|孩子|妻子|丈夫|老婆|老公|家人|家属|电话|手机)|"
    "是(?:我|他|她)|"
    "(?:[,，（(]?\\s*(?:联系)?(?:电话|手机|方式)?[:：]?\\s*(?:\\+?86[- ]?)?"
    "(?:1[3-9]\\d|0\\d{2,3}[- ]))"
)
# frequent words that begin with a surname's character and look like a name in those contexts
NOT_NAMES = frozenset(
    "商场 商铺 商家 商户 商店 黄牛 司机 查处 方面 方便 高速 高层 金额 路口 路面 路灯 马路 周末 "
    "周边 周围 任何 于是 安全 安排 安装 成本 成员 明天 明年 时间 时候 车辆 车位 车库 车主 车牌 "
    "车打 车道 房屋 房东 房子 房间 房产 文化 文件 白天 夏天 管理 管道 左右 包裹 包括 程序 程度 "
    "关于 关系 万元 钱款 费用 单位 单元 全部 全家 全是 应该 师傅 司法 卫生 华星 齐全 毕业 东西 "
    "水电 电话 牛奶 江边 林业 宁可 常常 米饭 连续 连锁 项目 简单 景区 党员 宫殿 冷气 席位 "
    "米粉".split()
)
_NAME_AFTER_TRIGGER = re.compile(f"(?:{_BEFORE[:-1]})\\s*(?P<n>{_SURNAME}{_GIVEN})")
_NAME_BEFORE_WORD = re.compile(f"(?P<n>{_SURNAME}{_GIVEN})(?={_AFTER})")
_NAME_LISTED = re.compile(f"^(?:、|和|与|及|跟)\\s*(?P<n>{_SURNAME}{_GIVEN})")
_NAME_LISTED_BEFORE = re.compile(f"(?P<n>{_SURNAME}{_GIVEN})\\s*(?:、|和|与|及)\\s*$")

_D = "(?<![\\dA-Za-z])"
_E = "(?![\\dA-Za-z])"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")),
    ("id_number", re.compile(
        f"{_D}[1-9]\\d{{5}}[ -]?(?:19|20)\\d{{2}}[01]\\d[0-3]\\d[ -]?\\d{{3}}[\\dXx]{_E}")),
    ("id_number", re.compile(f"{_D}[1-9]\\d{{7}}[01]\\d[0-3]\\d\\d{{3}}{_E}")),
    ("bank_card", re.compile(f"{_D}[3-6]\\d{{3}}(?:[ -]?\\d{{4}}){{2,3}}(?:[ -]?\\d{{1,3}})?{_E}")),
    ("phone", re.compile(
        f"{_D}(?:\\+?86[ -]?)?1[3-9]\\d(?:[ -]?\\d){{4}}(?:[ -]?\\d){{4}}{_E}")),
    ("phone", re.compile(
        f"{_D}(?:\\(0\\d{{2,3}}\\)|（0\\d{{2,3}}）|0\\d{{2,3}})[ -]?[1-9]\\d{{2,3}}[ -]?\\d{{4}}"
        f"(?:[-转]\\d{{1,5}})?{_E}")),
    ("phone", re.compile(f"(?<=电话|座机|固话|号码)[:： ]*[2-9]\\d{{2,3}}[ -]?\\d{{4}}{_E}")),
    ("plate", re.compile(
        "[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领][A-HJ-NP-Za-hj-np-z]"
        "[·•・.\\s-]?(?:[DFdf][A-HJ-NP-Za-hj-np-z0-9]\\d{4}|\\d{5}[DFdf]|"
        f"[A-HJ-NP-Za-hj-np-z0-9]{{5}}|[A-HJ-NP-Za-hj-np-z0-9]{{4}}[挂学警港澳领试超]){_E}")),
    ("account", re.compile(
        "(?:QQ|qq|微信)(?:号码|号)?(?:是|为)?[:： ]*(?P<v>[A-Za-z0-9_-]{5,20})")),
    ("account", re.compile(f"{_D}wxid_[A-Za-z0-9_-]{{3,30}}")),
    ("house", re.compile(
        "(?:[0-9一二三四五六七八九十]{1,3}(?:号楼|栋|幢|座|单元|号院)[-\\s]?)+"
        "(?:\\d{1,4}(?:室|号房|房|户|层|楼|号)|\\d{3,4}(?!\\d))?")),
    ("house", re.compile(f"{_D}\\d{{1,3}}-\\d{{1,2}}-\\d{{3,4}}{_E}")),
    ("house", re.compile(f"{_D}\\d{{3,4}}(?:室|号房|房间)")),
    ("house", re.compile("(?<=[路街巷弄道里])\\d{1,5}(?:-\\d{1,4})?(?:号|弄)(?!线)")),
    ("house", re.compile(r"门牌(?:号码|号)?[:：\s]*(?P<v>[A-Za-z0-9-]{1,12})")),
)


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    kind: str
    text: str


def _names(text: str, known: Iterable[str]) -> list[Span]:
    spans: list[Span] = []
    for name in {n.strip() for n in known if n and len(n.strip()) >= 2}:
        for m in re.finditer(re.escape(name), text):
            spans.append(Span(m.start(), m.end(), "name", name))
    for pattern in (_NAME_AFTER_TRIGGER, _NAME_BEFORE_WORD):
        for m in pattern.finditer(text):
            start = m.start("n")
            if start and (text[start - 1:start + 1] in _TWO_CHAR_TITLES
                          or text[start:start + 2] in _TWO_CHAR_TITLES):
                continue  # 李师傅说: 师 is not a surname here
            if m.group("n")[:2] in NOT_NAMES:
                continue
            spans.append(Span(start, m.end("n"), "name", m.group("n")))
    # names listed beside a found one: 张伟、李娜和王芳
    todo = list(spans)
    while todo:
        s = todo.pop()
        near: list[Span] = []
        after = _NAME_LISTED.match(text[s.end:])
        if after:
            near.append(Span(s.end + after.start("n"), s.end + after.end("n"), "name",
                             after.group("n")))
        base = max(0, s.start - 6)
        before = _NAME_LISTED_BEFORE.search(text[base:s.start])
        if before:
            near.append(Span(base + before.start("n"), base + before.end("n"), "name",
                             before.group("n")))
        for found in near:
            if found not in spans:
                spans.append(found)
                todo.append(found)
    return spans


def find(text: str, names: Iterable[str] = ()) -> list[Span]:
    """The personal data in ``text``, in order, without overlaps."""
    found = _names(text, names)
    for kind, pattern in _PATTERNS:
        group = "v" if "v" in pattern.groupindex else 0
        found.extend(Span(m.start(group), m.end(group), kind, m.group(group))
                     for m in pattern.finditer(text) if m.end(group) > m.start(group))
    # numbers, plates and addresses first (the longest wins), then names where they are free:
    # a "name" found across a plate (教练车浙A1234学) is no name
    found.sort(key=lambda s: (s.kind == "name", s.start, -(s.end - s.start)))
    out: list[Span] = []
    for s in found:
        if any(s.start < o.end and o.start < s.end for o in out):
            continue
        out.append(s)
    return sorted(out, key=lambda s: s.start)


def names_in(texts: Iterable[str], known: Iterable[str] = ()) -> list[str]:
    """Every name found in any of ``texts`` (and the ``known`` ones): a name recognised in one
    text is masked in the others too, even where no context names it."""
    found = {n for n in known if n}
    for text in texts:
        found.update(s.text for s in _names(text, known))
    return sorted(found)


def _surname(name: str) -> str:
    return name[:2] if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else name[:1]


def mask(span: Span) -> str:
    if span.kind == "name":
        return _surname(span.text) + "某"
    return MASKS[span.kind]


def redact(text: str, names: Iterable[str] = ()) -> str:
    """``text`` with every span of :func:`find` masked."""
    parts, at = [], 0
    for s in find(text, names):
        parts.append(text[at:s.start])
        parts.append(mask(s))
        at = s.end
    parts.append(text[at:])
    return "".join(parts)


_STREET = re.compile(r"^.*?(?:大道|大街|路|街(?!道)|巷|弄(?!\d)|胡同|里(?=\d))")
_AREA = re.compile(r"^.*?(?:街道|镇|乡|社区|村)")
_DISTRICT = re.compile(r"^.*?(?:区|县|市)")


def street_level(address: str | None) -> str:
    """The address cut after its road or street (else its subdistrict, town or district),
    without house numbers or names."""
    if not address:
        return ""
    text = address.strip()
    for pattern in (_STREET, _AREA, _DISTRICT):
        m = pattern.match(text)
        if m:
            return redact(m.group())
    return ""


def round_coordinate(value: float | None) -> float | None:
    """A latitude or longitude to 3 decimals: about 100 m."""
    return None if value is None else round(value, 3)
