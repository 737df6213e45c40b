"""The query language (``kb.search.query``): parsing and the typo-tolerance rules."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kb.search.query import (
    FieldFilter,
    Phrase,
    Prefix,
    Word,
    closest,
    edit_distance,
    max_edits,
    parse,
)


def test_words_phrases_prefixes_filters_and_exclusions():
    q = parse('Qwen "distillation  attack" agent* -DeepSeek type:coverage '
              'region:"East Asia" -lens:unlabelled Alibaba\'s 28.8')
    assert q.clauses == (
        Word("Qwen"), Phrase(("distillation", "attack")), Prefix("agent"),
        Word("DeepSeek", negated=True), Word("Alibaba's"), Word("28.8"),
    )
    assert q.filters == (
        FieldFilter("type", "coverage"), FieldFilter("region", "East Asia"),
        FieldFilter("lens", "unlabelled", negated=True),
    )
    assert str(q) == ('Qwen "distillation attack" agent* -DeepSeek Alibaba\'s 28.8 '
                      'type:coverage region:"East Asia" -lens:unlabelled')


def test_unknown_fields_and_odd_input_are_words():
    assert parse("AML.T0040:x").clauses == (Word("AML.T0040"), Word("x"))
    assert parse("https://example.org/a").clauses == (
        Word("https"), Word("example.org"), Word("a"))
    assert parse('"unterminated phrase').clauses == (Phrase(("unterminated", "phrase")),)
    assert parse('"one"').clauses == (Word("one"),)
    assert parse("a*").clauses == (Word("a"),)  # too short to expand
    assert parse("type:").filters == ()
    assert parse("").is_empty and parse("  - * \"\" ").is_empty
    assert parse("-alibaba").is_empty  # only exclusions: nothing to look for


@given(st.text(max_size=200))
def test_parsing_never_fails_and_round_trips(text):
    q = parse(text)
    assert parse(str(q)) == q


@given(st.text(alphabet="abcdefgh", min_size=1, max_size=12),
       st.text(alphabet="abcdefgh", min_size=1, max_size=12))
def test_edit_distance_is_a_distance(a, b):
    d = edit_distance(a, b)
    assert d == edit_distance(b, a)
    assert (d == 0) == (a == b)
    assert d <= max(len(a), len(b))
    assert edit_distance(a, b, limit=1) == min(d, 2)


def test_typo_rules():
    assert edit_distance("alibba", "alibaba") == 1
    assert edit_distance("qewn", "qwen") == 1  # a swap of neighbours is one edit
    assert max_edits("qwn") == 0 and max_edits("alibba") == 1 and max_edits("distilation") == 2
    candidates = [("alibaba", 9), ("alibi", 3), ("albania", 1), ("alibaba", 9)]
    assert closest("alibba", candidates)[0] == "alibaba"
    assert closest("alibaba", [("alibaba", 1)]) == []  # the word itself is not a correction
