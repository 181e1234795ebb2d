"""Personal names in free Chinese text, for :mod:`publishing.redact`.

A name is a surname (the common single ones of 百家姓 in use today and the compound ones) with a
one- or two-character given name. Found, without any list of given names:

* names the caller knows (the contact's, the citizen's), anywhere;
* in a context that names a person: after 我叫/姓名/名叫/联系人/业主/经理/师傅/司机/我爸/其子/
  楼下/@…, or before 先生/女士/经理/师傅…, 说/称/表示…, a family word (的母亲, 两兄弟, 夫妇,
  家的) or a phone number; as a chat's or transcript's speaker label (``邢海燕：…``);
* a word jieba (rjieba, its Rust port) tags as a person's name (``nr``) of a surname and a
  two-character given name (three or four characters in all), unless a place follows (路, 街,
  小区, 广场…: 武林广场) or it is a verb said twice (查一查);
* names listed beside a found one (张伟、李娜和王芳), and every other place in the text where a
  found name appears again.

A surname with a form of address alone (王女士, 李师傅, 张经理) names nobody and stays, and a
context match that starts inside a word jieba cut (物业费发票: 费 is no surname there) is no
name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import rjieba

# compound surnames first (欧阳娜娜 → 欧阳某)
COMPOUND_SURNAMES = (
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 独孤 南宫 "
    "西门 呼延 轩辕 申屠 太史 闻人 万俟 澹台 公冶 宗政 濮阳 淳于 单于 钟离 司空 左丘 拓跋 "
    "百里 东郭 公羊 谷梁 第五"
).split()
# single surnames: those of nearly everyone, less the characters that mostly begin ordinary
# words (和 平 能 都 通 国 家 山 水 …), which would mask too much
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关"
    "兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻"
    "祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿"
    "桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝封"
    "傅萧洪郁屠赖阎裘茅芮荀禹狄贝嵇钮邴郗邰蔺晁阚鞠逯燕冀庾暨戎厉宓滑胥蒯竺桓谌冼揭帅綦郜"
    "伏诸储糜奚凤廉湛昌韶蓟邸鄢扶贡濮郦雍璩扈郏宦茹訾厍殳夔蔚匡阙薄幸束钭暴仰牧弓汲羿贲"
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
    "名为|署名|落款|签名|经办人|接线员|值班员|对接人|承办人|"
    "这里是|我爸|我妈|其子|其女|其父|其母|其妻|其夫|其兄|其弟|其姐|其妹|楼上|楼下|隔壁|对门|人家|"
    "@|＠|"
)
# ... and before these
_AFTER = (
    "先生|女士|小姐|同志|师傅|老师|医生|经理|主任|老板|阿姨|大爷|大妈|律师|警官|科长|局长|"
    "书记|村长|队长|组长|会计|护士|同学|说|称|表示|告诉|答应|承诺|拒绝|反映|投诉|举报|来电|"
    "的(?:母亲|父亲|妈妈|爸爸|儿子|女儿|孩子|妻子|丈夫|老婆|老公|家人|家属|电话|手机)|"
    "是(?:我|他|她)|(?:两|俩)?(?:兄弟|姐妹|夫妇|夫妻|父子|父女|母子|母女)|一家|家的|"
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
    "米粉 申请 洪水 燕窝 宿舍".split()
)
# a jieba name followed by these is a place (武林广场, 古墩路, 文二西路)
_PLACE_AFTER = re.compile(
    "[东西南北中]?(?:路|街|巷|弄|道|区|村|镇|乡|里|苑|园|湾|桥|站|港|湖|江|河|山|广场|小区|新村|"
    "社区|大厦|公寓|花园|市场|中心|医院|学校|小学|中学|大学|公园|宾馆|酒店|公司|集团|银行)"
)
# ... or ends with these (凤起路, 麻将馆, 许可证): places and things, hardly ever a given name
_PLACE_END = frozenset("路街巷弄区村镇乡站馆证店厂局所院室厅场部费卡")
_NAME_AFTER_TRIGGER = re.compile(f"(?:{_BEFORE[:-1]})\\s*(?P<n>{_SURNAME}{_GIVEN})")
_NAME_BEFORE_WORD = re.compile(f"(?P<n>{_SURNAME}{_GIVEN})(?={_AFTER})")
# a chat's or transcript's speaker label: 邢海燕：… at the start or after a label of its own
_NAME_SPEAKER = re.compile(f"(?:^|(?<=[：:】\\]\n]))\\s*(?P<n>{_SURNAME}{_GIVEN})\\s*[：:]")
_NAME_LISTED = re.compile(f"^(?:、|和|与|及|跟)\\s*(?P<n>{_SURNAME}{_GIVEN})")
_NAME_LISTED_BEFORE = re.compile(f"(?P<n>{_SURNAME}{_GIVEN})\\s*(?:、|和|与|及)\\s*$")
_GIVEN_ONLY = re.compile(f"{_GIVEN}")
_HAN = re.compile("^[\u4e00-\u9fff]+$")


@lru_cache(maxsize=256)
def _tokens(text: str) -> tuple[tuple[int, int, str], ...]:
    """jieba's words of ``text`` with their offsets and part-of-speech tags."""
    out, at = [], 0
    for word, tag in rjieba.tag(text):
        out.append((at, at + len(word), tag))
        at += len(word)
    return tuple(out)


def surname_of(name: str) -> str:
    return name[:2] if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else name[:1]


def _tagged(text: str) -> list[tuple[int, int]]:
    """jieba's person names (``nr``) of a surname and a two-character given name."""
    spans = []
    for start, end, tag in _tokens(text):
        if not tag.startswith("nr"):
            continue
        word = text[start:end]
        surname = surname_of(word)
        given = word[len(surname):]
        if (len(given) != 2 or not _HAN.match(word)
                or not (surname in COMPOUND_SURNAMES or surname in SURNAMES)
                or not _GIVEN_ONLY.fullmatch(given) or word[:2] in NOT_NAMES
                or given[0] == "一" or given[-1] in _PLACE_END or _PLACE_AFTER.match(text, end)):
            continue
        spans.append((start, end))
    return spans


def _in_word(text: str, start: int, since: int) -> bool:
    """Whether ``start`` falls inside one of jieba's words that begins at or before ``since``
    (物业费: the context 物业 and 费 make one word, and 费 is no surname there; 房东吴海涛 cut
    房/东吴/海涛 is a name all the same)."""
    for s, e, _ in _tokens(text):
        if s < start < e:
            return s <= since
        if s >= start:
            return False
    return False


def _in_context(text: str) -> list[tuple[int, int]]:
    spans = []
    for pattern in (_NAME_AFTER_TRIGGER, _NAME_BEFORE_WORD, _NAME_SPEAKER):
        for m in pattern.finditer(text):
            start = m.start("n")
            since = m.start() if pattern is _NAME_AFTER_TRIGGER else start - 1
            if start and (text[start - 1:start + 1] in _TWO_CHAR_TITLES
                          or text[start:start + 2] in _TWO_CHAR_TITLES):
                continue  # 李师傅说: 师 is not a surname here
            if m.group("n")[:2] in NOT_NAMES or _in_word(text, start, since):
                continue
            spans.append((start, m.end("n")))
    return spans


def _listed(text: str, found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``found`` with the names listed beside them: 张伟、李娜和王芳."""
    spans = list(found)
    todo = list(found)
    while todo:
        start, end = todo.pop()
        near = []
        after = _NAME_LISTED.match(text[end:])
        if after:
            near.append((end + after.start("n"), end + after.end("n")))
        base = max(0, start - 6)
        before = _NAME_LISTED_BEFORE.search(text[base:start])
        if before:
            near.append((base + before.start("n"), base + before.end("n")))
        for span in near:
            if span not in spans:
                spans.append(span)
                todo.append(span)
    return spans


def find(text: str, known: Iterable[str] = ()) -> list[tuple[int, int]]:
    """The (start, end) of every name in ``text`` (overlaps possible: the caller resolves)."""
    spans = _listed(text, _in_context(text) + _tagged(text))
    names = {n.strip() for n in known if n and len(n.strip()) >= 2}
    names |= {text[s:e] for s, e in spans}
    for name in names:  # a name found once is a name everywhere in the text
        spans += [(m.start(), m.end()) for m in re.finditer(re.escape(name), text)]
    return sorted(set(spans))
