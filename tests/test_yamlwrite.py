"""eee/yamlwrite.py: what eee writes as YAML reads back as the same data, or is refused visibly."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from eee.loader import SourceDoc, read_text
from eee.yamlwrite import dump

TEXT = st.text(alphabet=st.sampled_from(list("<>&\"'`*_[](){}|#~\\!=+-@:%$;,./ \t\nabcÉé19yYnN")
                                        + ["\u200b", "\ufeff", "\u2028", "\x1b", "\x85", "\x00", "\r"]),
               min_size=1, max_size=16)


@given(TEXT)
def test_every_text_reads_back_or_is_refused_as_invisible(text: str) -> None:
    data = {"id": "x", "nom": text, "etiquettes": [text, "a"], "sites": [{"commune": text}]}
    doc = read_text(SourceDoc("x.yaml", None), dump(data))
    if doc.data is None:  # only what the loader refuses anywhere: control characters, hidden line breaks
        assert {p.code for p in doc.problems} == {"EEE-Y015"}, doc.problems
    else:
        assert doc.data == data


def test_flow_lists_quote_what_would_end_a_value() -> None:
    assert dump({"l": ["a,b", "c]", "d{e}", "f"]}) == 'l: ["a,b", "c]", "d{e}", f]\n'
