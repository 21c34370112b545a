import pytest

from assistant.channels.rest import MAX_MESSAGE_CHARS, parse_payload


@pytest.mark.parametrize(
    "body, expected",
    [
        (b'{"sender": "u1", "message": "xin ch\\u00e0o"}', ("u1", "xin chào", None)),
        ('{"sender": "u1", "message": "đăng ký"}'.encode(), ("u1", "đăng ký", None)),
        (b'{"sender": 42, "message": "hi"}', ("42", "hi", None)),
        (b'{"sender": "u1"}', ("u1", "", None)),
        (b'{"sender": "u1", "message": null}', ("u1", "", None)),
        (b'{"sender": " u1 ", "message": "x", "metadata": {"a": 1}}', ("u1", "x", {"a": 1})),
        (b'{"sender": "u1", "message": "x", "metadata": "no"}', ("u1", "x", None)),
    ],
)
def test_valid_payloads(body, expected):
    assert parse_payload(body) == expected


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"", "JSON"),
        (b"{oops", "JSON"),
        (b"\xff\xfe", "UTF-8"),
        (b"[1, 2]", "đối tượng"),
        (b'"text"', "đối tượng"),
        (b'{"message": "x"}', "sender"),
        (b'{"sender": "", "message": "x"}', "sender"),
        (b'{"sender": true, "message": "x"}', "sender"),
        (('{"sender": "' + "u" * 129 + '", "message": "x"}').encode(), "sender"),
        (b'{"sender": "u1", "message": 5}', "message"),
        (b'{"sender": "u1", "message": ["a"]}', "message"),
    ],
)
def test_invalid_payloads(body, reason):
    with pytest.raises(ValueError, match=reason):
        parse_payload(body)


def test_long_message_is_cut_not_refused():
    _, text, _ = parse_payload(('{"sender": "u", "message": "' + "a" * 9000 + '"}').encode())
    assert len(text) == MAX_MESSAGE_CHARS
