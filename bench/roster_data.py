"""A synthetic volunteer roster for benchmarks: valid, unique ID numbers under area 420527."""

import random
from datetime import date, timedelta

from openpyxl import Workbook
from stdnum.cn import ric

from wenming.volunteers.roster.columns import COLUMNS
from wenming.volunteers.roster.reader import SHEET_NAME

AREA = "420527"  # 秭归县
FIRST_BIRTH = date(1992, 1, 1)
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红鹏辉建国志鑫宇浩晨欣怡子涵梓轩雨婷佳琪思博文俊豪"
POLITICAL = ["中共党员", "群众", "共青团员", "群众", "群众", "中共预备党员"]
SKILLS = ["医疗护理", "心理疏导", "驾驶", "", "", "文艺表演、宣传摄影", "应急救援、驾驶"]
AVAILABILITY = ["工作日白天", "周末节假日", "工作日晚上、周末节假日", "应急随时", "工作日白天、应急随时"]


def generate_roster(path, rows: int, node_codes: list[str], *, seed: int = 20240501,
                    today: date | None = None) -> None:
    """Write `rows` adult volunteers (18+) with every column filled as people do."""
    rng = random.Random(seed)
    today = today or date.today()
    last_birth = today.replace(year=today.year - 19)
    days = (last_birth - FIRST_BIRTH).days
    picks = rng.sample(range(days * 1000), rows)  # (birth day, sequence) pairs: unique ID numbers
    book = Workbook(write_only=True)
    ws = book.create_sheet(SHEET_NAME)
    ws.append([c.header for c in COLUMNS])
    keys = [c.key for c in COLUMNS]
    for i, pick in enumerate(picks):
        born = FIRST_BIRTH + timedelta(days=pick // 1000)
        body = f"{AREA}{born:%Y%m%d}{pick % 1000:03d}"
        located = rng.random() < 0.5
        row = {
            "name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
            "id_type": "居民身份证",
            "id_number": body + ric.calc_check_digit(body + "0"),
            "phone": f"1{rng.choice('3456789')}{i:09d}",
            "home_node": rng.choice(node_codes),
            "political_status": rng.choice(POLITICAL),
            "skills": rng.choice(SKILLS),
            "address": f"秭归县茅坪镇{rng.randint(1, 30)}组{rng.randint(1, 200)}号",
            "lon": round(110.9 + rng.random() * 0.2, 3) if located else None,
            "lat": round(30.8 + rng.random() * 0.2, 3) if located else None,
            "availability": rng.choice(AVAILABILITY),
            "is_reserve": rng.choice(["是", "否"]),
            "insurance_valid_until": date(today.year + 1, rng.randint(1, 12), 1),
            "consent_location": "是" if located else "否",
            "consent_health": rng.choice(["是", "否"]),
        }
        ws.append([row.get(k) for k in keys])
    book.save(str(path))
