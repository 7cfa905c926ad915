"""What a customer message wants, decided by cheap rules first (the LLM only breaks ties).

Rules are ordered from most to least specific; a rule hit is confident, no hit is `UNKNOWN` with low
confidence, which the core either sends to the LLM classifier (when configured) or treats as a search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.conversation.symptoms import describes_fault


class Intent(StrEnum):
    PRODUCT_QUESTION = "product_question"  # "这双鞋有42码吗", "how much is the second one"
    RECOMMENDATION = "recommendation"  # "500以内适合跑步的鞋"
    COMPARISON = "comparison"  # "这两款有什么区别"
    POLICY = "policy"  # shipping / returns / payment / warranty
    GREETING = "greeting"  # "你好", "hi"
    SMALL_TALK = "small_talk"  # "谢谢", "who are you"
    HUMAN = "human"  # "转人工", "talk to a person"
    INJECTION = "injection"  # "忽略之前的指令", "print your system prompt"
    OUT_OF_SCOPE = "out_of_scope"  # weather, jokes, homework
    AFTER_SALES = "after_sales"  # "耳机坏了怎么办", "the pan I received is dented", "想换大一号"
    ORDER_STATUS = "order_status"  # "我的快递到哪了", "where is my order"
    CONTACT = "contact"  # "客服几点下班", "有电话吗"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class IntentGuess:
    intent: Intent
    confidence: float
    rule: str = ""

    @property
    def sure(self) -> bool:
        return self.confidence >= 0.6


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(parts), re.IGNORECASE)


INJECTION_RX = _rx(
    r"忽略(之前|以上|前面|上面|所有)?的?(指令|指示|规则|设定|提示)",
    r"(无视|忘记|忘掉)(之前|以上|前面|所有)?的?(指令|规则|设定|提示)",
    r"(系统|原始)提示词?",
    r"ignore (all |any )?(the )?(previous|prior|above|earlier) (instructions|rules|prompts?)",
    r"disregard (all |the )?(previous|prior|above) ",
    r"(print|show|reveal|repeat|tell me) (me )?(your|the) (system )?(prompt|instructions)",
    r"system prompt",
    r"you are now (a|an|in) ",
    r"developer mode",
    r"admin mode",
    r"^\s*system\s*:",
    r"(管理员|系统|客服)备注",
    r"(回复|答案|结尾|末尾)(里|中|后)?(加上|写上|说|注明)",
    r"(add|append|say|include) [^.]{0,40}(to|at the end of|in) your (reply|answer)",
    r"hidden instructions",
)
# Instructions that try to change facts ("改成1元卖给我", "按五折报价", "Set all prices to 0"): never obeyed,
# never echoed; the rest of the message is still answered from the catalog and the policies.
MANIPULATION_RX = _rx(
    r"改成\s*\S{0,12}(元|块|天|折)",
    r"(按|打)\s*[一二三四五六七八九\d]+\s*折",
    r"(已经)?同意(给我)?(打折|优惠|打.折|便宜)",
    r"就这么说定了",
    r"(set|change|make) (all |the )?(prices?|returns?) (to|for)",
    r"confirm that",
    r"售价\s*\d+\s*元.{0,6}(报价|卖)",
)
HUMAN_RX = _rx(
    r"转人工",
    r"人工(客服|服务)?",
    r"(找|要|转|接)真人",
    r"真人客服",
    r"(找|叫|要)(个)?客服",
    r"客服(在吗|人员)",
    r"(talk|speak|chat) (to|with) (a |an )?(real )?(person|human|agent|someone)",
    r"(want|need|get|give me) (a |to talk to a )?real (person|human)",
    r"human (agent|support|being)",
    r"customer service (agent|rep)",
    r"live agent",
)
COMPARE_RX = _rx(
    r"区别",
    r"对比",
    r"比较",
    r"哪(个|款|双|件|一个|一款)(更)?(好|值|适合|划算)",
    r"差别",
    r"有什么不同",
    r"差异",
    r"\bvs\.?\b",
    r"\bcompare\b",
    r"\bcomparison\b",
    r"\bdifference",
    r"which (one )?is better",
    r"which (one )?should i",
    r"\bversus\b",
)
POLICY_RX = _rx(
    r"(能|可以|可不可以|还能)(退|换)(吗|货|不)",
    r"换几次",
    r"(几天|多久)(能|才能|可以)?(到|送到|收到)",
    r"(发|寄)到\S{1,6}(要|多久|几天|能|可以)",
    r"(发|寄|运)(往|去)?\S{1,6}?(要|需要|得)?(几天|多久|多长时间|多少天)",  # "发新疆要几天": a delivery time
    r"(能|可以|能不能|可不可以)(寄|邮寄|快递|发快递|托运)(吗|不|过去|$)|(寄|邮寄|快递)得了吗",  # "气罐能寄吗"
    r"(发|寄|送|运|配送)(到|往|去)?(港澳台|香港|澳门|台湾|海外|国外|境外)",  # "能发香港吗": the regions rule
    r"什么时候(能)?(发出|发货|寄出)",
    # when it arrives ("什么时候能到广州") and carrying bulky goods upstairs ("能送上楼吗？6楼没电梯")
    r"什么时候(能|可以|才能)?(到|送到|寄到|收到)(?![手账款货])",
    r"(送|搬|抬|扛)(上楼|到楼上|到家门口)|上楼(费|吗|嘛|么|要|怎么|收)|(没有|没)电梯",
    r"(到了|收到)再(给钱|付款|付钱)",
    # cancelling an order (the returns policy's cancellation bullet; a verified order's status decides)
    r"取消订单|撤单|(能|可以|能不能|可不可以|还能|怎么|如何)(申请)?取消(吗|么|嘛|不|呢|订单|[？?]|$)",
    r"\bcancel (my |an |the |this )?order\b|\b(can|could) (i|we) (still )?cancel\b",
    # how long a parcel takes to where the customer is ("我在成都，锅寄过去要几天", "发过来要多久")
    r"(寄|发|送|运)(过去|过来|到家)(要|需要|得)?(几天|多久|多长时间)",
    r"运费",
    r"包邮",
    r"邮费",
    r"发货",
    r"快递",
    r"顺丰|\bsf express\b",
    r"物流",
    r"配送",
    r"几天到",
    r"多久到",
    r"退货",
    r"退款",
    r"换货",
    r"退换",
    r"保修",
    r"保固",
    r"质保",
    r"售后",
    r"保修期",
    r"支付",
    r"付款",
    r"花呗",
    r"分期",
    r"发票",
    r"七天无理由",
    r"7天无理由",
    r"\bshipping\b",
    r"\bship (to|from|abroad|overseas|internationally)\b",
    r"\b(can|could|do) (you|u|i|we) (ship|mail|post|courier)\b",
    r"\bdelivery\b",
    r"\bdeliver\b",
    r"\breturns?\b",
    r"\brefunds?\b",
    r"\bexchange\b",
    r"\bwarranty\b",
    r"\bguarantee\b",
    r"\bpayment\b",
    r"\bpay (with|by)\b",
    r"\binvoice\b",
    r"\bpolicy\b",
)
# Which size to choose (a size guide answers it): "175cm 70kg穿什么码", "165/88A是什么码", "腰围2尺3穿多大",
# "偏大还是偏小", "which size should I get"; "有XL码的吗" asks for products in a size, not for advice
SIZE_ADVICE_RX = _rx(
    r"(穿|选|买|拿|要|对应)(什么|多大|哪个|几)的?(码|号|尺码|size)|穿多大|多大(的)?码|尺码(怎么选|表|对照|指南)",
    r"(偏大|偏小|正码)(吗|还是|不)|码数(准|正)(吗|不)|\d{3}/\d{2,3}[ab]",
    r"\b(what|which) size\b|\bsize (guide|chart)\b|\b(run|runs|fit|fits) (small|large|big|true to size)\b",
)
GREETING_RX = _rx(
    r"^(你好|您好|哈喽|嗨|在吗|在不在|早上好|下午好|晚上好|早安|hello|hi|hey|hiya|good (morning|afternoon|evening))"
    r"[\s!！。,.，~？?]*(呀|啊|呢)?[\s!！。,.，~？?]*$",
    # a greeting that asks whether someone is there or can help ("hi, is anyone there?", "有人在吗")
    r"^((hello|hi|hey|hiya|你好|您好|哈喽|嗨)[\s!！。,.，~]*)?((is |are )?(there )?(any|some)(one|body) "
    r"(there|here|around|online|in|available)|(can|could) (you|someone|anyone) help( me)?|有人(在)?(吗|嘛|么)|在吗)"
    r"[\s!！。,.，~？?]*$",
)
# What the assistant can do: "what can you do?", "你能做什么", "你可以帮我做什么" (answered, never refused).
ABILITIES = (
    r"^(你|您)?(都)?(能|可以|会)(帮我|帮忙)?(做|干)(些)?(什么|啥|嘛)[\s?？!！呀呢啊]*$|^(你|您)(都)?会(些)?什么[\s?？呢]*$|"
    r"(你|您)(有|都有)(什么|哪些)功能|^what (can|do) you (do|help( me)? with)\b|^how can you help|^what do you do\b"
)
ABILITIES_RX = _rx(ABILITIES)
SMALL_TALK_RX = _rx(
    # one to three of them ("cool, bye", "好的谢谢拜拜", "ok thanks a lot")
    r"^(?:(谢谢|多谢|感谢|好的|好吧|好滴|ok|okay|嗯+|哦+|拜拜|再见|辛苦了|哈哈+|thanks?( you)?|thx|bye|goodbye|cool"
    r"|great)[\s!！。,.，~～]*(啦|了|哈|呀|a lot|so much)?[\s!！。,.，~～]*){1,3}$",
    r"^(你是谁|你叫什么|你是机器人吗|你是真人吗|who are you|what are you|are you a (bot|robot|human))[\s?？!！]*$",
    r"(你是|are you)\s*(a |an )?(真人|机器人|real person|real human|human|bot|robot)",
    ABILITIES,
)
OUT_OF_SCOPE_RX = _rx(
    r"天气",
    r"新闻",
    r"股票",
    r"彩票",
    r"讲个?笑话",
    r"写(一首|首)?诗",
    r"写代码",
    r"作业",
    r"翻译一下",
    r"政治",
    r"\bweather\b",
    r"\bnews\b",
    r"\bjoke\b",
    r"\bpoem\b",
    r"\bhomework\b",
    r"write (me )?(some )?code",
    r"\bbitcoin\b",
    r"\blottery\b",
)
PRODUCT_ASK_RX = _rx(
    r"多少钱",
    r"价格",
    r"价钱",
    r"几块",
    r"贵不贵",
    r"有货",
    r"有库存",
    r"库存",
    r"现货",
    r"还有吗",
    r"卖完",
    r"\d{2}(\.5)?\s*码",
    r"尺码",
    r"尺寸",
    r"码数",
    r"几码",
    r"什么颜色",
    r"颜色",
    r"几种颜色",
    r"材质",
    r"参数",
    r"规格",
    r"详情",
    r"介绍一下",
    r"重量",
    r"多重",
    r"多大",
    # how long it runs, whether it washes, what it supports: asked of the product in focus ("充一次电能用多久")
    r"能?(?:用|飞|亮|跑|玩|撑|续航)(?:多久|多长时间|几个?小时|几分钟)",
    r"(?:可以|能|可|能不能|可不可以)(?:机洗|水洗|手洗|洗)(?:吗|么|嘛)?",
    r"支持.{1,8}(?:吗|么|嘛)",
    r"how much",
    r"\bprice\b",
    r"\bcost\b",
    r"in stock",
    r"available",
    r"\bsizes?\b",
    r"colou?rs?",
    r"material",
    r"\bspecs?\b",
    r"details",
    r"tell me (more )?about",
    r"weight",
)
AFTER_SALES_RX = _rx(
    r"坏了|坏掉|损坏|破损|破了|是破的|是坏的|是凹的|是裂的|瘪|凹进去|凹了|压坏|摔坏|裂了|碎了|掉漆|涂层.{0,3}掉|涂层[^，。,.?？!！]{0,10}(?<![不没会])掉了|掉涂层|开胶|断线|脱线",
    r"起皮|脱皮|涂层.{0,3}(起|脱|剥)|不充电|充不了电|"
    # garment and shoe defects; "不起球的卫衣" / "防褪色" is a wish, not a complaint
    r"(?<![不没防抗])(开线|线开了|起球|掉色|褪色|串色|缩水|掉毛|脱胶|鞋底.{0,2}(掉|脱|裂|断)|掉跟)|"
    r"(线头|缝线|针脚|走线)(开了|松了|散了|脱了)|"
    # stopped doing its job, leaks, pages missing, a blade turned
    r"不(保温|制冷|出水|通电|充电|转|响|亮|工作|好用)了|(?<![不没防])(漏水|漏了|掉页|缺页|错页|卷刃|崩刃|崩口|变形了)|"
    r"没(有)?声音|不响|不亮|不开机|开不了机|充不进电|充不上电|不加热|不能用了|用不了了|失灵|故障|生锈|进水",
    # a part or function that gave out ("磁吸失效了"), down working through the fabric, a chain or stone lost
    r"(?<![不没防])(失效|跑绒|钻绒|漏绒|掉钻|断链|掉珠)|\b(leak(s|ing)? down|down (is )?leaking)\b",
    # keys or a pump that gave out ("几个键不灵", "充气泵不充气了"), and asking for a repair ("能修吗")
    r"不灵(?![活巧的])|不(充气|打气|吸尘|吸了|升降|启动|运行|动)了|(能|可以|能不能|可不可以)(维)?修(吗|嘛|么|不)",
    r"发错|错发|少发|漏发|少了一|缺了|只收到了?|没收到.{0,6}(配件|赠品)",
    # a screen's pixel defect ("屏幕有一个坏点", "出现两个亮点"): a fault, not the product's "亮点" (highlights)
    r"(有|出现|多了|发现)了?(一|两|三|几|\d+)?个?(坏点|亮点|暗点|死点)|\b(dead|stuck|bright) pixels?\b",
    r"质量问题|保修|保固|质保|维修|修理|报修|三包|换新",
    r"(大|小)了一?(码|号)|换(大|小)一?(码|号)|换个?(尺码|颜色)|想换货|换货",
    r"\b(broken|broke|stopped working|not working|doesn'?t work|defective|faulty|damaged|dented|cracked)\b",
    r"\b(missing|wrong item|wrong size|wrong colou?r|repair|warranty|replacement)\b",
    # "I crashed with it, is that covered?": whether the warranty covers what happened to it
    r"\b(is|are|would|will) (that|this|it|they|damage|the damage) (be )?covered\b|\bcovered by\b|"
    r"\b(crashed|dropped|cracked|snapped)\b.{0,40}\b(covered|warranty|replace|refund|fix)",
    r"(摔|撞|碰)(坏|裂|了|到).{0,12}(保修|能修|包修|管不管|算不算|赔)",
    r"\b(not|isn'?t|won'?t|doesn'?t|stopped) (charging|charge|turning on|turn on|heating|heat up)\b|\bpeel(ing|ed|s)?\b",
    # any appliance or part that stopped doing its job, cracked or came off ("吹风机不出热风了", "面板有裂缝",
    # "轮子掉了", "the wheel came off"): wishes ("不出声的键盘", "防开裂") stay shopping
    r"不出(热风|冷风|风|水|粮|墨|雾|声音?|汽|光)(?!的)|(?<![防不没抗])(裂缝|裂纹|开裂|裂开)|"
    r"有(划痕|划伤|污渍|破洞|缺角|磕碰)|(轮子?|把手|手柄|按键|按钮|零件|螺丝|盖子|扣子|拉链|面板|弦|支架|底座)"
    r".{0,2}(掉了|断了|松了|脱落|坏了)|卡住了|卡死了|"
    # any part that snapped ("帐篷杆断了", "登山杖断了"), a stove or lighter that won't light, a leak of gas or air
    r"(?<![不诊判间])(断了|断掉了?|折断|断裂)|(打|点)不着(火)?|不出火|(?<![不没防])漏气",
    r"\b(came|come|fell|falls?|broke|snapped) off\b|\bcrack(ed|s)?\b(?!-)|\bscratched\b|"
    r"\b(won'?t|doesn'?t|does not|will not|stopped|no longer) (start|spin|blow|light|power|cool|pump|run)\w*",
    r"\b(came|coming|fell|falling) apart\b|\b(seams?|stitch(es|ing)?) (split|ripped|came undone|unravel\w*)\b|"
    r"\b(pilling|pilled|faded|fading|shrank|shrunk|colou?r (ran|bled|bleeds|runs))\b",
)
ORDER_RX = _rx(
    r"(快递|包裹|订单|物流|单号).{0,8}(到哪|在哪|哪了|怎么还没|还没到|没到|没更新|不更新|查)",
    r"(到哪了|到哪里了|还没到|还没收到|没收到货)",
    r"(还没|还不|迟迟不|一直没|怎么还没|怎么还不)(有)?发货|\b(hasn'?t|has not|not yet|still not|wasn'?t) (been )?(shipped|dispatched|sent)\b",
    r"查(一下|下)?.{0,4}(订单|物流|快递)",
    r"(订单号|单号)\s*[:：]?\s*[A-Za-z0-9]{6,}",
    r"\b(where is|where's|track|tracking)\b.{0,20}\b(order|package|parcel)",
    r"\b(my order|order status|has my order|my package|my parcel)\b",
    r"\b[A-Z]{2}\d{8,}\b",
)
CONTACT_RX = _rx(
    r"客服.{0,6}(几点|时间|上班|下班|在线)",
    r"(几点|什么时候).{0,4}(上班|下班|有人)",
    r"(有|留个?|给个?).{0,2}电话|电话号码|客服电话|打电话|联系方式|怎么联系|邮箱",
    r"(半夜|晚上|深夜|凌晨).{0,8}(有人回|回复|在吗|有人)",
    r"\b(opening hours|business hours|service hours|phone number|contact you|email address|call you)\b",
    # a channel to the shop, not a product: "Do you have WhatsApp support?", "可以加你们客服微信吗", "有微信客服吗"
    r"(你们|客服|店铺|店家|官方|商家)的?(微信|企业微信|qq|whatsapp|line|电报|telegram|邮箱|热线|电话)",
    r"(微信|qq|邮件|邮箱|whatsapp|电话|在线|人工|售后|电报)客服",
    r"(支持|可以|能)(用)?(微信|qq|whatsapp|line|telegram|电报|邮件|电话)(联系|沟通|咨询|找客服)",
    r"\b(whatsapp|wechat|line|telegram|messenger|viber|live[-\s]chat|phone|email|e-mail|chat|hotline|sms|text)\s+"
    r"(support|service|contact|help|helpline|agent)\b",
    r"\bcustomer\s+(service|support|care)\b",
    # where the shop is: a store, a showroom, its address ("你们门店在哪", "有实体店吗", "do you have a physical store")
    r"(门店|实体店|线下店|体验店|展厅|专卖店|店铺|你们店|贵店)的?(地址|位置|在哪|在哪里|在什么地方|怎么走)",
    r"(有没有|有|开)(实体店|线下店|线下门店|门店|体验店|展厅)",
    r"(去|到)(实体店|线下店|门店|体验店|展厅|店里|店)(试|看|买|自提|取|逛)|(门店|店里|线下)(自提|取货|试穿)|"
    r"(可以|能|支持)(上门)?自提|\b(pick(\s|-)?up|collect it|try (it |them )?on) (in|at|from) (the |your )?(store|shop)\b",
    r"(你们|店铺|店|公司)(的)?(地址|位置)(在|是)",
    r"\b(physical|brick[-\s]and[-\s]mortar|retail|local)\s+(store|shop)s?\b|\bshowroom\b",
    r"\b(store|shop)\s+(address|location)\b|\bwhere\s+(is|are)\s+(you|your\s+(shop|store))(\s+located)?\b",
    r"\bvisit\s+(your|the)\s+(shop|store)\b|\bin\s+person\b",
    r"\b(contact|reach|message|text|talk\s+to|chat\s+with)\s+(you|your\s+(team|support|shop|store|staff|agents?))\b",
    r"\bdo\s+you\s+(have|use|offer)\s+(a\s+|an\s+)?(whatsapp|wechat|line|telegram|hotline|phone\s+line|"
    r"phone\s+number|email|live\s+chat|contact\s+number)\b",
)
REFERENCE_RX = _rx(
    r"第\s*[一二三四五六七八九十\d]+\s*(个|款|双|件|种|条|台|只|瓶|部|套|样|支|盒|包)?",
    r"(这|那)(个|款|双|件|种|条|台|只|瓶|部|套|一款|一个|一双)",
    r"^它",
    r"最后(一|那)(个|款|双|件)",
    r"(便宜|贵)的那(个|款|双|件)",
    r"\b(first|second|third|fourth|fifth|last) one\b",
    r"\bthe (first|second|third|fourth|fifth|last|cheaper|cheapest|pricier|more expensive)\b",
    r"\b(this|that) one\b",
    r"\bit\b",
    r"#\s*\d",
)
RECOMMEND_RX = _rx(
    r"推荐",
    r"有吗",
    # "你们有扫地机器人吗": asking whether the shop has a thing (not "有人吗 / 有货吗 / 有空吗", which say no thing)
    r"^(请问|问一?下|想问一?下)?[，, ]*(你们|店里|这里|贵店|你家)?(还)?有(没有)?(?!(人|货|空|优惠|活动)(吗|么|嘛))[^吗么嘛？?，,。]{2,16}(吗|么|嘛)[？?!！]*$",
    r"有卖|卖不卖|有賣",
    r"适合",
    r"想买",
    r"想要",
    r"有没有",
    r"有什么",
    r"有哪些",
    r"求",
    r"找",
    r"以内",
    r"以下",
    r"左右",
    r"预算",
    r"便宜",
    r"送(人|礼|给)",
    r"送(她|他|ta)(点|些|个)?(什么|啥)",  # "女朋友喜欢旅行，送她点什么": a present for the one just named
    r"礼物",
    r"recommend",
    r"suggest",
    r"looking for",
    r"\bneed\b",
    r"\bwant\b",
    r"\bunder\b",
    r"\bbelow\b",
    r"budget",
    r"\bany\b",
    r"\bbest\b",
    r"\bgift\b",
    r"do you (have|sell)",
    r"cheaper",
    # colloquial asks: "got the Sony XM4?", "got any almonds", "u have yoga mats?", "you guys sell sunscreen?"
    r"^(?:u\s+|you\s+)?got\s+(?:any|the|a|an|some)\b",
    r"\b(?:u|you|ya|you guys)\s+(?:got|have|sell|carry|stock)\b",
)


def classify(text: str, *, has_context: bool = False) -> IntentGuess:
    """Rule-based intent for one cleaned message; `has_context` = products were shown in this chat."""
    stripped = text.strip()
    if INJECTION_RX.search(stripped) or MANIPULATION_RX.search(stripped):
        return IntentGuess(Intent.INJECTION, 0.95, "injection")
    if HUMAN_RX.search(stripped):
        return IntentGuess(Intent.HUMAN, 0.95, "human")
    if GREETING_RX.search(stripped):
        return IntentGuess(Intent.GREETING, 0.95, "greeting")
    if SMALL_TALK_RX.search(stripped):
        return IntentGuess(Intent.SMALL_TALK, 0.9, "small_talk")
    if AFTER_SALES_RX.search(stripped):
        return IntentGuess(Intent.AFTER_SALES, 0.8, "after_sales")
    if describes_fault(stripped):
        return IntentGuess(Intent.AFTER_SALES, 0.8, "symptom")
    if ORDER_RX.search(stripped):
        return IntentGuess(Intent.ORDER_STATUS, 0.85, "order")
    if CONTACT_RX.search(stripped):
        return IntentGuess(Intent.CONTACT, 0.85, "contact")
    if COMPARE_RX.search(stripped):
        return IntentGuess(Intent.COMPARISON, 0.85, "compare")
    if POLICY_RX.search(stripped) or SIZE_ADVICE_RX.search(stripped):
        return IntentGuess(Intent.POLICY, 0.8, "policy")
    referenced = bool(REFERENCE_RX.search(stripped))
    if PRODUCT_ASK_RX.search(stripped) and (referenced or has_context):
        return IntentGuess(Intent.PRODUCT_QUESTION, 0.8 if referenced else 0.6, "product_ask")
    if referenced and has_context:
        return IntentGuess(Intent.PRODUCT_QUESTION, 0.7, "reference")
    if RECOMMEND_RX.search(stripped) or PRODUCT_ASK_RX.search(stripped):
        return IntentGuess(Intent.RECOMMENDATION, 0.75, "recommend")
    if OUT_OF_SCOPE_RX.search(stripped):
        return IntentGuess(Intent.OUT_OF_SCOPE, 0.8, "out_of_scope")
    return IntentGuess(Intent.UNKNOWN, 0.3, "")
