import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from assistant.analytics.charts import EMPTY_TEXT, PALETTE, format_number, svg
from assistant.analytics.sections import Chart, Section

NS = "{http://www.w3.org/2000/svg}"


def parse(section: Section) -> ET.Element:
    return ET.fromstring(svg(section))


def bars(root: ET.Element):
    return [e for e in root.iter(NS + "rect") if e.get("class") == "bar"]


def texts(root: ET.Element, cls: str):
    return ["".join(e.itertext()) for e in root.iter(NS + "text") if e.get("class") == cls]


def title_of(element: ET.Element) -> str:
    return element.find(NS + "title").text


def grouped(rows, kind="bar", unit="", key="outcomes"):
    return Section(
        key,
        "Kết quả theo kênh",
        ["Kênh", "Trả lời", "Chuyển cán bộ"],
        rows,
        Chart(kind, 0, [1, 2], unit),
    )


@pytest.mark.parametrize(
    "value, text",
    [
        (0, "0"),
        (999, "999"),
        (1234, "1.234"),
        (1234567, "1.234.567"),
        (12.5, "12,5"),
        (71.25, "71,3"),
        (0.125, "0,13"),
        (3.0, "3"),
        (-1234.5, "-1.234,5"),
        (Decimal("2.50"), "2,5"),
        (None, ""),
        ("Zalo", "Zalo"),
    ],
)
def test_format_number_uses_vietnamese_separators(value, text):
    assert format_number(value) == text


def test_svg_is_a_labelled_responsive_image():
    root = parse(grouped([["Zalo", 1200, 34], ["Web", 800, 16]]))
    assert root.tag == NS + "svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 640 [\d.]+", root.get("viewBox"))
    title, desc = root.find(NS + "title"), root.find(NS + "desc")
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
    assert title.text == "Kết quả theo kênh"
    # The description names each series with its total and peak, in Vietnamese figures
    assert "Trả lời: tổng 2.000, cao nhất 1.200 (Zalo)" in desc.text
    assert "Chuyển cán bộ: tổng 50" in desc.text


def test_ids_differ_between_sections_and_are_safe():
    first = parse(grouped([["Zalo", 1, 2]], key="outcomes"))
    second = parse(grouped([["Zalo", 1, 2]], key="per channel/ngày"))
    ids = {e.get("id") for root in (first, second) for e in root.iter() if e.get("id")}
    assert len(ids) == 4
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", i) for i in ids)


def test_text_is_readable_on_a_tablet():
    root = parse(grouped([["Zalo", 1200, 34], ["Web", 800, 16]]))
    sizes = [float(e.get("font-size")) for e in root.iter() if e.get("font-size")]
    assert sizes and min(sizes) >= 12


def test_bar_chart_draws_one_rect_per_nonzero_value_in_series_colours():
    rows = [["Zalo", 10, 0], ["Web", None, 5], ["Messenger", "n/a", 20], ["Khác", 40, -3]]
    root = parse(grouped(rows))
    drawn = bars(root)
    assert len(drawn) == 4  # 10, 5, 20, 40: None, text, 0 and negatives draw nothing
    fills = [b.get("fill") for b in drawn]
    assert fills == [PALETTE[0], PALETTE[1], PALETTE[1], PALETTE[0]]
    heights = {title_of(b): float(b.get("height")) for b in drawn}
    assert heights["Khác – Trả lời: 40"] == pytest.approx(4 * heights["Zalo – Trả lời: 10"])


def test_bar_chart_has_round_gridlines_and_value_labels():
    root = parse(grouped([["Zalo", 1368, 34], ["Web", 830, 16]]))
    assert texts(root, "tick") == ["0", "500", "1.000", "1.500"]
    assert "1.368" in texts(root, "value")


def test_units_follow_values():
    section = Section(
        "rate", "Tỉ lệ", ["Kênh", "Tỉ lệ"], [["Zalo", 82.5]], Chart("bar", 0, [1], "%")
    )
    root = parse(section)
    assert texts(root, "value") == ["82,5%"]
    assert "100%" in texts(root, "tick")
    assert "cao nhất 82,5%" in root.find(NS + "desc").text
    latency = Section("ms", "Độ trễ", ["Bước", "p95"], [["NLU", 120]], Chart("bar", 0, [1], "ms"))
    assert "120 ms" in texts(parse(latency), "value")


def test_legend_only_with_more_than_one_series():
    two = parse(grouped([["Zalo", 1, 2]]))
    keys = [e for e in two.iter(NS + "rect") if e.get("class") == "key"]
    assert [k.get("fill") for k in keys] == list(PALETTE[:2])
    one = Section("s", "Một", ["Kênh", "Lượt"], [["Zalo", 3]], Chart("bar", 0, [1]))
    assert not [e for e in parse(one).iter(NS + "rect") if e.get("class") == "key"]


def test_stacked_segments_touch_and_add_up_to_the_total():
    rows = [["01/11", 30, 10], ["02/11", 5, 45], ["03/11", 0, 20]]
    root = parse(grouped(rows, kind="stacked"))
    by_x = {}
    for bar in bars(root):
        by_x.setdefault(bar.get("x"), []).append(bar)
    assert len(by_x) == 3
    scale = None
    for stack, row in zip(by_x.values(), rows):
        total = row[1] + row[2]
        heights = sum(float(b.get("height")) for b in stack)
        scale = scale or heights / total
        assert heights == pytest.approx(total * scale, abs=0.05)
        # Each segment sits on the one below it
        for lower, upper in zip(stack, stack[1:]):
            assert float(upper.get("y")) + float(upper.get("height")) == pytest.approx(
                float(lower.get("y")), abs=0.05
            )
    assert texts(root, "value") == ["40", "50", "20"]


def test_labels_from_data_are_escaped():
    nasty = "<script>&\"'\x01"
    section = Section("x", 'Tiêu đề <b>&"', ["Nhãn", "Lượt"], [[nasty, 3]], Chart("hbar", 0, [1]))
    markup = svg(section)
    root = ET.fromstring(markup)  # would raise on unescaped markup or a control character
    assert "<script" not in markup
    assert not list(root.iter("script")) and not list(root.iter(NS + "script"))
    assert root.find(NS + "title").text == 'Tiêu đề <b>&"'
    assert title_of(bars(root)[0]) == "<script>&\"' – Lượt: 3"


@pytest.mark.parametrize(
    "rows", [[], [["Zalo", 0, 0], ["Web", None, "?"]]], ids=["no rows", "all zero"]
)
@pytest.mark.parametrize("kind", ["bar", "stacked", "line", "hbar"])
def test_empty_section_says_there_is_no_data(rows, kind):
    root = parse(grouped(rows, kind=kind))
    assert root.get("role") == "img"
    assert EMPTY_TEXT in "".join(root.itertext())
    assert root.find(NS + "desc").text == EMPTY_TEXT
    assert not bars(root)


def test_table_only_section_has_no_chart_and_unknown_kind_is_an_error():
    assert svg(Section("t", "Bảng", ["A"], [["x"]])) == ""
    with pytest.raises(ValueError):
        svg(grouped([["Zalo", 1, 2]], kind="pie"))


def test_hbar_top_twenty_with_long_labels():
    names = [f"Đăng ký khai sinh có yếu tố nước ngoài, trường hợp số {i}" for i in range(20)]
    rows = [[name, 2000 - 90 * i] for i, name in enumerate(names)]
    section = Section("procedures", "20 thủ tục", ["Thủ tục", "Lượt hỏi"], rows, Chart("hbar"))
    root = parse(section)
    drawn = bars(root)
    assert len(drawn) == 20
    ys = [float(b.get("y")) for b in drawn]
    assert ys == sorted(ys)  # first row on top
    widths = [float(b.get("width")) for b in drawn]
    assert widths[0] / widths[10] == pytest.approx(2000 / 1100, rel=0.01)
    assert float(root.get("viewBox").split()[3]) >= 20 * 24
    labels = [e for e in root.iter(NS + "text") if e.find(NS + "title") is not None]
    assert len(labels) == 20
    for label, name in zip(labels, names):
        shown = label.find(NS + "title").tail
        assert shown.endswith("…") and len(shown) < len(name)
        assert name.startswith(shown[:-1])
        assert title_of(label) == name  # the whole label as a tooltip
    assert title_of(drawn[0]) == f"{names[0]} – Lượt hỏi: 2.000"
    assert texts(root, "value")[0] == "2.000"


def test_line_chart_draws_a_polyline_per_series_and_whole_date_labels():
    rows = [[f"{d:02d}/11/2026", d * 10, d] for d in range(1, 31)]
    root = parse(grouped(rows, kind="line"))
    lines = [e for e in root.iter(NS + "polyline")]
    assert [line.get("stroke") for line in lines] == list(PALETTE[:2])
    assert all(len(line.get("points").split()) == 30 for line in lines)
    assert len(list(root.iter(NS + "circle"))) == 60
    axis = [
        "".join(e.itertext())
        for e in root.iter(NS + "text")
        if e.get("class") is None and e.text and "/11/" in e.text
    ]
    assert 3 <= len(axis) < 30  # thinned out, each shown whole
    assert all(re.fullmatch(r"\d\d/11/2026", label) for label in axis)


def test_decimal_values_are_drawn():
    section = Section(
        "d", "Trung bình", ["Ngày", "Giây"], [["01/11", Decimal("2.5")]], Chart("bar")
    )
    assert len(bars(parse(section))) == 1
