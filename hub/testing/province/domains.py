"""The lines of supervision a market bureau inspects, and the trades that fall under each.

A registered entity's trade decides its domain; the domain decides what an inspection checks, the
violation it may find and the fine range of the penalty that follows. Keeping the three linked in
one table is what makes an entity, its inspections and its penalties tell one consistent story.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DOMAIN", "DOMAINS", "SCOPE_EXTRAS", "TRADES", "TRADE_WEIGHTS", "Domain"]


@dataclass(frozen=True, slots=True)
class Domain:
    """A line of supervision: the item inspected and the typical violation found."""

    key: str
    number: int
    item: str
    content: str
    minor: str
    violation: str
    basis: str
    fine: tuple[int, int]
    gains: bool


DOMAINS: tuple[Domain, ...] = (
    Domain(
        "food_service",
        1,
        "餐饮服务食品安全监督检查",
        "检查食品原料进货查验记录、原料贮存及保质期管理、从业人员健康证明。",
        "部分从业人员健康证明过期",
        "使用超过保质期的食品原料加工食品",
        "《中华人民共和国食品安全法》第三十四条第（十）项、第一百二十四条第一款第（五）项",
        (5000, 80000),
        True,
    ),
    Domain(
        "food",
        2,
        "食品销售者监督检查",
        "检查食品进货查验记录、临期食品管理、标签标识。",
        "临期食品未集中陈列并提示",
        "销售超过保质期的食品",
        "《中华人民共和国食品安全法》第三十四条第（十）项、第一百二十四条第一款第（五）项",
        (5000, 50000),
        True,
    ),
    Domain(
        "drug",
        3,
        "药品零售企业监督检查",
        "检查执业药师在岗、处方药销售、药品储存温湿度记录。",
        "温湿度记录不完整",
        "未凭处方销售处方药",
        "《药品经营和使用质量监督管理办法》第四十二条、第七十条",
        (5000, 30000),
        False,
    ),
    Domain(
        "equipment",
        4,
        "特种设备使用单位监督检查",
        "检查电梯使用登记、定期检验、维护保养记录和安全管理人员配备。",
        "电梯维护保养记录未签字确认",
        "使用未经定期检验的电梯",
        "《中华人民共和国特种设备安全法》第四十条第三款、第八十四条第（一）项",
        (30000, 300000),
        False,
    ),
    Domain(
        "product",
        5,
        "产品质量监督抽查",
        "抽取在售产品样品送检，检查产品合格证明和进货记录。",
        "部分产品合格证明缺失",
        "销售不合格产品",
        "《中华人民共和国产品质量法》第三十九条、第五十条",
        (10000, 200000),
        True,
    ),
    Domain(
        "price",
        6,
        "价格行为监督检查",
        "检查商品和服务明码标价情况。",
        "个别商品价签信息不全",
        "销售商品未按规定明码标价",
        "《中华人民共和国价格法》第十三条、第四十二条",
        (500, 5000),
        False,
    ),
    Domain(
        "ad",
        7,
        "广告发布监督检查",
        "检查经营场所及网店页面发布的广告内容。",
        "宣传页面个别用语不规范",
        "在网店页面发布含有“最佳”“第一”等绝对化用语的广告",
        "《中华人民共和国广告法》第九条第（三）项、第五十七条第（一）项",
        (200000, 600000),
        False,
    ),
    Domain(
        "metrology",
        8,
        "计量监督检查",
        "检查在用计量器具检定合格标志和检定证书。",
        "计量器具台账未及时更新",
        "使用未经检定的计量器具",
        "《中华人民共和国计量法》第九条、《中华人民共和国计量法实施细则》第四十三条",
        (500, 1000),
        False,
    ),
)
DOMAIN = {d.key: d for d in DOMAINS}
# trade in a name, its domain, its business scope; with weights
TRADES: tuple[tuple[str, str, str, int], ...] = (
    ("餐饮管理", "food_service", "餐饮服务；餐饮管理；食品销售（仅销售预包装食品）。", 5),
    ("食品", "food", "食品销售；日用百货销售；农副产品销售。", 4),
    ("医药连锁", "drug", "药品零售；第二类医疗器械销售；保健食品销售。", 2),
    ("物业服务", "equipment", "物业管理；停车场服务；电梯维修保养。", 2),
    ("机电设备", "product", "机械设备销售；五金产品批发；电线电缆销售。", 3),
    ("百货超市", "price", "日用百货销售；食品销售；文具用品零售。", 3),
    ("电子商务", "ad", "互联网销售（除销售需要许可的商品）；广告发布。", 2),
    ("眼镜", "metrology", "眼镜销售（不含隐形眼镜）；验光配镜服务。", 1),
)
SCOPE_EXTRAS = (
    "第二类医疗器械销售",
    "日用品销售",
    "互联网销售（除销售需要许可的商品）",
    "会议及展览服务",
)
TRADE_WEIGHTS = tuple(t[3] for t in TRADES)
