"""The Mailbox shows a message as text with its http(s) addresses as links, nothing else."""

from app.mail.devmailbox import link_parts


def test_an_invitation_link_becomes_a_link_and_the_full_stop_stays_text():
    parts = link_parts("View invitation: http://localhost:3000/invite/Ab_9-x.\n")
    assert parts == [{"text": "View invitation: ", "href": ""},
                     {"text": "http://localhost:3000/invite/Ab_9-x",
                      "href": "http://localhost:3000/invite/Ab_9-x"},
                     {"text": ".\n", "href": ""}]


def test_markup_and_other_schemes_stay_text():
    text = ('<a href="javascript:alert(1)">x</a> <img src=x onerror=alert(1)> '
            "data:text/html,hi (see https://example.org/a?b=1&c=2) ftp://files.example/x")
    parts = link_parts(text)
    assert "".join(p["text"] for p in parts) == text  # nothing lost, nothing added
    assert [p["href"] for p in parts if p["href"]] == ["https://example.org/a?b=1&c=2"]


def test_text_without_addresses_is_one_piece():
    assert link_parts("Hello.") == [{"text": "Hello.", "href": ""}]
    assert link_parts("http:// alone") == [{"text": "http:// alone", "href": ""}]
    assert link_parts("") == []
