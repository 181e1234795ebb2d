"""`hotline seed-demo`: a believable demo province (浙江省) with units, categories and staff."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from audit import log as audit_log
from audit.log import Actor
from casework import reference
from identity import staff_admin
from models.org import Region, RegionLevel, Unit, UnitKind
from organisation import units
from organisation.categories import CategoryIn, ensure_category
from organisation.routing_rules import ensure_rule
from rewards.programs import seed_demo_program

P, C, X, T = RegionLevel.province, RegionLevel.city, RegionLevel.county, RegionLevel.township

# GB/T 2260 codes (townships: 9-digit statistical codes)
REGIONS: list[tuple[str, str, RegionLevel, str | None]] = [
    ("330000", "浙江省", P, None),
    ("330100", "杭州市", C, "330000"),
    ("330102", "上城区", X, "330100"),
    ("330105", "拱墅区", X, "330100"),
    ("330106", "西湖区", X, "330100"),
    ("330108", "滨江区", X, "330100"),
    ("330110", "余杭区", X, "330100"),
    ("330106001", "北山街道", T, "330106"),
    ("330106004", "西溪街道", T, "330106"),
    ("330106109", "三墩镇", T, "330106"),
    ("330110001", "临平街道", T, "330110"),
    ("330200", "宁波市", C, "330000"),
    ("330203", "海曙区", X, "330200"),
    ("330205", "江北区", X, "330200"),
    ("330212", "鄞州区", X, "330200"),
    ("330212001", "钟公庙街道", T, "330212"),
    ("330212102", "姜山镇", T, "330212"),
    ("330300", "温州市", C, "330000"),
    ("330302", "鹿城区", X, "330300"),
    ("330302001", "五马街道", T, "330302"),
]

G, D = UnitKind.government, UnitKind.department
# code, name, kind, region, parent code
UNITS: list[tuple[str, str, UnitKind, str, str | None]] = [
    ("ZJ12345", "浙江省12345政务服务热线中心", UnitKind.platform, "330000", None),
    ("ZJ-STHJT", "浙江省生态环境厅", D, "330000", "ZJ12345"),
    ("ZJ-JTT", "浙江省交通运输厅", D, "330000", "ZJ12345"),
    ("ZJ-SCJGJ", "浙江省市场监督管理局", D, "330000", "ZJ12345"),
    ("ZJ-RSHST", "浙江省人力资源和社会保障厅", D, "330000", "ZJ12345"),
    ("ZJ-SWBGT", "中共浙江省委办公厅", UnitKind.party, "330000", "ZJ12345"),
    ("ZJ-RDBGT", "浙江省人大常委会办公厅", UnitKind.congress, "330000", "ZJ12345"),
    ("ZJ-ZXBGT", "政协浙江省委员会办公厅", UnitKind.cppcc, "330000", "ZJ12345"),
    ("ZJ-GJFY", "浙江省高级人民法院", UnitKind.court, "330000", "ZJ12345"),
    ("ZJ-JCY", "浙江省人民检察院", UnitKind.procuratorate, "330000", "ZJ12345"),
    ("HZ12345", "杭州市12345政务服务热线", UnitKind.platform, "330100", "ZJ12345"),
    ("HZ-STHJJ", "杭州市生态环境局", D, "330100", "HZ12345"),
    ("HZ-CGJ", "杭州市城市管理局", D, "330100", "HZ12345"),
    ("HZ-SCJGJ", "杭州市市场监督管理局", D, "330100", "HZ12345"),
    ("HZ-RSJ", "杭州市人力资源和社会保障局", D, "330100", "HZ12345"),
    ("HZ-GAJ", "杭州市公安局", D, "330100", "HZ12345"),
    ("HZ-XH", "杭州市西湖区人民政府", G, "330106", "HZ12345"),
    ("HZ-XH-STHJ", "杭州市生态环境局西湖分局", D, "330106", "HZ-XH"),
    ("HZ-XH-CGJ", "西湖区城市管理局", D, "330106", "HZ-XH"),
    ("HZ-XH-BS", "西湖区北山街道办事处", G, "330106001", "HZ-XH"),
    ("HZ-YH", "杭州市余杭区人民政府", G, "330110", "HZ12345"),
    ("HZ-YH-STHJ", "杭州市生态环境局余杭分局", D, "330110", "HZ-YH"),
    ("NB12345", "宁波市12345政务服务热线", UnitKind.platform, "330200", "ZJ12345"),
    ("NB-STHJJ", "宁波市生态环境局", D, "330200", "NB12345"),
    ("NB-JTJ", "宁波市交通运输局", D, "330200", "NB12345"),
    ("NB-SCJGJ", "宁波市市场监督管理局", D, "330200", "NB12345"),
    ("NB-RSJ", "宁波市人力资源和社会保障局", D, "330200", "NB12345"),
    ("NB-YZ", "宁波市鄞州区人民政府", G, "330212", "NB12345"),
    ("NB-YZ-STHJ", "宁波市生态环境局鄞州分局", D, "330212", "NB-YZ"),
    ("WZ12345", "温州市12345政务服务热线", UnitKind.platform, "330300", "ZJ12345"),
    ("WZ-STHJJ", "温州市生态环境局", D, "330300", "WZ12345"),
]

R, CP, H, CS, S, PR = "report", "complaint", "help", "consultation", "suggestion", "praise"
ALL = [CS, H, CP, R, S, PR]
# code, name, kinds, rewardable, parent
CATEGORIES: list[tuple[str, str, list[str], bool, str | None]] = [
    ("ENV", "生态环境", ALL, False, None),
    ("ENV-WATER", "五水共治", [R, CP, CS, S], False, "ENV"),
    ("ENV-WATER-V", "劣V类水", [R, CP], True, "ENV-WATER"),
    ("ENV-WATER-SEWAGE", "污水直排", [R, CP], True, "ENV-WATER"),
    ("ENV-WATER-BLACK", "黑臭河道", [R, CP], True, "ENV-WATER"),
    ("ENV-NOISE", "噪声污染", [CP, R, CS], False, "ENV"),
    ("ENV-AIR", "大气污染", [CP, R], False, "ENV"),
    ("TRAFFIC", "交通出行", ALL, False, None),
    ("TRAFFIC-ROAD", "道路破损", [R, CP, H], False, "TRAFFIC"),
    ("TRAFFIC-SIGNAL", "交通信号设施", [R, CP, S], False, "TRAFFIC"),
    ("MARKET", "市场监管", ALL, False, None),
    ("MARKET-FOOD", "食品安全", [CP, R, CS], False, "MARKET"),
    ("MARKET-PRICE", "价格收费", [CP, R, CS], False, "MARKET"),
    ("MARKET-CONSUMER", "消费维权", [CP, H, CS], False, "MARKET"),
    ("SOCIAL", "社会保障", ALL, False, None),
    ("SOCIAL-INSURANCE", "社保医保", [CS, H, CP], False, "SOCIAL"),
    ("SOCIAL-WAGE", "欠薪讨薪", [H, CP, R], False, "SOCIAL"),
    ("GENERAL", "综合", ALL, False, None),
    ("GENERAL-POLICY", "政策咨询", [CS], False, "GENERAL"),
    ("GENERAL-ADVICE", "建言献策", [S], False, "GENERAL"),
    ("GENERAL-PRAISE", "表扬感谢", [PR], False, "GENERAL"),
]

# category, region, unit: the nearest region up the tree wins
RULES: list[tuple[str, str, str]] = [
    ("ENV-WATER-V", "330000", "ZJ-STHJT"),
    ("ENV-WATER-V", "330100", "HZ-STHJJ"),
    ("ENV-WATER-V", "330106", "HZ-XH-STHJ"),
    ("ENV-WATER-V", "330110", "HZ-YH-STHJ"),
    ("ENV-WATER-V", "330200", "NB-STHJJ"),
    ("ENV-WATER-V", "330212", "NB-YZ-STHJ"),
    ("ENV-WATER-V", "330300", "WZ-STHJJ"),
    ("ENV-WATER-SEWAGE", "330100", "HZ-STHJJ"),
    ("ENV-WATER-SEWAGE", "330200", "NB-STHJJ"),
    ("ENV-NOISE", "330100", "HZ-GAJ"),
    ("ENV-NOISE", "330200", "NB-STHJJ"),
    ("TRAFFIC-ROAD", "330000", "ZJ-JTT"),
    ("TRAFFIC-ROAD", "330100", "HZ-CGJ"),
    ("TRAFFIC-ROAD", "330106", "HZ-XH-CGJ"),
    ("TRAFFIC-ROAD", "330200", "NB-JTJ"),
    ("MARKET-FOOD", "330000", "ZJ-SCJGJ"),
    ("MARKET-FOOD", "330100", "HZ-SCJGJ"),
    ("MARKET-FOOD", "330200", "NB-SCJGJ"),
    ("MARKET-PRICE", "330100", "HZ-SCJGJ"),
    ("MARKET-CONSUMER", "330100", "HZ-SCJGJ"),
    ("SOCIAL-INSURANCE", "330000", "ZJ-RSHST"),
    ("SOCIAL-INSURANCE", "330100", "HZ-RSJ"),
    ("SOCIAL-WAGE", "330100", "HZ-RSJ"),
    ("SOCIAL-WAGE", "330200", "NB-RSJ"),
]

# username, roles, unit; every demo account's password is DEMO_PASSWORD
STAFF: list[tuple[str, list[str], str]] = [
    ("operator", ["operator"], "ZJ12345"),
    ("dispatcher", ["dispatcher"], "ZJ12345"),
    ("supervisor", ["supervisor"], "ZJ12345"),
    ("reward_admin", ["reward_admin"], "ZJ12345"),
    ("admin", ["admin"], "ZJ12345"),
    ("admin_hz", ["admin"], "HZ12345"),  # a city's administrator: Hangzhou's units only
    ("kb_editor", ["kb_editor"], "ZJ12345"),
    ("publisher", ["publisher"], "ZJ12345"),
    ("handler", ["handler"], "HZ-STHJJ"),
    ("handler_xh", ["handler"], "HZ-XH-STHJ"),
    ("handler_nb", ["handler"], "NB-STHJJ"),
]
DEMO_PASSWORD = "hotline-demo-2026"


SYSTEM = Actor(audit_log.SYSTEM)


async def seed_reference_data() -> None:
    """Regions, units, categories and routing rules (idempotent: what exists is kept). Units
    are created as the administration API creates them (audited, as the system)."""
    async with in_transaction():
        for code, name, level, parent in REGIONS:
            await Region.update_or_create(
                code=code, defaults={"name": name, "level": level, "parent_id": parent}
            )
    # through the services the API uses (audited as the system; what exists is kept)
    for code, name, kind, region, parent_code in UNITS:
        if await Unit.exists(code=code):
            continue
        above = await Unit.get(code=parent_code) if parent_code else None
        await units.create_unit(SYSTEM, code=code, name=name, kind=kind.value,
                                region_code=region, parent_id=above.id if above else None)
    for sort, (code, name, kinds, rewardable, parent_cat) in enumerate(CATEGORIES):
        await ensure_category(SYSTEM, CategoryIn(code, name, kinds, rewardable, parent_cat,
                                                 sort=sort))
    for category, region, unit_code in RULES:
        await ensure_rule(SYSTEM, category, region, (await Unit.get(code=unit_code)).id)
    reference.invalidate()


async def seed_demo(*, knowledge_required: bool = True) -> list[str]:
    """Reference data, one staff account per role, the reward programme and the knowledge
    base's demo items; returns the usernames created. ``knowledge_required=False`` (the test
    harness only) lets the knowledge base's data file be missing."""
    from knowledge.seed import seed_knowledge
    from models.org import Staff

    await seed_reference_data()
    created = []
    for username, roles, unit_code in STAFF:
        if await Staff.exists(username=username):
            continue
        unit = await Unit.get(code=unit_code)
        await staff_admin.create_staff(SYSTEM, username=username, password=DEMO_PASSWORD,
                                       roles=roles, unit_id=unit.id)
        created.append(username)
    await seed_demo_program()  # the 五水共治 reward programme
    await seed_knowledge(required=knowledge_required)
    return created
