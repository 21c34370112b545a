"""The acts names state and questions ask, and the kinds of business both are about."""

from __future__ import annotations

import pytest

from assistant.catalog.acts import (
    ACT_CONFLICT,
    act_words,
    acts_of,
    acts_said,
    business_kinds,
    kind_factor,
)
from assistant.catalog.query import analyse_text


def syllables(text: str) -> tuple:
    return analyse_text(text).syllables


def test_the_act_an_event_asks_for():
    lost = (("cap lai", "cap doi", "dang ky lai"),)
    assert acts_said(syllables("bằng lái bị mất")) == lost
    assert acts_said(syllables("mất bằng lái ô tô")) == lost
    assert acts_said(syllables("tài khoản VNeID bị khóa")) == (("mo khoa",),)
    assert acts_said(syllables("mất bao lâu thì có bằng lái")) == ()
    assert len(acts_said(syllables("giấy phép hết hạn, lại ghi sai tên"))) == 2


@pytest.mark.parametrize(
    "text, acts",
    [
        ("xe đổi màu sơn phải đổi cà vẹt", {"exchange"}),
        ("Cấp lại chứng nhận đăng ký xe, biển số xe", {"reissue"}),
        ("Cấp đổi Giấy chứng nhận quyền sử dụng đất", {"exchange"}),
        ("Thay đổi, cải chính thông tin hộ tịch", {"change", "correct"}),
        ("Chuyển đổi doanh nghiệp tư nhân thành công ty", {"convert"}),
        ("Gia hạn giấy phép xây dựng đối với công trình cấp III", {"extend"}),
        ("doi bang lai xe may bi hong", {"exchange"}),
        ("làm căn cước mất bao lâu", set()),
    ],
)
def test_the_acts_a_text_states(text, acts):
    assert set(acts_of(analyse_text(text).syllables)) == acts


def test_re_registration_is_a_re_issue():
    assert acts_of(syllables("Thủ tục đăng ký lại kết hôn")) == {"reissue"}
    assert acts_of(syllables("Đăng ký kết hôn")) == frozenset()


@pytest.mark.parametrize(
    "name, thing",
    [
        ("Cấp lại thẻ căn cước", "the can cuoc"),
        ("Cấp đổi Giấy chứng nhận quyền sử dụng đất", "giay chung nhan quyen su dung dat"),
        ("Thủ tục đăng ký lại kết hôn", "thu tuc dang ket hon"),
        ("Cấp hộ chiếu đối với người đi lao động", "cap ho chieu doi voi nguoi di lao dong"),
    ],
)
def test_the_words_of_the_act_leave_the_thing_acted_on(name, thing):
    words = syllables(name)
    assert " ".join(s for s in words if s not in act_words(words)) == thing


def test_a_company_is_not_a_household_business():
    company = business_kinds(syllables("công ty muốn tạm ngừng kinh doanh"))
    household = business_kinds(syllables("Tạm ngừng kinh doanh của hộ kinh doanh"))
    assert company == {"enterprise"} and household == {"household"}
    assert kind_factor(company, household) == ACT_CONFLICT
    assert kind_factor(company, business_kinds(syllables("(doanh nghiệp, chi nhánh)"))) == 1.0
    assert kind_factor(frozenset(), household) == 1.0
