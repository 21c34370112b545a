"""Finding the procedure a citizen means: a small in-memory search over names and aliases.

Resolution is a search over the catalog, not an enumeration of names in NLU data, so a
procedure imported or aliased a second ago is findable at once. Text is folded (no case, no
diacritics), abbreviations are expanded ("gplx" → "giấy phép lái xe"; see ``query``), and
each name is indexed as syllables and syllable pairs, scored with BM25. An alias or a
name quoted whole in the question weighs most: that is how people name a procedure.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Sequence, Tuple

from assistant.catalog.acts import (
    ACT_CONFLICT,
    ACT_MATCH,
    act_factor,
    act_words,
    acts_of,
    acts_said,
    business_kinds,
    kind_factor,
)
from assistant.catalog.phrases import QuotedNames
from assistant.catalog.query import (
    STOPWORDS,
    admits,
    age_bounds,
    age_said,
    analyse_text,
    everyday_object,
    expand_synonyms,
)
from assistant.catalog.siblings import narrower, off_act
from assistant.catalog.twins import Twins, is_foreign, without_thu_tuc
from assistant.text.normalize import fold
from assistant.text.weights import bm25_idf, bm25_tf

# Head words that start half the names in the catalog: they say what kind of paper or
# service it is, not which procedure. They weigh a fraction of their IDF when a name's
# coverage is measured. Words of the act itself ("lại", "đổi", "điều chỉnh") are not here:
# "cấp lại" against "cấp" is the difference between two procedures the citizen must not mix.
GENERIC = frozenset(
    fold(w)
    for w in """
    cấp đăng ký hỗ trợ giấy chứng nhận thủ tục thực hiện việc trường hợp
    theo quy định cho của tại các và hoặc đề nghị xác nhận công nhận
    """.split()
)
GENERIC_WEIGHT = 0.25
# Function words of procedure names: they never show which procedure is meant. (Question
# words are not here: in a name, "phí" or "thời gian" say what the procedure is about.)
NAME_STOP = frozenset(
    fold(w)
    for w in """
    của và các cho đối với theo tại hoặc trong khi được là có những một này về từ trên
    """.split()
)


@dataclass
class Entry:
    """What the index knows of one procedure."""

    code: str
    name: str
    level: str = ""
    aliases: Sequence[str] = ()


@dataclass
class Hit:
    code: str
    name: str
    level: str
    score: float
    coverage: float  # share of the query's content weight this procedure explains
    phrase: bool  # an alias or the name appears whole in the query
    # Share of the closest name or alias the query covers, each syllable weighted by how
    # distinctive it is (generic head words such as "cấp", "đăng ký" weigh little) …
    name_cover: float = 0.0
    # … and that weight itself: a short generic name covered whole is still weak evidence.
    name_weight: float = 0.0
    alias_cover: float = 0.0  # the same share for the best-covered alias


@dataclass
class _Doc:
    entry: Entry
    length: int
    tf: Dict[str, int] = field(default_factory=dict)
    # Content syllables of the name and of each alias: how much of a name the query covers.
    shapes: List[frozenset] = field(default_factory=list)
    # The official name's syllables less function words (for the weighted name cover).
    name_shape: frozenset = frozenset()
    alias_shapes: List[frozenset] = field(default_factory=list)
    ages: Tuple[int | None, int | None] = (None, None)
    acts: frozenset = frozenset()  # the acts the name states
    head_shape: frozenset = frozenset()  # name_shape less the cases listed in brackets
    kinds: frozenset = frozenset()  # the kinds of business the name is about
    # What the name acts on: its distinctive words less those of its act ("thẻ căn cước").
    thing: frozenset = frozenset()
    wording: str = ""  # the name and aliases, folded, space-delimited: " cap lai ... "


def _content(syllables: Iterable[str]) -> frozenset:
    return frozenset(s for s in syllables if s not in STOPWORDS)


def _name_shape(syllables: Sequence[str]) -> frozenset:
    # "đối với" and "đổi" fold alike: "doi" is the act unless "với" follows.
    return frozenset(
        s
        for i, s in enumerate(syllables)
        if s not in NAME_STOP or (s == "doi" and tuple(syllables[i + 1 : i + 2]) != ("voi",))
    )


_BRACKETS = re.compile(r"\([^()]*\)")
TOP_K = 40
# A procedure only a ministry handles ("Cấp bộ": 38 % of the national catalog) weighs this
# much: the citizens of a city and its businesses seldom ask for one (5 % of the labelled
# questions of the search benchmark and of the answer development set).
CENTRAL, CENTRAL_LEVEL = 0.9, "Cấp bộ"
TWIN_DEPTH = 10  # the best hits whose foreign twins join them (see twins)


class CatalogIndex:
    """BM25 over procedure names and aliases, built once per catalog revision."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.docs: List[_Doc] = []
        self.by_code: Dict[str, int] = {}
        self._totals: Dict[frozenset, float] = {}  # a name shape's whole weight
        self.postings: Dict[str, List[int]] = defaultdict(list)
        self.quoted = QuotedNames()
        for entry in entries:
            self._add(entry)
        self.quoted.close()
        self.twins = Twins.build(
            [d.entry.name for d in self.docs], [d.entry.code for d in self.docs]
        )
        n = max(len(self.docs), 1)
        self.avg_len = sum(d.length for d in self.docs) / n
        self.idf = {t: bm25_idf(len(p), n) for t, p in self.postings.items()}
        # Each posting's BM25 contribution, computed once: a query only adds them up.
        self.weighted: Dict[str, List[Tuple[int, float]]] = {
            term: [(index, self._bm25(term, index)) for index in postings]
            for term, postings in self.postings.items()
        }
        # A word no procedure uses is the most specific word of all: it counts against
        # coverage ("giấy phép lái tàu vũ trụ" is not "giấy phép lái xe").
        self.unknown_idf = bm25_idf(0, n)

    def __len__(self) -> int:
        return len(self.docs)

    def _add(self, entry: Entry) -> None:
        index = len(self.docs)
        tf: Dict[str, int] = defaultdict(int)
        name = analyse_text(entry.name)
        for term in name.terms():
            tf[term] += 1
        shapes = [_content(name.syllables)]
        alias_shapes = []
        said = [name.syllables]
        for alias in entry.aliases:
            analysed = analyse_text(alias)
            said.append(analysed.syllables)
            # A term counts as often as the field that says it most: three aliases that
            # repeat "giấy phép xây dựng" do not make a procedure more about it than its
            # siblings, which the catalog names once.
            for term, count in Counter(analysed.terms()).items():
                tf[term] = max(tf[term], count)
            shapes.append(_content(analysed.syllables))
            alias_shapes.append(_name_shape(analysed.syllables))
            self.quoted.add_alias(index, analysed.syllables, everyday_object(analysed))
        bare = without_thu_tuc(name.syllables)
        self.quoted.add_name(index, bare, name.syllables)
        # Its length is that of the name less the cases listed in brackets: a name that
        # enumerates "(công trình không theo tuyến/theo tuyến/…)" is not less about its act.
        head = analyse_text(_BRACKETS.sub(" ", entry.name))
        length = len(head.terms()) or len(name.terms())
        doc = _Doc(entry, length, dict(tf), [s for s in shapes if s])
        doc.name_shape = _name_shape(bare)
        doc.alias_shapes = [a for a in alias_shapes if a]
        doc.ages = age_bounds(entry.name)
        doc.acts = acts_of(head.syllables)
        doc.kinds = business_kinds(name.syllables)
        doc.head_shape = _name_shape(without_thu_tuc(head.syllables))
        doc.thing = doc.name_shape - GENERIC - act_words(bare)
        doc.wording = " " + " | ".join(" ".join(s) for s in said) + " "
        self.by_code[entry.code] = index
        self.docs.append(doc)
        for term in tf:
            self.postings[term].append(index)

    def search(self, query: str, limit: int = 5, also: Sequence[str] = ()) -> List[Hit]:
        """The best procedures for ``query``; ``also`` names procedures (found another way,
        e.g. from a span of the message) to score against the same query in any case."""
        plain = analyse_text(query[:2000])
        analysed = expand_synonyms(plain)
        terms = [t for t in analysed.terms() if not self._is_stop(t)]
        if not terms:
            return []
        weights: Dict[str, float] = defaultdict(float)
        for term in terms:
            weights[term] += self.idf.get(term, self.unknown_idf)
        total_weight = sum(w for t, w in weights.items() if _is_syllable(t))
        scores: Dict[int, float] = defaultdict(float)
        for term in weights:
            idf = self.idf.get(term)
            if idf is None:
                continue
            for index, weight in self.weighted[term]:
                scores[index] += weight
        phrased = self.quoted.bonuses(analysed.syllables, acts_said(plain.syllables), self._states)
        for index, bonus in phrased.items():
            scores[index] += bonus
        query_content = _content(analysed.syllables)
        top = heapq.nlargest(TOP_K, scores.items(), key=lambda item: item[1])
        ranked = {index for index, _ in top}
        for code in also:
            index = self.by_code.get(code)
            if index is not None and index not in ranked:
                top.append((index, scores.get(index, 0.0)))
                ranked.add(index)
        said = frozenset(analysed.syllables)
        foreign = is_foreign(said)
        best = dict(top)
        for twin, domestic in self.twins.joining([i for i, _ in top[:TWIN_DEPTH]], foreign):
            if twin not in ranked:
                top.append((twin, max(best[domestic], scores.get(twin, 0.0))))
                ranked.add(twin)
        # A longer sibling of a quoted name whose more the question says is quoted too.
        longer = narrower(self.docs, phrased, [i for i, _ in top], query[:2000], self._cover)
        top = [(index, score + longer.get(index, 0.0)) for index, score in top]
        phrased = {**phrased, **longer}
        age = age_said(query[:2000])
        asked_acts = acts_of(analysed.syllables)
        asked_kinds = business_kinds(analysed.syllables)
        off = off_act(self.docs, [i for i, _ in top], asked_acts)
        hits = []
        for index, score in top:
            doc = self.docs[index]
            if age is not None and not admits(doc.ages, age):
                continue
            matched = sum(w for t, w in weights.items() if _is_syllable(t) and t in doc.tf)
            # How much of the closest name or alias the question covers: "đăng ký hộ kinh
            # doanh" covers "thành lập hộ kinh doanh" better than "thay đổi nội dung …".
            precision = max(
                (len(shape & query_content) / len(shape) for shape in doc.shapes), default=0
            )
            name_cover, name_weight = self._cover(doc.name_shape, said)
            alias_cover = max(
                (self._cover(shape, said)[0] for shape in doc.alias_shapes), default=0.0
            )
            hits.append(
                Hit(
                    doc.entry.code,
                    doc.entry.name,
                    doc.entry.level,
                    score
                    * (0.5 + 0.5 * precision)
                    * act_factor(asked_acts, doc.acts)
                    * kind_factor(asked_kinds, doc.kinds)
                    * (ACT_CONFLICT if index in off else 1.0)
                    * (CENTRAL if doc.entry.level == CENTRAL_LEVEL else 1.0),
                    matched / total_weight if total_weight else 0.0,
                    index in phrased,
                    name_cover,
                    name_weight,
                    alias_cover,
                )
            )
        if foreign:
            hits = self.twins.inherit(hits, ACT_MATCH, ACT_CONFLICT)
        hits.sort(key=lambda h: (-h.score, len(h.name)))
        wanted = set(also)
        return hits[:limit] + [h for h in hits[limit:] if h.code in wanted]

    @staticmethod
    def said(text: str) -> frozenset:
        """The syllables a text says, as a search reads them (synonyms added)."""
        return frozenset(expand_synonyms(analyse_text(text[:2000])).syllables)

    def name_cover(self, code: str, said: frozenset) -> float:
        """The weighted share of ``code``'s name (or best alias) in ``said`` (see :meth:`said`)."""
        index = self.by_code.get(code)
        if index is None:
            return 0.0
        sources = self.twins.sources(index, is_foreign(said))
        return max(self._share(i, said) for i in (index, *sources))

    def _share(self, index: int, said: frozenset) -> float:
        doc = self.docs[index]
        shapes = (doc.name_shape, *doc.alias_shapes)
        return max((self._cover(shape, said)[0] for shape in shapes), default=0.0)

    def _weight(self, syllable: str) -> float:
        idf = self.idf.get(syllable, self.unknown_idf)
        return idf * GENERIC_WEIGHT if syllable in GENERIC else idf

    def _bm25(self, term: str, index: int) -> float:
        doc = self.docs[index]
        return self.idf[term] * bm25_tf(doc.tf[term], doc.length, self.avg_len)

    def _cover(self, shape: frozenset, query: frozenset) -> Tuple[float, float]:
        """(weighted share of ``shape`` found in the query, the weight found)."""
        found_in = shape & query
        if not found_in:
            return 0.0, 0.0
        total = self._totals.get(shape)
        if total is None:
            total = self._totals[shape] = math.fsum(self._weight(s) for s in shape)
        found = math.fsum(self._weight(s) for s in found_in)
        return (found / total if total else 0.0), found

    def _states(self, index: int, acts: Sequence[Sequence[str]]) -> bool:
        """Whether a procedure's name or an alias states one of each act's wordings."""
        wording = self.docs[index].wording
        return all(any(f" {w} " in wording for w in act) for act in acts)

    @staticmethod
    def _is_stop(term: str) -> bool:
        if term.startswith("w:"):
            return all(s in STOPWORDS for s in term[2:].split("_"))
        return all(s in STOPWORDS for s in term.split(" "))


def _is_syllable(term: str) -> bool:
    return " " not in term and not term.startswith("w:")
