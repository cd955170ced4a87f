"""What kind of answer a question asks for, and whether a sentence holds one.

`answer_type` reads the question's wording: "when" asks for a date, "how much did it cost" for a sum
of money, "which outlet ran the story" for a publisher, "at what point in the video" for a
timestamp, "how tall" for a length. `holds_type` says whether a passage sentence holds that kind of
answer (a year or month, a currency, the passage's provider, a figure in a unit of the dimension).
No model: patterns only, so they are cheap and every one can be read.

The lines the chunker writes into passages (a byline, the link and score lines, rag.chunking) are
recognized here too: several answer types are answered by them, and no other type is.
"""

from __future__ import annotations

import re

from rag.chunking import (
    CALENDAR_NAMES, LINE_TIMESTAMP, LINK_LINE, MONTH_NAMES, SCORE_LINES, TOPICS_LINE, VIDEO_ID_LINE, WEEKDAY_NAMES, author_prefix,
)
from rag.citations import content_terms, split_sentences, tokens
from rag.types import Hit

# Answer-type cues: what kind of thing the question's wording asks for.
# What an outlet runs, carries or puts out: "who ran the story?" asks for one, "who ran the
# marathon?", "who carried out the survey?" or "who reported that stocks fell?" do not.
_PIECE = (
    r"(?:it|this|them|that(?=\s*[?.!,]|\s*$)|(?:[\w'’-]+\s+){0,4}?"
    r"(?:story|stories|article|articles|piece|pieces|report|reports|news|item|announcement|release|releases|"
    r"interview|column|feature|op-ed|post|video|clip|coverage|headline))\b(?!\s+that\b)"
)
_ASKS_SOURCE = re.compile(
    r"\b(?:which|what)\s+(?:[\w'’]+\s+)?(?:outlet|publication|site|website|magazine|newspaper|paper|publisher|"
    r"news\s*\w*|media|journal|blog|wire(?:\s+service)?|newswire)\b|"
    r"\bwho\s+(?:published|wrote|syndicated|reported\s+(?:on|about))\b|"
    r"\bwho\s+(?:reported|ran|put out|covered|carried|posted|released|issued|broke|distributed)\s+" + _PIECE + r"|"
    r"\b(?:which|what)\s+(?:\w+\s+)?(?:service|platform)\b[^?]*\b(?:distribut|syndicat|publish)\w*|"
    r"\bwhere\s+(?:was|were|did|is)\b.*\b(?:published|reported|covered|appear)",
    re.IGNORECASE,
)
# A moment of a recording ("at what point in the video …?", "which timestamp …?"): a passage
# carries it as its anchor ("26:01"), and the answer quotes it.
_RECORDING_WORDS = "video talk conversation episode podcast interview recording clip lecture notes"
_RECORDING = "(?:" + "|".join(_RECORDING_WORDS.split()) + ")"
_MOMENT_WORDS = "timestamp timestamps time stamp code point minute moment second part far into"
_ASKS_TIMESTAMP = re.compile(
    r"\btime[\s-]?(?:stamps?|codes?)\b|\bhow\s+(?:far|many\s+minutes|long)\s+into\b|"
    r"\b(?:when|where)\s+in\s+the\s+(?:\w+\s+)?" + _RECORDING + r"\b|"
    r"\b(?:what|which)\s+(?:point|minute|moment|second|time|part)\b[^?]*\b" + _RECORDING + r"\b|"
    # "when does the Q&A start in the video?" (not "when was the video published?")
    r"\bwhen\s+(?:does|do|did)\b(?![^?]*\b(?:publish\w*|post\w*|upload\w*|releas\w*|record\w*|air\w*|come\s+out|came\s+out)\b)"
    r"[^?]*\bin\s+(?:the|this|that|his|her|their|its)\s+(?:[\w'’&|:-]+\s+){0,8}?" + _RECORDING + r"s?\b",
    re.IGNORECASE,
)
_MOMENT_TERMS = frozenset(content_terms(f"{_MOMENT_WORDS} {_RECORDING_WORDS}"))
# Where a piece is: its address ("what is the url", "where can I read it") or what the address
# holds (a video's id, a release's number); a summary's link lines answer it (`is_link_line`).
_LINK_WORDS = "url urls link address web page permalink id identifier number youtube video release"
_ASKS_LINK = re.compile(
    r"\b(?:urls?|web\s*address(?:es)?|permalinks?|web\s*page)\b|\b(?:id|identifier)\b|"
    # "the link to the video" (a noun; not the verb of "did the study link X to Y?", `_LINK_VERB`)
    r"(?:\b(?:a|an|the|its|their|his|her|your|any|what|which)\s+(?:[\w-]+\s+)?|^\W*)links?\s+(?:to|for|of)\b|\bwhere\s+can\s+(?:i|you|one|we)\s+(?:read|watch|find|see)\b|"
    r"\b(?:release|article|story|item|page|press\s+release)\s+number\b",
    re.IGNORECASE,
)
_LINK_TERMS = frozenset(content_terms(_LINK_WORDS))
# "How many arrests did the audit link to face search?": "link" is what the subject did.
_LINK_VERB = re.compile(
    r"\b(?:did|does|do|will|would|could|can)\s+(?:[\w'’-]+\s+){1,4}?(?<!\ba\s)(?<!\ban\s)(?<!\bthe\s)(?<!\bany\s)links?\s+(?:to|with)\b",
    re.IGNORECASE,
)
# Whose piece or recording it is ("whose talk is it?", "which creator's video?", "who hosted the
# podcast?", "who wrote the article?"): a summary's "“TITLE” is from NAME." answers it, or a line
# that calls someone the writer ("Writer at Neural — Thomas covers AI"). Who *published* it, or
# who wrote *about* a topic, is `_ASKS_SOURCE`: an outlet is no writer.
_CREATOR_WORDS = "creator creators channel youtuber podcaster host author writer journalist reporter columnist speaker presenter"
_ASKS_AUTHOR = re.compile(
    r"\bwhose\s+(?:\w+\s+)?(?:" + "|".join(f"{w}s?" for w in _RECORDING_WORDS.split()) + r"|channel|content|show)\b|"
    r"\b(?:which|what)\s+(?:" + "|".join(_CREATOR_WORDS.split()) + r")\b|"
    r"\bwho\s+(?:made|created|hosted|recorded|presented|gave|uploaded)\b[^?]*\b" + _RECORDING + r"\b|"
    r"\bwho\s+(?:is|are|was|were)\s+(?:the\s+)?(?:\w+\s+)?" + _RECORDING + r"s?\b[^?]*\bfrom\b|"
    r"\bwho\s+(?:wrote|authored|penned)\b(?!\s+(?:about|on|up)\b)|"
    r"\bwho\s+(?:is|was)\s+(?:the\s+)?(?:author|writer|journalist|reporter|columnist)s?\s+(?:of|behind)\b",
    re.IGNORECASE,
)
_WRITER = re.compile(r"\b(?:writer|author|journalist|reporter|columnist|contributor)s?\b", re.IGNORECASE)
# "Who wrote the majority opinion?": the sentence that says someone wrote it ("Judge Solberg wrote …").
_WROTE = re.compile(r"\b(?:(?:co-?)?wrote|(?:co-?)?written|(?:co-?)?authored|penned)\b", re.IGNORECASE)
_AUTHOR_TERMS = frozenset(content_terms(f"{_CREATOR_WORDS} whose content show"))
# Words that say what kind of answer or which source is wanted ("which outlet", "the date", "the
# release", "the notes", "what kind of"), not what it is about: the passage need not contain them.
FRAMING = frozenset(
    "notes note release headline news report reported reports outlet site newspaper publication date kind kinds "
    "sort type types way ways name called".split()
)
FRAMING_TERMS = frozenset(content_terms(" ".join(FRAMING) + " url id"))
# The words that ask for an answer type, not about the topic: no passage need contain them.
# "How tall is the lighthouse?" asks for a height: a passage may say "stands 41 metres" without "tall".
_MEASURE_TERMS = frozenset(content_terms("tall high wide deep heavy fast far long old big large often"))
_DIMENSION_TERMS = frozenset(content_terms("height length width depth distance thickness weight mass weigh speed"))
ASKING_TERMS = {
    "timestamp": _MOMENT_TERMS, "link": _LINK_TERMS, "author": _AUTHOR_TERMS, "number": _MEASURE_TERMS,
    "age": frozenset(content_terms("old age")), "year": frozenset(content_terms("year")), "time": frozenset(content_terms("time")),
    **dict.fromkeys(("length", "weight", "speed", "duration"), _MEASURE_TERMS | _DIMENSION_TERMS),
}
_ASKS_DATE = re.compile(
    r"^\W*(?:and\s+)?(?:when|since when)\b|\b(?:what|which)\s+(?:date|day|year|month)\b|\bhow long ago\b|"
    r"\bon what date\b|"
    # "what is the closing date / deadline for …?"
    r"\b(?:what|which)\s+(?:is|was|are|were|will\s+be)\s+(?:the|its|their)\s+(?:[\w-]+\s+)?(?:date|deadline)s?\b",
    re.IGNORECASE,
)
# "What time does the ferry leave?", "what time did she run?": a time of day or a race's time
# ("06:50", "3pm", "22:36"), not any sentence that says "time" ("over what time period" asks a span).
_ASKS_TIME = re.compile(r"\b(?:what|which)\s+time\b(?!\s+(?:period|frame|span|scale|zone|limit|of\s+(?:the\s+)?year))", re.IGNORECASE)
_TIME_GIVEN = re.compile(r"\b\d{1,3}:[0-5]\d(?::[0-5]\d)?\b")  # "22:36", "1:02:15": a clock or a stopwatch
# "Why …?" is answered by a sentence that gives a cause, when one near the top does: it ranks
# higher, but one without a cue still answers (reasons are often stated with none).
ASKS_REASON = re.compile(
    r"^\W*(?:and\s+)?why\b|\bfor\s+what\s+reasons?\b|\bhow\s+come\b|"
    r"\bwhat\s+(?:caused|causes|held\s+up|holds\s+up|delayed|led\s+to|leads\s+to|prompted|forced|drove|explains|made|makes)\b",
    re.IGNORECASE,
)
CAUSE = re.compile(
    r"\b(?:because|due\s+to|owing\s+to|as\s+a\s+result|caused\s+by|reasons?|needed\s+to|in\s+order\s+to|"
    r"so\s+that|blamed|result\s+of|thanks\s+to|prompted|forced)\b",
    re.IGNORECASE,
)
_ASKS_YEAR = re.compile(r"\b(?:what|which)\s+year\b", re.IGNORECASE)  # "22 November" gives no year
# A measure is answered by a figure in a unit of its dimension: "how tall is the dam?" by "142
# metres", not by "five-yearly" or "96 beds". "How long" is a length or a time.
_ASKS_LENGTH = re.compile(
    r"\bhow\s+(?:tall|high|wide|deep|far|thick)\b|\bwhat\s+(?:is\s+(?:the|its)\s+)?(?:height|length|width|depth|distance|thickness)\b",
    re.IGNORECASE,
)
_ASKS_WEIGHT = re.compile(  # "how much does it weigh?", not "who weighed in on the debate?"
    r"\bhow\s+heavy\b|\bwhat\s+(?:is\s+(?:the|its)\s+)?(?:weight|mass)\b|\bhow\s+much\b[^?]*\bweigh(?:s|ed)?\b(?!\s+(?:in|on|up)\b)",
    re.IGNORECASE,
)
_ASKS_SPEED = re.compile(r"\bhow\s+fast\b|\bwhat\s+(?:is\s+(?:the|its)\s+)?(?:top\s+)?speed\b", re.IGNORECASE)
_ASKS_DURATION = re.compile(r"\bhow\s+long\b", re.IGNORECASE)
_ASKS_COUNT = re.compile(r"\bhow\s+many\b", re.IGNORECASE)
_ASKS_NUMBER = re.compile(
    r"\bhow\s+(?:much|large|big|long|often|far|accurate|tall|high|wide|deep|heavy|fast)\b|"
    r"\bwhat\s+(?:(?:is|was|are|were)\s+(?:the|its|their)\s+(?:\w+\s+)?(?=\w+\s+of\b))?(?:number|amount|size|area|population|total|quantity)\b|"  # shares and sums of money: `_ASKS_PERCENT`, `_ASKS_MONEY`
    # a vote's or a match's result is a figure ("voted 7-2", "won 3-1")
    r"\bby\s+(?:what|how\s+big\s+a|how\s+large\s+a|how\s+wide\s+a)\s+margin\b|\bwhat\s+(?:was|is)\s+the\s+(?:final\s+)?(?:margin|score(?:line)?|vote\s+count|tally)\b",
    re.IGNORECASE,
)
# "How old was she?" is answered by an age ("41 years old", "aged 19", "Tomasz Wrona, 58,"), "how old
# is the bridge?" by an age or the year it was built (or has stood since); any other figure or year
# is no age ("deputy director since 2019" says nothing of her age).
_ASKS_AGE = re.compile(r"\bhow\s+old\b|\b(?:what|which)\s+age\b", re.IGNORECASE)
_AGE = re.compile(
    r"\b\d+(?:\s+|-)years?(?:\s+|-)old\b|\baged\s+\d+|\bage\s+of\s+\d+|"
    # "stood for 200 years", not a span of a life ("his first 24 years on buses")
    r"(?<!first )(?<!last )(?<!past )(?<!next )(?<!final )(?<!early )\b\d+\s+years\b(?!\s+(?:on|at|in|with|as|of|later|ago|after|before)\b)|"
    r"\b[a-z][\w'’-]+,\s+\d{1,3},(?!\d)|"
    r"\b(?:he|she|i|who)\s+(?:is|was|am|turned|turns)\s+\d{1,3}\b(?![.,:]\d|\s*(?:%|per\b|percent|points?|times|goals?|minutes?|hours?|days?|weeks?|months?))|"
    r"\b(?:built|founded|established|opened|completed|constructed|made|born|dat\w+\s+(?:from|back\s+to)|"
    r"(?:stood|stand\w*|existed|exist\w*|in\s+use|open)\s+since)\s+(?:in\s+)?(?:1[0-9]|20)\d\d\b",
    re.IGNORECASE,
)
# Two kinds of amount name their unit: a share ("what accuracy", "how accurate", "what percentage")
# is answered by a percentage, a sum of money ("how much did it cost", "what revenue") by a currency.
# Any other figure in the passage counts something else ("thousands of photos" is no accuracy).
_ASKS_PERCENT = re.compile(
    r"\bhow\s+accurate\b|\b(?:what|which)\b[^?]{0,32}?\b(?:percentage|percent|accuracy|proportion|share|fraction)\b",
    re.IGNORECASE,
)
_ASKS_MONEY = re.compile(
    r"\bhow\s+much\b[^?]*\b(?:cost|costs|pay|paid|charge\w*|spen[dt]\w*|earn\w*|raise\w*|worth|revenue|sales|price\w*|"
    r"fund\w*|invest\w*|fine[ds]?|sell|sold|valu\w*|budget)\b|"
    r"\b(?:what|which)\b[^?]{0,32}?\b(?:price|cost|revenue|turnover|income|earnings|surplus|deficit|salary|wages?|rent|fee|fine|budget|"
    r"valuation|profit|compensation|payout|donation|sum(?!\s+up))\b|"
    r"\bwhat\s+(?:is|was|were|are)\s+(?:the|its|their)\s+(?:total\s+)?value\s+of\s+(?:the|its|their|this|that)\s+(?:\w+\s+)?(?:contract|deal|order|award|grant|loan|prize|sale|purchase|investment|acquisition|bid|tender)s?\b|\bwhat\b[^?]*\bworth\s*\??$|"
    r"\b(?:dollar|euro|pound|cash|monetary)\s+(?:value|amount|figure|sum|worth)\b|\bhow\s+many\s+(?:dollars|euros|pounds)\b|"
    # "what did they pay?", not "what pay rise was agreed?" (a share: "6.1%")
    r"\bwhat\b[^?]*\b(?:charges?|charged|cost|costs)\s*(?:for\b|per\b|\?|$)|"  # "what did it charge for each unit?"
    r"\bwhat\b[^?]*\b(?:pay|paid)\b(?!\s+(?:rises?|increases?|deals?|offers?|awards?|settlements?|claims?|cuts?|freezes?|gaps?|talks|disputes?|"
    r"structures?|scales?|grades?|bands?|polic(?:y|ies)|reviews?|restraint|parity)\b)|"
    # "how big was the penalty?": the size of a sum is an amount of money, not any number ("90 days")
    r"\bhow\s+(?:big|large|high|steep|hefty|heavy|small|low)\s+(?:was|is|were|are|will\s+be)\s+(?:the\s+|its\s+|their\s+|a\s+|an\s+)?"
    r"(?:[\w'’-]+\s+){0,2}?(?:fines?|penalt(?:y|ies)|fees?|grants?|settlements?|budgets?|bills?|payouts?|awards?|loans?|salar(?:y|ies)|"
    r"prices?|costs?|bonus(?:es)?|donations?|investments?|rents?|damages|ransom|subsid(?:y|ies))\b",
    re.IGNORECASE,
)
# A share written as a ratio or a fraction: "nine out of ten", "one in five", "two-thirds of".
_SMALL = r"(?:\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|fifty|hundred)"
_RATIO = re.compile(
    rf"\b{_SMALL}\s+(?:out\s+of|in)\s+(?:every\s+)?{_SMALL}\b|\b(?:half|(?:a|one|two)[\s-]+thirds?|(?:a|one|three)[\s-]+quarters?|"
    r"(?:a|one|two|three|four)[\s-]+fifths?|(?:a|one)[\s-]+tenth)\s+of\b",
    re.IGNORECASE,
)
# A sum of money: any currency sign (Unicode's "Sc" characters: $ ¢ £ ¥ ₹ ₽ ₩ € …), a dollar, euro,
# pound or yen, or another currency written out next to a figure ("30 crowns", "CHF 20"): those
# names are checked only beside a figure, since some are words too ("the Crown", "rand").
_CURRENCY_SIGNS = "$\xa2-\xa5\u058f\u060b\u07fe\u07ff\u09f2\u09f3\u09fb\u0af1\u0bf9\u0e3f\u17db\u20a0-\u20c0\ua838\ufdfc\ufe69\uff04\uffe0\uffe1\uffe5\uffe6"
_CURRENCY_NAMES = (
    r"crowns?|kron(?:or|er|a|e)|korun[ay]|francs?|rupees?|rupiahs?|yuan|renminbi|roubles?|rubles?|pesos?|reais|"
    r"lir[ae]|zlot(?:y|ys|ies)|forints?|dinars?|dirhams?|riyals?|rials?|rand|shekels?|baht|ringgits?|dong|"
    r"nairas?|shillings?|pence|cents?|kwacha|cedis?|lei|leva|hryvnias?|tenge"
)
_CURRENCY_CODES = "chf|sek|nok|dkk|czk|pln|huf|inr|cny|rmb|rub|brl|mxn|aud|cad|nzd|zar|ils|krw|sgd|hkd|jpy"  # ISO 4217, before or after
_MONEY = re.compile(
    rf"[{_CURRENCY_SIGNS}]|\b(?:dollars?|euros?|pounds?|yen|usd|eur|gbp)\b|"
    rf"\d(?:[\d,.]*\d)?\s*(?:(?:thousand|million|billion|trillion|bn|m|k)\s+)?(?:{_CURRENCY_NAMES}|{_CURRENCY_CODES})\b|"
    rf"\b(?:{_CURRENCY_CODES})\s*\d",
    re.IGNORECASE,
)
# A year from 1000 to 2099 (a lighthouse "built in 1764", not only this century's news) or a month.
_MONTH = "(?:" + "|".join(MONTH_NAMES) + ")"
A_YEAR = r"\b(?:1[0-9]|20)\d\d\b"  # a year, 1000–2099
_YEAR = re.compile(A_YEAR)
# A year, a month or a day of the week ("on what day are the bins collected?" → "on Thursday").
_DATE = re.compile(rf"{A_YEAR}|\b{_MONTH}\b|\b(?:{'|'.join(WEEKDAY_NAMES)})s?\b", re.IGNORECASE)
COUNT_NUMBERS = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
_TENS = frozenset("twenty thirty forty fifty sixty seventy eighty ninety".split())
# A time of day: "23:40", "10:00–17:00", "7.30 pm", "9 am" (a recording's "(26:01)" is `ASKS_TIMESTAMP`'s).
_CLOCK = re.compile(r"\b(?:[01]?\d|2[0-3]):[0-5]\d\b|\b(?:1[0-2]|0?[1-9])(?:[:.][0-5]\d)?\s*[ap]\.?m\b\.?|\b(?:noon|midnight)\b", re.IGNORECASE)
# A name with a number in it is no amount: "the BK-200 kettle", "an A380", "COVID-19", "MP3".
MODEL_NAME = re.compile(r"\b[^\W\d_]+-?\d[\w-]*")
COUNT_WORDS = frozenset(COUNT_NUMBERS) | _TENS  # "ninety-three birds"
_DIGIT = re.compile(r"\d")
# A share written as one: "3.5%", "ten per cent", "2 percentage points", a table's "passes (%) 58";
# "rose by the same percentage" writes none.
_PERCENT = re.compile(
    rf"(?:\d|\b(?:{'|'.join(sorted(COUNT_WORDS))}|hundred))\s*(?:%|per\s?cent(?:age)?\b|percent(?:age)?\b)|"
    r"(?:%|\bper\s?cent(?:age)?|\bpercent(?:age)?)\)?:?\s+\d",
    re.IGNORECASE,
)
# The question wants the amount to the unit ("what exact dollar value?", "precisely how many?").
ASKS_EXACT = re.compile(r"\b(?:exact|precise)(?:ly)?\b", re.IGNORECASE)
FIGURE = re.compile(r"\d[\d,.]*\d|\d")  # "2030", "2,000", "1.5", the 30 of "30-day"
QUANTITY = re.compile(r"\d|\b(?:hundred|thousand|million|billion|trillion|dozen|half|percent)s?\b", re.IGNORECASE)
_AMOUNT = r"(?:\d[\d,.]*|" + "|".join(COUNT_NUMBERS) + r"|a|an|half|several|a\s+few)(?:\s+(?:hundred|thousand|million|billion))?"
_LENGTHS = (
    r"(?:kilo|centi|milli)?met(?:re|er)s?|k?m|cm|mm|ft|feet|foot|inch(?:es)?|miles?|yards?|"
    r"storeys?|stories|floors"  # a building's height in floors
)
_TIMES = r"seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centur(?:y|ies)|nights?|mins?|hrs?|secs?"
_WEIGHTS = r"(?:kilo)?grams?|kg|tonnes?|tons?|lbs?|pounds?|ounces?|oz|kilos?"
_SPEEDS = r"km/h|kph|mph|knots?|m/s|(?:kilomet(?:re|er)s?|miles?|met(?:re|er)s?)\s+(?:an|per|a)\s+(?:hour|second)"
_UNITS = {
    # from a word's start: "Graham" is no "a m", "team" no "a m"
    kind: re.compile(r"\b" + _AMOUNT + r"\s*-?\s*(?:" + units + r")\b", re.IGNORECASE)
    for kind, units in (("length", _LENGTHS), ("weight", _WEIGHTS), ("speed", _SPEEDS), ("duration", f"{_TIMES}|{_LENGTHS}"))
}
_SINCE_YEAR = re.compile(rf"\bsince\s+(?:{_MONTH}\s+)?{A_YEAR}", re.IGNORECASE)
# "How many lawsuits?" is also answered by "a pair of lawsuits"; "how much in damages?" is not.
COUNT_NOUNS = re.compile(r"\b(?:pair|couple|trio)s?\b", re.IGNORECASE)
# A calendar date or a clock's time is not an amount: "how many" is not answered by "2022-07-07",
# "how long" not by "at 23:36 UTC" (nor by a recording's "(26:33)": that is `_ASKS_TIMESTAMP`'s).
CALENDAR = re.compile(
    rf"\b\d{{1,2}}:\d\d(?::\d\d)?\b|\b\d{{4}}-\d\d(?:-\d\d)?\b|\b{_MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}\s+{_MONTH}\b|{A_YEAR}",
    re.IGNORECASE,
)
# The question asks about the publishing of a piece (who ran it, when it came out), the one relation
# a byline ("“TITLE” was published by PROVIDER on DATE.") states. A *press release* is a piece; a
# product's release is not ("when did IBM release its photo database?").
ASKS_PUBLICATION = re.compile(
    r"\b(?:publish\w*|report\w*|ran|run|runs|(?:press|news)\s+releases?|came out|come out|comes out|post\w*|wr[io]te|written|"
    r"cover\w*|carr\w+|appear\w*|put out|issued|broke|article|piece|story|stories|news|headline|outlet|"
    r"publication|magazine|site|website|newspaper|video|notes)\b",
    re.IGNORECASE,
)


# "Where was she born?", "where does the ferry leave from?": a place, which a sentence names after a
# preposition ("born in Växjö", "from the Nordkaj pier"). Where a piece was published is
# `_ASKS_SOURCE`'s, where to read or watch it `_ASKS_LINK`'s (both come first).
_ASKS_PLACE = re.compile(
    r"^\W*(?:and\s+)?where\b(?=.*\b(?:born|based|located|situated|headquartered|held|built|taken|made|filmed|shot|found|"
    r"discovered|buried|raised|grew\s+up|lives?|lived|living|leaves?|left|depart\w*|arriv\w*|goes|go|went|comes?|came|"
    r"stands?|sits?|lies|lay|works?|worked|moved?|opened|opens?|starts?|started|ends?|ended|finish\w*|meets?|met|stop\w*|"
    r"die[sd]?|killed|married|studied|study|trained|educated)\b)|"
    # "In which place did she die?": a place asked by a word that is no kind of name (a town or a
    # country is the question's focus, `rag.generation.focus`)
    r"^\W*(?:and\s+)?(?:in|at)\s+(?:which|what)\s+(?:place|location|spot)\b",
    re.IGNORECASE,
)
_PLACE = re.compile(r"\b(?:in|at|from|near|on|to|into|outside|inside|off|across|beside|between|under|above|along)\s+(?:the\s+)?[A-Z]")

_KINDS = (
    ("author", _ASKS_AUTHOR),
    ("source", _ASKS_SOURCE),
    ("timestamp", _ASKS_TIMESTAMP),
    ("link", _ASKS_LINK),
    ("year", _ASKS_YEAR),
    ("date", _ASKS_DATE),
    ("time", _ASKS_TIME),
    ("percent", _ASKS_PERCENT),
    ("money", _ASKS_MONEY),
    ("age", _ASKS_AGE),
    ("count", _ASKS_COUNT),
    ("length", _ASKS_LENGTH),
    ("weight", _ASKS_WEIGHT),
    ("speed", _ASKS_SPEED),
    ("duration", _ASKS_DURATION),
    ("number", _ASKS_NUMBER),
    ("place", _ASKS_PLACE),
)


# A question asks what its first question word asks: "what criticism does it make about *how long*
# Microsoft took?" asks for a criticism, not a length of time (a cue that is itself a question word
# counts only when none comes before it).
_ASKED_BEFORE = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how)\b", re.IGNORECASE)


# "The columnist who wrote … likes which club?": a "who" after a noun opens a relative clause that
# says which person is meant; the question's own word comes later.
_RELATIVE_WHO = re.compile(r"(?<=[^\W\d_])(\s+)who\b(?=.*\b(?:what|which|whom|whose|when|where|why|how)\b)", re.IGNORECASE)
_JOINING = frozenset("and but so then or also now".split())  # "and who published it?" asks


def first_sentence(question: str) -> str:
    """What the question asks: its first sentence (a resolved follow-up carries the turn before
    it after that, "and who published it? (What did …?)")."""
    return (split_sentences(question) or [""])[0]


# A word capitalized inside a question is a name; a month or a weekday is one that still dates.
_CASED_WORD = re.compile(r"(?<=\s)[^\W\d_][\w'’-]*")


def title_case(words: list[str]) -> bool:
    """Most of the words (a question's after its first) are capitalized: a Title Case line
    capitalizes every word, so no capital there marks a name."""
    return sum(w[:1].isupper() for w in words) * 2 > len(words)


def without_names(question: str) -> str:
    """The question with the names it writes after its first word blanked ("What time did Lianne
    Price record?": "Price" is her name, no cue for a sum of money; "Dr Young", "Long Island"). A
    Title Case question capitalizes every word, so none is taken for a name there."""
    if title_case(_CASED_WORD.findall(question)):
        return question

    def blank(m: re.Match) -> str:
        word = m.group()
        if not word[:1].isupper() or word.isupper() or word.lower() in CALENDAR_NAMES:
            return word
        # still a capitalized word of its length (a place after "in" stays one, cues stay as far
        # apart), but no cue of any kind
        return "N" + "n" * (len(word) - 1)

    return _CASED_WORD.sub(blank, question)


def answer_type(question: str) -> str | None:
    """"author", "source", "timestamp", "link", "year", "date", "time" (of day, or a race's),
    "percent", "money", "age", "count" ("how many"), a measure ("length", "weight", "speed",
    "duration"), "number", or None (any sentence may answer)."""
    first = without_names(first_sentence(question))
    first = _RELATIVE_WHO.sub(lambda m: m.group() if first[: m.start()].split()[-1].lower() in _JOINING else m.group(1) + "one", first)
    for kind, pattern in _KINDS:
        if kind == "link" and _LINK_VERB.search(first) and not _ASKS_LINK.search(_LINK_VERB.sub(" ", first)):
            continue
        match = pattern.search(first)
        if match and not (_ASKED_BEFORE.match(match.group()) and _ASKED_BEFORE.search(first[: match.start()])):
            return kind
    return None


def asked_words(question: str, kind: str | None) -> set[str]:
    """The question's content words less, when it asks for a moment of a recording, the words
    that ask it ("at what point in the video"): they say what is wanted, not what it is about,
    and a passage's "data points" must not count as an answer to "what point"."""
    words = content_terms(question)
    return words - ASKING_TERMS.get(kind, frozenset())


# "How much does it cost in euros?", "how tall is it in metres?": the answer is written in that
# unit, or the passages do not give it ("£449" is no price in euros). Each unit a question may name,
# and how a sentence writes it.
_UNIT_NAMES = (
    (r"dollars?|usd", r"\$|\bdollars?\b|\busd\b"),
    (r"euros?|eur", r"€|\beuros?\b|\beur\b"),
    (r"pounds?(?:\s+sterling)?|gbp|sterling", r"£|\bpounds?\b|\bgbp\b|\blbs?\b"),
    (r"yen|jpy", r"¥|\byen\b|\bjpy\b"),
    (r"kilomet(?:re|er)s?|km", r"\bkilomet(?:re|er)s?\b|\d\s*km\b"),
    (r"met(?:re|er)s?", r"\bmet(?:re|er)s?\b|\d\s*m\b"),
    (r"feet|foot|ft", r"\bfeet\b|\bfoot\b|\d\s*ft\b"),
    (r"miles?", r"\bmiles?\b"),
    (r"kilo(?:gram)?s?|kg", r"\bkilo(?:gram)?s?\b|\d\s*kg\b"),
    (r"tonnes?|tons?", r"\btonnes?\b|\btons?\b"),
    (r"grams?", r"\bgrams?\b|\d\s*g\b"),
)
_IN_UNIT = re.compile(
    r"\bin\s+(?:(?:us|u\.s\.|american|canadian|australian|new zealand|hong kong|singapore)\s+)?("
    + "|".join(q for q, _ in _UNIT_NAMES) + rf"|{_CURRENCY_NAMES}|{_CURRENCY_CODES})\b",
    re.IGNORECASE,
)


# The dimension a length is asked in ("how tall", "what is the width"), and the one a sentence gives
# its figure in ("2.7 kilometres long"): a bridge's length does not say how high its towers are.
# A distance is a length ("how far … ?" ~ "a 12 km route").
_DIMENSIONS = {"tall": "height", "high": "height", "height": "height", "long": "length", "length": "length",
               "far": "length", "distance": "length", "wide": "width", "width": "width", "deep": "depth",
               "depth": "depth", "thick": "thickness", "thickness": "thickness"}
_ASKS_DIMENSION = re.compile(r"\bhow\s+(tall|high|wide|deep|far|thick|long)\b|\b(height|length|width|depth|distance|thickness)\b", re.IGNORECASE)
_GIVES_DIMENSION = re.compile(
    r"\b" + _AMOUNT + r"\s*-?\s*(?:" + _LENGTHS + r")\s+(?:in\s+)?(tall|high|long|wide|deep|thick|height|length|width|depth)\b", re.IGNORECASE
)


def asked_dimension(question: str) -> str | None:
    """"height" for "how tall / how high / what height …?", "width" for "how wide", and so on."""
    m = _ASKS_DIMENSION.search(first_sentence(question))
    return _DIMENSIONS[(m.group(1) or m.group(2)).lower()] if m else None


def asked_unit(question: str) -> re.Pattern | None:
    """How a sentence writes the unit the question asks the answer in ("… in euros?"), or None."""
    m = _IN_UNIT.search(first_sentence(question))
    if not m:
        return None
    unit = m.group(1).lower()
    for asked, written in _UNIT_NAMES:
        if re.fullmatch(asked, unit):
            return re.compile(written, re.IGNORECASE)
    return re.compile(rf"\b{re.escape(unit.rstrip('s')[:5])}", re.IGNORECASE)  # "crowns" → "crown", "kronor" → "krono"


def opens_with_timestamp(sentence: str) -> bool:
    """The line opens with the moment it is about ("00:19:05 — The ExamGuard case …", "(12:30) …"),
    as the chunker reads a video's notes."""
    return bool(LINE_TIMESTAMP.match(sentence))


def holds_type(
    kind: str | None, sentence: str, hit: Hit, about_publication: bool = True, exact: bool = False,
    unit: re.Pattern | None = None, dimension: str | None = None,
) -> bool:
    """The sentence holds the kind of answer asked for. A byline's date answers only a question
    about publishing (not "when will the council vote?", though the byline names the council).
    An amount asked for `exact`ly ("what exact dollar value?") is written in digits: "a
    multi-billion-dollar industry" says how big, not how much. An amount asked in a `unit`
    (`asked_unit`) is written in it, and a length asked in a `dimension` (`asked_dimension`) is not
    answered by a sentence whose figures all say another ("2.7 kilometres long" for how high)."""
    if unit is not None and kind in ("money", "number", *_UNITS) and not unit.search(sentence):
        return False
    if exact and kind in ("percent", "money", "number", "count", *_UNITS) and not _DIGIT.search(CALENDAR.sub(" ", sentence)):
        return False
    if kind == "source":
        provider = hit.chunk.provider or ""
        return bool(provider) and provider.lower() in sentence.lower()
    if kind == "timestamp":
        return bool(hit.chunk.anchor) or opens_with_timestamp(sentence)
    if kind == "link":
        return is_link_line(sentence, hit.chunk)
    if kind == "author":
        return is_author_line(sentence, hit.chunk) or bool(_WRITER.search(sentence) or _WROTE.search(sentence))
    if kind in ("date", "year"):
        written = (_YEAR if kind == "year" else _DATE).search(sentence)
        if kind == "date" and not written and not hit.chunk.anchor:
            written = _CLOCK.search(sentence)  # "when does the last ferry leave?" → "at 23:40"
        return bool(written) and (about_publication or not is_byline(sentence, hit.chunk))
    if kind == "time":
        return bool(_CLOCK.search(sentence) or _TIME_GIVEN.search(sentence))
    if kind == "length" and dimension:
        given = {_DIMENSIONS[d.lower()] for d in _GIVES_DIMENSION.findall(sentence)}
        if given and dimension not in given:
            return False
    if kind in _UNITS:
        since = kind == "duration" and _SINCE_YEAR.search(sentence)  # "how long has she led it?" → "since 2015"
        return bool(since or _UNITS[kind].search(CALENDAR.sub(" ", sentence)))
    if kind == "percent":
        return bool(_PERCENT.search(sentence) or _RATIO.search(sentence))
    if kind == "money":
        return bool(_MONEY.search(sentence))
    if kind == "place":
        return bool(_PLACE.search(sentence)) and not is_byline(sentence, hit.chunk)
    if kind == "age":
        return bool(_AGE.search(sentence))
    if kind in ("number", "count"):
        text = MODEL_NAME.sub(" ", CALENDAR.sub(" ", sentence))
        # "ninety-three" is a count; "two-year" (a study's length) is not
        words = {w.split("-")[0] if w.split("-")[0] in _TENS else w for w in tokens(text.lower())}
        spelled = words & (COUNT_WORDS - {"one"})  # "only three copies survive"; "one of them" counts nothing
        return bool(QUANTITY.search(text) or spelled or (kind == "count" and COUNT_NOUNS.search(text)))
    return True


def is_byline(sentence: str, chunk) -> bool:
    """The chunk's opening "“TITLE” was published by …" sentence (written by the chunker)."""
    return sentence.startswith(f"“{chunk.title}” was published")


# An email's header ("From: Neil Stott To: Priya Lambert Date: 6 August 2024 Subject: RE: …") says
# who wrote to whom and when: it answers a question about the message ("when did she email the
# planning officer?", "who sent …?"), not one about what the letters tell ("when will the committee
# meet?" is not the day a message was sent).
_MAIL_HEADER = re.compile(r"\bFrom:\s.*?\b(?:To|Sent|Date|Subject|Cc):|^\W*Subject:\s")
ASKS_ABOUT_MAIL = re.compile(
    r"^\W*(?:and\s+)?(?:who|whom)\b|\b(?:e-?mail\w*|mail|messages?|wrote|write|writes|written|sent|send|sends|"
    r"repl(?:y|ies|ied)|subject|cc|cc'd|copied|letters?|correspondence)\b",
    re.IGNORECASE,
)


def is_mail_header(sentence: str) -> bool:
    return bool(_MAIL_HEADER.search(sentence))


def is_author_line(sentence: str, chunk) -> bool:
    """The summary's "“TITLE” is from NAME." line (rag.chunking): whose piece or recording it is."""
    return sentence.startswith(author_prefix(chunk.title))


def is_summary_line(sentence: str, chunk) -> bool:
    """A line the chunker writes, not the corpus's running text: the byline, "“TITLE” is from
    NAME.", "Topics: …", the feed's scores, the link lines. Their capitals are a title's or a list's."""
    return (
        is_byline(sentence, chunk) or is_author_line(sentence, chunk) or sentence.startswith(TOPICS_LINE.rstrip())
        or is_score_line(sentence, chunk) or is_link_line(sentence, chunk)
    )


def is_topics_line(sentence: str, chunk) -> bool:
    """A summary's "Topics: …" line (rag.chunking)."""
    return chunk.kind == "summary" and sentence.startswith(TOPICS_LINE.rstrip())


def is_related_header(sentence: str, chunk) -> bool:
    """A related article's opening "“TITLE”, linked from “PARENT”." when it has no byline."""
    return chunk.kind == "related" and sentence.startswith(f"“{chunk.title}”, linked from “")


def is_score_line(sentence: str, chunk) -> bool:
    """A summary's or related article's line that gives one of the feed's scores (rag.chunking)."""
    return _is_labelled_line(sentence, chunk, SCORE_LINES)


def is_link_line(sentence: str, chunk) -> bool:
    """A summary's or related article's line that gives the piece's address or video id (rag.chunking)."""
    return _is_labelled_line(sentence, chunk, (LINK_LINE, VIDEO_ID_LINE))


def _is_labelled_line(sentence: str, chunk, labels: tuple[str, ...]) -> bool:
    """A line the chunker writes under one of `labels` ("Link: …"): only summaries and related
    articles have them; body text that happens to begin so is the corpus's own."""
    return chunk.kind in ("summary", "related") and sentence.startswith(labels)
