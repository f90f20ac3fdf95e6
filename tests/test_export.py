import pandas as pd

from monitor.export import neutralise, to_csv_bytes


def test_formula_like_text_is_neutralised_but_numbers_are_not():
    frame = pd.DataFrame({"text": ["=1+1", "+SUM(A1)", "-cmd", "@x", "普通文本"], "number": [-2.6, 1.0, 2.0, 3.0, 4.0]})
    out = neutralise(frame)
    assert list(out.text) == ["'=1+1", "'+SUM(A1)", "'-cmd", "'@x", "普通文本"]
    assert list(out.number) == [-2.6, 1.0, 2.0, 3.0, 4.0]


def test_csv_has_bom_and_chinese():
    data = to_csv_bytes(pd.DataFrame({"地区": ["长沙市"]}))
    assert data.startswith(b"\xef\xbb\xbf") and "长沙市" in data.decode("utf-8-sig")
