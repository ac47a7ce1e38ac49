"""A realistic catalogue and realistic searches for the search benchmark.

Words: the 25,000 most frequent English words (alphabetic, 3+ letters) from
``wordfreq`` (a PyPI package that ships its frequency lists), drawn with Zipf
popularity by rank, so a few words are in most offerings and most words in few. Course
topics (our own list, below) head the rank order of title and skill words, so titles
read like course titles ("Practical Kubernetes Security for Managers"). Skills are
topics and two-word topics (2,000 tags), providers 2,000 named schools, both picked
with Zipf popularity; languages, levels, prices and durations with fixed shares.

Queries: at least 1,000 distinct, of seven kinds (one word, two words, a phrase from
a title, filtered, faceted, misspelt, prefix), each asked with Zipf popularity by
rank, as search logs show. Everything is seeded: the same corpus and the same query
stream every run.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from benchmarks.catalog_search import WORDS

VOCABULARY = 25_000
ZIPF_S = 1.05
SKILL_TAGS = 2_000
PROVIDERS = 2_000

# Head of the title and skill vocabulary: what micro-credentials are about (the older
# search benchmark's words first).
TOPICS = [
    *WORDS,
    "javascript",
    "react",
    "web",
    "frontend",
    "backend",
    "api",
    "rust",
    "java",
    "golang",
    "linux",
    "azure",
    "aws",
    "governance",
    "compliance",
    "risk",
    "audit",
    "project",
    "product",
    "strategy",
    "communication",
    "teamwork",
    "coaching",
    "mentoring",
    "nursing",
    "healthcare",
    "safety",
    "welding",
    "electrical",
    "plumbing",
    "carpentry",
    "logistics",
    "supply",
    "chain",
    "procurement",
    "sustainability",
    "energy",
    "climate",
    "solar",
    "batteries",
    "robotics",
    "automation",
    "manufacturing",
    "quality",
    "lean",
    "sixsigma",
    "analytics",
    "dashboards",
    "tableau",
    "pandas",
    "numpy",
    "spark",
    "hadoop",
    "kafka",
    "streaming",
    "microservices",
    "architecture",
    "typescript",
    "mobile",
    "android",
    "ios",
    "swift",
    "kotlin",
    "unity",
    "gaming",
    "blockchain",
    "cryptography",
    "forensics",
    "incident",
    "response",
    "pentesting",
    "firewall",
    "identity",
    "customer",
    "service",
    "hospitality",
    "tourism",
    "cooking",
    "nutrition",
    "fitness",
    "psychology",
    "counselling",
    "teaching",
    "curriculum",
    "assessment",
    "accessibility",
    "inclusion",
    "diversity",
    "hiring",
    "payroll",
    "tax",
    "bookkeeping",
    "investing",
    "trading",
    "insurance",
    "banking",
    "retail",
    "ecommerce",
    "seo",
    "advertising",
    "branding",
    "copywriting",
    "journalism",
    "editing",
    "translation",
    "french",
    "italian",
    "japanese",
    "mandarin",
    "arabic",
    "portuguese",
    "drawing",
    "illustration",
    "animation",
    "video",
    "audio",
    "podcasting",
]

TEMPLATES = [
    "{a} {b}",
    "Introduction to {a} {b}",
    "{a} for {b} Professionals",
    "Advanced {a} {b}",
    "{a} and {b} Fundamentals",
    "Practical {a}",
    "Mastering {a} {b} {c}",
    "{a} {b} in Practice",
    "Applied {a} for {b}",
    "{a} {b}: From Zero to {c}",
]
SCHOOL = ["Academy", "Institute", "School", "University", "Labs", "College", "Guild"]
LANGUAGES = [("en", 0.62), ("en-GB", 0.12), ("de", 0.09), ("fr", 0.07), ("es", 0.06), ("pt", 0.04)]
LEVELS = ["beginner", "intermediate", "advanced", "expert"]
CURRENCIES = ["EUR", "USD", "GBP"]
FACETS = "skills,level,price"


class Zipf:
    """Ranks 0..n-1 with P(rank k) proportional to 1 / (k + 1) ** s."""

    def __init__(self, n: int, s: float = ZIPF_S) -> None:
        weights = [1.0 / (k + 1) ** s for k in range(n)]
        self.cumulative = list(itertools.accumulate(weights))

    def draw(self, rnd: random.Random) -> int:
        return bisect.bisect(self.cumulative, rnd.random() * self.cumulative[-1])


def vocabulary() -> list[str]:
    from wordfreq import top_n_list

    words = [w for w in top_n_list("en", 60_000) if re.fullmatch(r"[a-z]{3,}", w)]
    return words[:VOCABULARY]


@dataclass
class Corpus:
    words: list[str]
    content: list[str]  # title words: topics first, then the vocabulary without its head
    skills: list[str]
    providers: list[tuple[uuid.UUID, str]]
    rows: list[tuple[Any, ...]]
    titles: list[str]


def build_corpus(n: int, seed: int = 42) -> Corpus:
    rnd = random.Random(seed)
    words = vocabulary()
    assert len(words) >= 20_000, len(words)
    head = set(TOPICS)
    # The 150 most frequent words are function words ("the", "and", ...): prose, not titles.
    content = TOPICS + [w for w in words[150:] if w not in head]
    word_rank, content_rank = Zipf(len(words)), Zipf(len(content))
    skills = list(dict.fromkeys(TOPICS + [f"{a} {b}" for a, b in itertools.pairwise(TOPICS)]))
    while len(skills) < SKILL_TAGS:
        skills.append(content[content_rank.draw(rnd)])
        skills = list(dict.fromkeys(skills))
    skill_rank, provider_rank = Zipf(len(skills)), Zipf(PROVIDERS)
    providers = [
        (uuid.UUID(int=rnd.getrandbits(128)), f"{content[i + 40].title()} {rnd.choice(SCHOOL)}")
        for i in range(PROVIDERS)
    ]
    langs, lang_weights = zip(*LANGUAGES, strict=True)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    rows: list[tuple[Any, ...]] = []
    titles: list[str] = []
    for i in range(n):
        parts = {k: content[content_rank.draw(rnd)].title() for k in "abc"}
        title = rnd.choice(TEMPLATES).format(**parts)
        description = " ".join(words[word_rank.draw(rnd)] for _ in range(rnd.randint(30, 90)))
        tags = sorted({skills[skill_rank.draw(rnd)] for _ in range(rnd.randint(2, 5))})
        provider_id, _ = providers[provider_rank.draw(rnd)]
        price = 0 if rnd.random() < 0.15 else int(rnd.lognormvariate(8.3, 0.8)) // 100 * 100 + 900
        # Spread over two years, every offering its own instant.
        published = start + timedelta(seconds=i * (730 * 86400 // max(n, 1)), microseconds=i)
        achievement = {
            "name": title,
            "description": "Shows the skills of the course.",
            "criteria_narrative": "Pass the final assessment.",
            "image_url": None,
            "valid_for_days": None,
        }
        rows.append(
            (
                uuid.UUID(int=rnd.getrandbits(128)),
                provider_id,
                "published",
                1,
                title,
                description,
                tags,
                " ".join(tags),
                rnd.choice(LEVELS),
                max(15, min(6000, int(rnd.lognormvariate(5.0, 1.0)))),
                rnd.choices(langs, lang_weights)[0],
                min(price, 500_000),
                rnd.choice(CURRENCIES),
                json.dumps(achievement),
                published,
                published,
                published,
            )
        )
        titles.append(title)
    return Corpus(words, content, skills, providers, rows, titles)


def _typo(word: str, rnd: random.Random) -> str:
    i = rnd.randrange(1, len(word) - 1)
    kind = rnd.randrange(3)
    if kind == 0:  # two letters swapped
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:  # one letter dropped
        return word[:i] + word[i + 1 :]
    return word[:i] + rnd.choice("aeiourstln") + word[i + 1 :]  # one letter wrong


def build_queries(corpus: Corpus, count: int = 1_200, seed: int = 7) -> list[tuple[str, str]]:
    """``count`` distinct (kind, query string) pairs, most popular first."""
    rnd = random.Random(seed)
    rank = Zipf(len(corpus.content), 1.0)
    kinds = [
        ("one word", 0.30),
        ("two words", 0.18),
        ("phrase", 0.10),
        ("filtered", 0.15),
        ("faceted", 0.12),
        ("misspelt", 0.10),
        ("prefix", 0.05),
    ]
    names, weights = zip(*kinds, strict=True)

    def word() -> str:
        return corpus.content[rank.draw(rnd)]

    def title_words() -> list[str]:
        return [w.lower() for w in re.findall(r"[A-Za-z]+", rnd.choice(corpus.titles))]

    seen: dict[str, str] = {}
    while len(seen) < count:
        kind = rnd.choices(names, weights)[0]
        params: dict[str, Any]
        if kind == "one word":
            params = {"q": word()}
        elif kind == "two words":
            params = {"q": f"{word()} {word()}"}
        elif kind == "phrase":
            t = [w for w in title_words() if len(w) > 2]
            if len(t) < 2:
                continue
            i = rnd.randrange(len(t) - 1)
            params = {"q": f'"{t[i]} {t[i + 1]}"'}
        elif kind == "filtered":
            params = {"q": word()}
            choice = rnd.randrange(5)
            if choice == 0:
                params["skill"] = corpus.skills[rnd.randrange(40)]
            elif choice == 1:
                params["level"] = rnd.choice(LEVELS)
            elif choice == 2:
                params["language"] = rnd.choice(["en", "de", "fr"])
            elif choice == 3:
                params.update(currency="EUR", price_min=1000, price_max=rnd.choice([5000, 20000]))
            else:
                params["free"] = "true"
        elif kind == "faceted":
            params = {"q": word(), "facets": FACETS}
        elif kind == "misspelt":
            w = word()
            if len(w) < 6:
                continue
            params = {"q": _typo(w, rnd)}
        else:
            w = word()
            if len(w) < 5:
                continue
            params = {"q": w[: rnd.randint(3, 4)] + "*"}
        qs = urlencode(params)
        seen.setdefault(qs, kind)
    return [(kind, qs) for qs, kind in seen.items()]


def query_stream(queries: list[tuple[str, str]], seed: int = 11) -> Iterator[str]:
    """Query strings with Zipf popularity by their rank (the first is the most asked)."""
    rnd = random.Random(seed)
    rank = Zipf(len(queries), 1.0)
    while True:
        yield queries[rank.draw(rnd)][1]
