"""A client cannot forge a broadcast: the seal covers every argument and the tab."""

from app.states.broadcast import _seal


def test_the_seal_covers_every_argument_and_the_sending_tab():
    args = (["org-1"], "Alice: Invitation revoked.", [7], ["bob@fabrikam.example"], "tab-a")
    seal = _seal(*args)
    assert seal == _seal(*args)
    for changed in ((["org-2"],) + args[1:], args[:1] + ("Pay here: evil.example",) + args[2:],
                    args[:2] + ([8],) + args[3:], args[:3] + (["eve@x.example"],) + args[4:],
                    args[:4] + ("tab-b",)):
        assert _seal(*changed) != seal
