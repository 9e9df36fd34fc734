"""The demo district's tables: its towns and communities, the demo logins' phones and places, the
names, life stages and profiles of its volunteers, the kinds of activity, the district's and the
stations' theme calendars, the volunteer teams, and the reasons staff give. `volunteers.demo.seed`
is the code that seeds them.
"""

from dataclasses import dataclass
from datetime import date

# --- places -------------------------------------------------------------------------------------

#: Towns and streets of Nansha with some of their communities and villages.
NANSHA = {
    "南沙街道": ["金洲社区", "港湾社区", "南沙社区", "塘坑村", "板头村"],
    "珠江街道": ["珠江社区", "万鲤社区", "海北社区", "新垦社区"],
    "龙穴街道": ["龙穴社区", "南沙港社区", "龙穴岛社区"],
    "黄阁镇": ["黄阁社区", "大塘村", "东里村", "莲溪村"],
    "横沥镇": ["横沥社区", "冯马村", "义沙村", "新兴村"],
    "万顷沙镇": ["万顷沙社区", "福安村", "红港村", "新港村"],
    "东涌镇": ["东涌社区", "大稳村", "吉祥村", "细沥村"],
    "大岗镇": ["大岗社区", "新联村", "豪岗村", "高沙村"],
    "榄核镇": ["榄核社区", "人绿村", "九比村", "湴湄村"],
}

#: The agencies (承办机构) that run the stations under contract, the issuers of their
#: certificates: (name, 统一社会信用代码, contact, phone, towns). Made-up names with valid codes;
#: 榄核镇's station has none, so the demo shows a station issuing in its own name too.
AGENCIES = (
    ("南沙区启航社会工作服务中心（演示）", "52440115MJL0000160", "何主任", "020-3468 0001",
     ("南沙街道", "珠江街道", "龙穴街道")),
    ("南沙区同心社会工作服务中心（演示）", "52440115MJL000024T", "梁主任", "020-3468 0002",
     ("黄阁镇", "横沥镇", "万顷沙镇")),
    ("南沙区益邻社会工作服务中心（演示）", "52440115MJL000032M", "罗主任", "020-3468 0003",
     ("东涌镇", "大岗镇")),
)

# --- the people ---------------------------------------------------------------------------------

RESIDENT_PHONE = "13800000001"  # 陈晓敏, timebank.demo
SOCIAL_WORKER_PHONE = "13800000002"  # 李志华
MANAGER_PHONE = "13800000003"  # 王丽娟
DISTRICT_ADMIN_PHONE = "13800000004"  # 黄建国
ELDER_PHONE = "13800000006"  # 梁伯
DEMO_TOWN, DEMO_COMMUNITY, ELDER_COMMUNITY = "南沙街道", "金洲社区", "港湾社区"

VOLUNTEER_COUNT = 300
GRID_NUMERALS = ("一", "二", "三")
WORKERS_PER_GRID = 3


#: Common surnames of the Pearl River Delta, with rough weights.
SURNAMES = {
    "陈": 10, "李": 7, "黄": 7, "梁": 6, "张": 5, "何": 4, "刘": 4, "林": 4, "吴": 3, "罗": 3,
    "郭": 3, "麦": 3, "冯": 3, "邓": 3, "谢": 2, "叶": 2, "莫": 2, "钟": 2, "苏": 2, "潘": 2,
    "卢": 2, "曾": 2, "杨": 2, "区": 1, "霍": 1, "周": 2, "郑": 2, "冼": 1, "关": 1, "彭": 1,
}
#: Given names by generation and gender.
GIVEN_NAMES = {
    ("old", "female"): "秀英 桂芳 玉珍 惠珍 凤娟 少芬 淑贞 翠华 月娥 银好 丽华 美玲 秀兰 瑞芳 群英",
    ("old", "male"): "炳坤 德华 国平 锦荣 永康 少雄 耀祖 文辉 汉明 树森 福田 伯坚 国强 志明 金水",
    ("mid", "female"): "慧敏 婷婷 燕玲 海燕 晓红 静怡 小芳 丽萍 嘉欣 颖 洁 敏 霞 芳 咏诗",
    ("mid", "male"): "伟明 建华 志强 国华 振邦 俊杰 伟健 家豪 永强 浩 杰 军 伟 斌 锋",
    ("young", "female"): "梓晴 诗琪 雅婷 佩珊 思敏 欣怡 晓彤 嘉怡 紫琳 芷晴 子欣 可欣 梦婷 颖琳 乐怡",
    ("young", "male"): "子轩 浩然 梓豪 俊熙 宇航 家乐 嘉俊 志鹏 泽林 皓轩 俊宇 卓霖 铭杰 晓峰 文博",
}
RESERVED_NAMES = {"陈晓敏", "李志华", "王丽娟", "黄建国", "何记糖水", "梁伯"}

#: Volunteer tags matched against the themes' tags.
THEME_TAGS = ("敬老", "助残", "禁毒", "环保", "亲子", "学雷锋", "防诈骗", "垃圾分类", "平安建设",
              "消防安全", "邻里互助", "青少年")
SKILLS_OTHER = ("粤剧", "书法", "太极拳", "广场舞", "编织", "电脑维修", "中医推拿", "摄像剪辑", "醒狮",
                "茶艺")

#: Life stages of volunteers: share, age range, skill weights, interest weights, tag weights.
STAGES = {
    "retired": {
        "share": 28, "ages": (58, 76),
        "skills": {"elderly_companionship": 6, "cooking": 5, "cantonese_interpreting": 4,
                   "first_aid": 2, "appliance_repair": 2, "haircut": 1, "photography": 1},
        "groups": {"elderly": 8, "community": 4, "children": 2, "families": 1, "disabled": 1},
        "tags": {"敬老": 8, "邻里互助": 5, "防诈骗": 3, "垃圾分类": 3, "环保": 2, "平安建设": 2,
                 "消防安全": 1},
    },
    "working": {
        "share": 42, "ages": (26, 57),
        "skills": {"first_aid": 4, "elderly_companionship": 3, "photography": 3, "driving": 3,
                   "tutoring": 2, "counselling": 2, "cantonese_interpreting": 2, "cooking": 2,
                   "appliance_repair": 1, "english_interpreting": 1, "haircut": 1,
                   "sign_language": 1},
        "groups": {"families": 5, "children": 4, "community": 4, "elderly": 3, "new_residents": 2,
                   "disabled": 2, "youth": 2},
        "tags": {"亲子": 6, "敬老": 4, "环保": 4, "学雷锋": 3, "防诈骗": 2, "助残": 2, "消防安全": 2,
                 "平安建设": 2, "垃圾分类": 2, "禁毒": 1},
    },
    "homemaker": {
        "share": 12, "ages": (30, 55),
        "skills": {"cooking": 5, "elderly_companionship": 4, "tutoring": 3, "cantonese_interpreting": 2,
                   "first_aid": 1, "counselling": 1},
        "groups": {"children": 6, "families": 5, "elderly": 4, "community": 2, "new_residents": 2},
        "tags": {"亲子": 7, "邻里互助": 4, "敬老": 3, "垃圾分类": 3, "环保": 2},
    },
    "student": {
        "share": 18, "ages": (18, 24),
        "skills": {"tutoring": 6, "english_interpreting": 4, "photography": 3, "first_aid": 2,
                   "sign_language": 1, "elderly_companionship": 2},
        "groups": {"children": 6, "youth": 5, "elderly": 3, "community": 2, "disabled": 2},
        "tags": {"学雷锋": 5, "青少年": 5, "环保": 4, "禁毒": 4, "助残": 2, "亲子": 2, "敬老": 2},
    },
}


#: The demo residents of timebank.demo, given profiles here.
NAMED_RESIDENTS = {
    RESIDENT_PHONE: {
        "community": DEMO_COMMUNITY, "gender": "female", "birth_date": date(1992, 6, 18),
        "skills": ["first_aid", "tutoring", "photography"], "skills_other": "粤剧",
        "interest_groups": ["elderly", "children", "families"],
        "interest_themes": ["敬老", "亲子", "垃圾分类", "消防安全"],
        "availability": ["wed-eve", "sat-am", "sat-pm", "sun-am"], "monthly_limit": 3,
    },
    ELDER_PHONE: {
        "community": ELDER_COMMUNITY, "gender": "male", "birth_date": date(1951, 3, 9),
        "skills": ["cantonese_interpreting"], "skills_other": "象棋",
        "interest_groups": ["elderly"], "interest_themes": ["敬老", "邻里互助"],
        "availability": ["mon-am", "wed-am", "fri-am"], "monthly_limit": 1,
    },
}

# --- one theme a month ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A kind of activity: title (after the community's name), whom it serves, what it needs."""

    title: str
    target: str
    skills: tuple
    when: str  # "weekday", "weekend" or "any"
    starts: tuple  # local "HH:MM" options
    hours: tuple  # length options in hours
    slots: tuple  # (fewest, most)
    place: str  # {c} community, {b} community without 社区/村, {t} town
    walk_ins: bool
    description: str
    #: Volunteers are trained, not serving: attendance is recorded, no hours are credited
    #: (records cover training apart from service, 《志愿服务记录与证明出具办法》).
    training: bool = False


K = Kind
KINDS = {
    # all year round
    "visit": K("独居长者探访", "elderly", ("elderly_companionship",), "weekday", ("09:00", "09:30"), (2, 3),
               (5, 10), "{c}社工服务点（集合后入户）", False,
               "两人一组上门探访辖区独居、空巢长者，了解近况，检查家居安全，登记需要跟进的困难。"),
    "homework": K("四点半课堂", "children", ("tutoring",), "weekday", ("16:00",), (2,), (5, 10),
                  "{c}图书室", False, "为双职工家庭的小学生提供课后作业辅导和阅读陪伴。"),
    "haircut": K("便民义剪", "community", ("haircut",), "weekend", ("09:00",), (3,), (4, 8), "{c}文化广场",
                 True, "为长者和行动不便的居民免费理发，另需志愿者协助排队引导和秩序维护。"),
    "repair": K("家电义修", "community", ("appliance_repair",), "weekend", ("09:00", "14:30"), (3,),
                (5, 10), "{c}文化广场", True, "义务维修小家电，检查电线插座，向居民讲解家庭用电安全。"),
    "canteen": K("长者饭堂助餐", "elderly", ("cooking",), "weekday", ("10:30",), (2,), (4, 8),
                 "{c}长者饭堂", False, "协助长者饭堂分餐、打扫，为行动不便的长者送饭上门。"),
    "cleanup": K("社区环境清洁行动", "community", (), "weekend", ("08:30", "09:00"), (2,), (10, 20),
                 "{c}党群服务中心（集合）", True, "清理楼道杂物和卫生死角，倡导居民共建整洁家园。"),
    "birthday": K("长者集体生日会", "elderly", ("photography",), "weekday", ("14:30",), (2,), (8, 15),
                  "{c}党群服务中心", False,
                  "为本月生日的长者举办集体生日会，志愿者协助布置、表演和拍照留念。"),
    "sorting": K("垃圾分类督导", "community", (), "any", ("19:00",), (2,), (6, 12), "{c}垃圾分类投放点",
                 True, "在晚间投放高峰时段值守投放点，指导居民正确分类投放，记录混投情况。"),
    # 1 迎春送福
    "couplets": K("迎春写挥春", "community", (), "weekend", ("09:30",), (3,), (6, 12), "{c}文化广场", True,
                  "邀请书法爱好者现场书写挥春，志愿者协助铺纸、派发，并为独居长者送春联上门。"),
    "new_year_visit": K("新春困境家庭慰问", "families", ("driving",), "weekday", ("09:00",), (3,), (5, 10),
                        "{c}社工服务点（集合后入户）", False,
                        "随社工走访低保低收、困境家庭，送上年货和新春祝福。"),
    "new_year_fair": K("迎新春邻里年货市集", "community", ("photography",), "weekend", ("14:30",), (3,),
                       (10, 20), "{c}文化广场", True,
                       "组织居民摆卖手作年货、交换闲置物品，营造邻里过年氛围。"),
    # 2 元宵邻里情
    "lantern": K("元宵猜灯谜游园会", "families", (), "weekend", ("19:00",), (2, 2.5), (10, 20),
                 "{c}文化广场", True, "布置灯谜长廊和亲子游戏摊位，志愿者负责摊位讲解、兑奖和安全巡查。"),
    "tangyuan": K("包汤圆送长者", "elderly", ("cooking",), "weekday", ("09:30",), (3,), (6, 12),
                  "{c}长者饭堂", False, "与长者一起包汤圆，再由志愿者送到行动不便的长者家中。"),
    "newcomers": K("新广州人元宵联谊会", "new_residents", ("cantonese_interpreting",), "weekend",
                   ("14:30",), (2,), (6, 10), "{c}党群服务中心", False,
                   "帮助新来南沙的家庭认识邻里和社区资源，志愿者协助接待、翻译和小组带领。"),
    # 3 学雷锋
    "leifeng_fair": K("学雷锋便民服务集市", "community", ("first_aid", "haircut", "appliance_repair"),
                      "weekend", ("09:00",), (3,), (12, 20), "{c}文化广场", True,
                      "3·5学雷锋纪念日集中开展义剪、义修、量血压等便民服务，现场招募新志愿者。"),
    "tree_planting": K("植树护绿行动", "community", (), "weekend", ("08:30",), (3,), (10, 20),
                       "{c}公园", True, "在社区绿地补种花木、清理杂草，向居民宣传爱绿护绿。"),
    "volunteer_training": K("新志愿者入门培训", "community", ("counselling",), "weekend", ("14:30",), (2,),
                            (5, 8), "{c}党群服务中心", False,
                            "由社工讲解志愿服务条例、服务礼仪和时间银行记时规则，老志愿者分享经验。",
                            training=True),
    # 4 清明·平安
    "qingming": K("清明文明祭扫宣传", "community", (), "weekend", ("08:30",), (3,), (8, 15),
                  "{t}公墓入口", True, "在祭扫高峰日派发文明祭扫倡议书，劝导鲜花祭扫、不燃放鞭炮。"),
    "anti_fraud": K("防诈骗宣传进社区", "elderly", ("cantonese_interpreting",), "weekday", ("09:30",),
                    (2,), (5, 10), "{c}党群服务中心", False,
                    "用粤语为长者讲解常见电信诈骗手法，协助安装国家反诈中心APP。"),
    "patrol": K("平安夜巡", "community", (), "any", ("19:30",), (2,), (6, 10), "{c}治安岗亭", False,
                "与社区网格员一起夜间巡查，留意消防通道和治安隐患。"),
    # 5 助残
    "disabled_outing": K("助残日陪伴出游", "disabled", ("first_aid", "driving"), "weekend", ("09:00",),
                         (4,), (8, 15), "{t}康园工疗站", False,
                         "陪伴康园学员到滨海公园出游，每名志愿者结对一名学员，需耐心细致。"),
    "rehab": K("康园工疗站手工陪伴", "disabled", ("counselling",), "weekday", ("14:30",), (2,), (4, 8),
               "{t}康园工疗站", False, "协助工疗站学员完成手工作业，陪伴交流，促进社区融合。"),
    "sign_class": K("手语入门体验课", "community", ("sign_language",), "weekend", ("14:30",), (2,), (5, 10),
                    "{c}党群服务中心", False, "由听障朋友和手语志愿者教授日常手语，提升居民无障碍意识。"),
    # 6 禁毒
    "drug_booth": K("6·26禁毒宣传摊位", "community", (), "weekend", ("09:00",), (3,), (8, 15),
                    "{b}市场门口", True, "设置禁毒知识展板和有奖问答，向赶集居民派发宣传资料。"),
    "drug_quiz": K("青少年禁毒知识竞赛", "youth", ("tutoring",), "weekend", ("14:30",), (2,), (5, 10),
                   "{c}党群服务中心", False, "组织青少年分组答题，志愿者担任计分员和小组带领。"),
    "drug_school": K("禁毒宣传进校园", "children", (), "weekday", ("15:00",), (2,), (5, 8), "{b}小学",
                     False, "配合学校开展禁毒主题班会，用绘本和游戏讲解新型毒品的危害。"),
    # 7 暑期
    "summer_camp": K("暑期成长营", "children", ("tutoring", "english_interpreting"), "weekday",
                     ("09:00",), (3,), (6, 12), "{c}党群服务中心", False,
                     "为放暑假的小学生开设作业辅导、英语角和兴趣课堂，缓解双职工家庭看护压力。"),
    "parent_child": K("亲子手工坊", "families", (), "weekend", ("14:30",), (2,), (5, 10),
                      "{c}党群服务中心", False, "带领亲子家庭用环保材料制作手工，增进亲子沟通。"),
    "summer_reading": K("暑期阅读陪伴", "children", ("tutoring",), "weekday", ("15:00",), (2,), (5, 8),
                        "{c}图书室", False, "陪伴儿童阅读绘本、分享读后感，培养阅读习惯。"),
    # 8 防溺水
    "drowning_talk": K("防溺水安全宣讲", "children", ("first_aid",), "weekend", ("09:30",), (2,), (5, 10),
                       "{c}党群服务中心", False, "用案例和情景演练教孩子“六不”防溺水守则，讲解自救方法。"),
    "first_aid_class": K("家庭急救技能培训", "families", ("first_aid",), "weekend", ("14:30",), (3,),
                         (5, 10), "{c}党群服务中心", False,
                         "由红十字会导师教授心肺复苏和海姆立克急救法，志愿者在导师指导下分组练习。",
                         training=True),
    "river_patrol": K("河涌防溺水巡查", "community", (), "any", ("17:00",), (2,), (6, 12), "{b}河涌沿线",
                      True, "傍晚巡查河涌、鱼塘等危险水域，劝离下水游泳的儿童，检查警示牌和救生圈。"),
    # 9 中秋·中华慈善日
    "mooncakes": K("中秋送月饼慰问", "elderly", ("elderly_companionship",), "weekday", ("09:30",), (3,),
                   (6, 12), "{c}社工服务点（集合后入户）", False,
                   "中秋前为独居、空巢长者和困境家庭送上月饼和节日问候，陪伴聊天。"),
    "mid_autumn_fair": K("中秋邻里游园会", "families", ("photography",), "weekend", ("19:00",), (2, 2.5),
                         (10, 20), "{c}文化广场", True,
                         "布置灯笼和亲子游戏摊位，志愿者负责摊位讲解、兑奖和安全巡查。"),
    "charity_sale": K("9·5中华慈善日爱心义卖", "community", (), "weekend", ("09:30",), (3,), (8, 15),
                      "{c}文化广场", True, "义卖居民捐赠的手作和闲置物品，所得善款用于社区困境家庭帮扶。"),
    # 10 敬老月·重阳
    "health_check": K("长者健康义诊", "elderly", ("first_aid",), "weekday", ("09:00",), (3,), (6, 12),
                      "{c}党群服务中心", True,
                      "联合社区卫生服务站为长者测量血压血糖，志愿者协助登记和引导。"),
    "smartphone": K("教长者用智能手机", "elderly", ("tutoring",), "weekday", ("14:30",), (2,), (5, 10),
                    "{c}党群服务中心", False, "一对一教长者使用健康码、视频通话和手机挂号，跨越数字鸿沟。"),
    "portraits": K("长者免费形象照拍摄", "elderly", ("photography",), "weekend", ("09:00",), (3,), (4, 8),
                   "{c}党群服务中心", False, "为长者化淡妆、拍摄形象照并冲印相框送上门。"),
    "chongyang_tea": K("重阳敬老茶话会", "elderly", ("photography",), "weekday", ("09:30",), (3,), (8, 15),
                       "{c}党群服务中心", False,
                       "与长者共叙家常、欣赏粤曲表演，志愿者负责接送行动不便的长者。"),
    "chongyang_visit": K("重阳入户探访", "elderly", ("elderly_companionship",), "weekend", ("09:00",),
                         (3,), (6, 12), "{c}社工服务点（集合后入户）", False,
                         "为独居、空巢长者送上重阳糕点，陪伴聊天，了解生活困难。"),
    "hike": K("重阳登高长者同行", "elderly", ("first_aid",), "weekend", ("08:30",), (3,), (8, 15),
              "{c}党群服务中心（集合后出发）", False, "陪伴长者登高望远，志愿者沿途照应，配备急救包。"),
    # 11 消防
    "fire_drill": K("消防疏散演练", "community", ("first_aid",), "weekday", ("15:00",), (2,), (6, 12),
                    "{c}党群服务中心", False,
                    "联合消防站开展高层住宅疏散演练，志愿者负责楼层引导和人数清点。"),
    "fire_check": K("长者家居消防安全检查", "elderly", ("appliance_repair",), "weekday", ("09:00",), (3,),
                    (5, 10), "{c}社工服务点（集合后入户）", False,
                    "入户检查独居长者家中电线、燃气和灭火器，发现隐患登记并协助整改。"),
    "fire_booth": K("119消防宣传摊位", "community", (), "weekend", ("09:30",), (2,), (6, 12),
                    "{c}文化广场", True, "展示灭火器使用方法，派发家庭防火手册，开展消防知识有奖问答。"),
    # 12 冬至·志愿者日
    "dumplings": K("冬至包饺子送温暖", "elderly", ("cooking",), "weekday", ("09:30",), (3,), (8, 15),
                   "{c}长者饭堂", False, "和长者一起包饺子过冬至，再为行动不便的长者送餐上门。"),
    "volunteer_day": K("国际志愿者日分享会", "community", ("photography",), "weekend", ("14:30",), (2,),
                       (10, 20), "{c}党群服务中心", False,
                       "表彰年度优秀志愿者，分享服务故事，发布来年招募计划。"),
    "winter_visit": K("寒冬送暖入户慰问", "families", ("driving",), "weekday", ("09:00",), (3,), (5, 10),
                      "{c}社工服务点（集合后入户）", False, "为困境家庭送棉被和御寒物资，了解过冬困难。"),
    # station themes
    "neighbours": K("邻里守望结对", "elderly", ("elderly_companionship",), "weekend", ("09:30",), (2,),
                    (6, 12), "{c}社工服务点", False,
                    "为志愿者和独居长者结对，约定每周电话问候、每月上门探访。"),
    "kylin": K("麒麟舞非遗体验", "children", ("photography",), "weekend", ("14:30",), (3,), (6, 12),
               "{c}文化广场", False, "邀请麒麟舞传承人教孩子基本步法，志愿者协助组织和拍摄记录。"),
    "river_clean": K("河涌护河清洁", "community", (), "weekend", ("08:30",), (3,), (10, 20), "{b}河涌沿线",
                     True, "清理河涌两岸垃圾，记录排污口和漂浮物情况，向沿岸居民宣传护河。"),
}
del K

#: Kinds that fill a month besides its theme's own.
FILLERS = ("visit", "visit", "homework", "haircut", "repair", "canteen", "cleanup", "birthday", "sorting")
SCHOOL_HOLIDAYS = (1, 2, 7, 8)

#: The service category (服务类别) of a kind of activity on its records: the kinds named here,
#: else by whom it serves.
KIND_CATEGORIES = {
    "homework": "education", "summer_reading": "education", "summer_camp": "education",
    "sign_class": "education", "smartphone": "education", "volunteer_training": "education",
    "cleanup": "environment", "sorting": "environment", "tree_planting": "environment",
    "river_patrol": "environment", "river_clean": "environment",
    "couplets": "culture", "lantern": "culture", "mid_autumn_fair": "culture", "kylin": "culture",
    "portraits": "culture", "new_year_fair": "culture",
    "new_year_visit": "poverty_relief", "charity_sale": "poverty_relief",
    "winter_visit": "poverty_relief",
    "health_check": "health", "first_aid_class": "health", "drowning_talk": "health",
    "fire_drill": "emergency", "fire_check": "emergency", "fire_booth": "emergency",
    "anti_fraud": "public_safety", "patrol": "public_safety", "drug_booth": "public_safety",
    "drug_quiz": "public_safety", "drug_school": "public_safety",
}
TARGET_CATEGORIES = {"elderly": "elderly_disabled", "disabled": "elderly_disabled",
                     "children": "education", "youth": "education"}


def kind_category(key: str) -> str:
    return KIND_CATEGORIES.get(key) or TARGET_CATEGORIES.get(KINDS[key].target, "community")


#: Month → (title, description, tags, kinds) of the district's calendar.
DISTRICT_THEMES = {
    1: ("迎春送福",
        "新春将至，各社工站组织志愿者写挥春、送年货，走访困境家庭和独居长者，把祝福送到邻里身边。",
        ["迎春", "敬老", "邻里互助"], ("couplets", "new_year_visit", "new_year_fair", "visit")),
    2: ("元宵邻里情", "以元宵佳节为契机，举办猜灯谜、包汤圆等邻里活动，促进新老居民相识相助。",
        ["邻里互助", "亲子", "新广州人"], ("lantern", "tangyuan", "newcomers")),
    3: ("学雷锋志愿服务月", "3·5学雷锋纪念日前后集中开展义剪、义修、义诊等便民服务，并招募和培训新志愿者。",
        ["学雷锋", "环保", "邻里互助"], ("leifeng_fair", "tree_planting", "volunteer_training", "haircut")),
    4: ("清明文明祭扫·平安建设", "倡导文明低碳祭扫；同步开展防诈骗宣传和平安夜巡，共建平安社区。",
        ["平安建设", "防诈骗", "环保"], ("qingming", "anti_fraud", "patrol")),
    5: ("全国助残日", "围绕5月第三个星期日全国助残日，组织志愿者陪伴残障人士出游、参与康复和社区融合活动。",
        ["助残", "社区融合"], ("disabled_outing", "rehab", "sign_class")),
    6: ("禁毒宣传月", "迎接6·26国际禁毒日，走进学校、社区和市场开展禁毒宣传，提升青少年识毒防毒拒毒能力。",
        ["禁毒", "青少年"], ("drug_booth", "drug_quiz", "drug_school")),
    7: ("暑期青少年成长",
        "暑假期间为辖区儿童青少年提供课业辅导、兴趣课堂和亲子活动，缓解双职工家庭的看护压力。",
        ["青少年", "亲子", "学业辅导"], ("summer_camp", "parent_child", "summer_reading")),
    8: ("防溺水与安全教育", "暑期是溺水事故高发期。联合村居开展防溺水宣讲、河涌巡查和家庭急救培训。",
        ["防溺水", "安全教育", "亲子"], ("drowning_talk", "first_aid_class", "river_patrol")),
    9: ("中秋团圆·中华慈善日", "中秋佳节为独居长者和困境家庭送上节日问候；9·5中华慈善日开展爱心义卖，"
        "凝聚邻里互助力量。", ["邻里互助", "慈善", "敬老"], ("mooncakes", "mid_autumn_fair", "charity_sale")),
    10: ("敬老月·重阳敬老", "广东敬老月与重阳佳节，走访慰问长者，举办敬老茶话会、登高和健康义诊，"
         "教长者用智能手机，关注独居、空巢长者的身心需要。", ["敬老", "重阳", "长者健康"],
         ("chongyang_tea", "chongyang_visit", "hike", "health_check", "smartphone", "portraits")),
    11: ("消防安全月", "围绕11·9全国消防日，开展消防疏散演练、长者家居消防隐患排查和用电安全宣传。",
         ["消防安全", "平安建设", "敬老"], ("fire_drill", "fire_check", "fire_booth")),
    12: ("冬至送温暖·国际志愿者日",
         "12·5国际志愿者日表彰优秀志愿者、分享服务故事；冬至前后为困境家庭和长者送温暖。",
         ["送温暖", "敬老", "志愿者日"], ("dumplings", "volunteer_day", "winter_visit")),
}

#: Town → (months of the year, title, description, tags, kinds) of station calendars. Every
#: three months in a row hold one month of each, so last, this and next month always show one.
STATION_THEMES = {
    "南沙街道": ((3, 6, 9, 12), "滨海邻里守望",
                 "以金洲、港湾社区为重点，为志愿者和独居长者结对，织密邻里守望网络。",
                 ["敬老", "邻里互助"], ("neighbours", "visit", "canteen")),
    "黄阁镇": ((2, 5, 8, 11), "麒麟文化传承",
               "结合黄阁麒麟舞非遗文化，组织青少年学习传统文化，开展亲子文化活动。",
               ["亲子", "文化传承", "青少年"], ("kylin", "parent_child")),
    "东涌镇": ((1, 4, 7, 10), "水乡绿色家园",
               "围绕水乡生态保护，开展河涌清洁、垃圾分类宣传和环保手工活动，推动垃圾分类进村入户。",
               ["环保", "垃圾分类"], ("river_clean", "sorting", "cleanup")),
}

#: Volunteer service teams of every station: name, the interests it recruits from.
VOLUNTEER_TEAMS = (
    ("长者关爱志愿服务队", {"elderly"}, {"敬老"}),
    ("青少年成长志愿服务队", {"children", "youth"}, {"青少年", "亲子"}),
    ("禁毒宣传志愿服务队", {"youth", "community"}, {"禁毒", "防诈骗", "平安建设"}),
)
EXTRA_TEAMS = {"南沙街道": ("绿色环保志愿服务队", {"community"}, {"环保", "垃圾分类"}),
               "东涌镇": ("水乡护河志愿服务队", {"community"}, {"环保", "垃圾分类"})}

#: Stations (by town) whose last activity next month is still a draft.
DRAFT_TOWNS = ("南沙街道", "横沥镇", "大岗镇")


# --- what happened at past activities -----------------------------------------------------------

#: Why staff set a check-in's minutes by hand (honour hours, 荣誉时), or refused it.
LATE_SCAN_REASON = "手机没电未能按时扫码签到，经社工核对签到表按全程记录"
LEFT_EARLY_REASON = "中途离场约半小时，按实际服务时长核减"
FORGOT_CHECKOUT_REASON = "忘记签退，经社工核对签到表按活动全程记录"
REJECT_REASON = "签到后未参与服务，经核实不予记录"
