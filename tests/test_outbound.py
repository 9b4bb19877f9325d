"""The outbound guard: which addresses Commons refuses, and how `post` talks to a real server."""

import datetime
import http.server
import socket
import ssl
import threading
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app import outbound
from app.outbound import OutboundFailed, OutboundRefused, check_url, post


def resolving_to(*addresses):
    """A stand-in for socket.getaddrinfo that answers `addresses` for any host."""
    calls = []

    def resolve(host, port, *args, **kwargs):
        calls.append((host, port))
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port)) for a in addresses]

    resolve.calls = calls
    return resolve


def refused_message(url, *addresses, allow_private=False):
    with pytest.raises(OutboundRefused) as refused:
        check_url(url, allow_private=allow_private, resolve=resolving_to(*addresses))
    return str(refused.value)


# --- check_url --------------------------------------------------------------------------


def test_a_public_https_url_returns_every_address_it_checked():
    resolve = resolving_to("93.184.215.14", "2606:4700::1111", "93.184.215.14")
    assert check_url("https://hooks.example.com/in", allow_private=False, resolve=resolve) == [
        "93.184.215.14", "2606:4700::1111"]
    assert resolve.calls == [("hooks.example.com", 443)]


def test_the_port_in_the_url_is_resolved():
    resolve = resolving_to("93.184.215.14")
    check_url("https://hooks.example.com:8443/in", allow_private=False, resolve=resolve)
    assert resolve.calls == [("hooks.example.com", 8443)]


@pytest.mark.parametrize("address", [
    "10.0.0.5", "172.16.0.1", "192.168.1.1", "127.0.0.1", "127.9.9.9", "169.254.169.254",
    "100.64.0.1", "0.0.0.0", "224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1",
    "192.0.2.1", "198.18.0.1",
    "::1", "::", "fe80::1", "fe80::1%1", "fc00::1", "fd12:3456::1", "ff02::1", "ff0e::1",
    "2001:db8::1", "::ffff:10.0.0.5", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
    "2002:a00:5::", "64:ff9b::a00:5", "64:ff9b:1::5db8:d70e", "::a00:5", "100::1",
])
def test_a_non_public_address_is_refused(address):
    assert refused_message("https://hooks.example.com/in", address) == (
        "Commons does not call private, loopback or link-local addresses: "
        f"{address} (hooks.example.com).")


def test_one_private_address_among_public_ones_is_enough_to_refuse():
    assert refused_message("https://hooks.example.com/", "93.184.215.14", "10.0.0.5") == (
        "Commons does not call private, loopback or link-local addresses: "
        "10.0.0.5 (hooks.example.com).")


@pytest.mark.parametrize("address", ["::ffff:93.184.215.14", "64:ff9b::5db8:d70e"])
def test_an_ipv6_form_of_a_public_ipv4_address_is_allowed(address):
    assert check_url("https://hooks.example.com/", allow_private=False,
                     resolve=resolving_to(address)) == [address]


def test_allow_private_lets_https_reach_private_addresses():
    resolve = resolving_to("10.0.0.5", "fd12::1")
    assert check_url("https://hooks.internal/", allow_private=True, resolve=resolve) == [
        "10.0.0.5", "fd12::1"]


def test_http_is_refused_without_allow_private():
    message = refused_message("http://hooks.example.com/", "93.184.215.14")
    assert message == ("Commons calls https:// URLs only; plain http is allowed only to this "
                       "machine, when private addresses are allowed: http://hooks.example.com/.")
    assert refused_message("http://localhost:8000/", "127.0.0.1").startswith(
        "Commons calls https:// URLs only;")


def test_http_to_loopback_is_allowed_with_allow_private():
    assert check_url("http://localhost:8000/hook", allow_private=True,
                     resolve=resolving_to("127.0.0.1", "::1")) == ["127.0.0.1", "::1"]


@pytest.mark.parametrize("addresses", [("10.0.0.5",), ("127.0.0.1", "10.0.0.5")])
def test_http_to_anything_but_loopback_is_refused_even_with_allow_private(addresses):
    assert refused_message("http://hooks.internal/", *addresses, allow_private=True).startswith(
        "Commons calls https:// URLs only;")


@pytest.mark.parametrize("url", ["ftp://hooks.example.com/", "file:///etc/passwd",
                                 "gopher://hooks.example.com/", "hooks.example.com/in"])
def test_other_schemes_are_refused(url):
    assert refused_message(url, "93.184.215.14") == f"Commons calls https:// URLs only: {url}."


@pytest.mark.parametrize("url", ["https://user:secret@hooks.example.com/",
                                 "https://user@hooks.example.com/",
                                 "https://@hooks.example.com/",
                                 "https://10.0.0.5\\@hooks.example.com/"])
def test_a_user_name_or_password_is_refused(url):
    assert refused_message(url, "93.184.215.14") == (
        "The URL may not contain a user name or password.")


@pytest.mark.parametrize("url", ["https:///in", "https://:443/in", "https://"])
def test_a_url_without_a_host_is_refused(url):
    assert refused_message(url, "93.184.215.14") == f"The URL has no host: {url}."


def test_port_zero_is_refused():
    assert refused_message("https://hooks.example.com:0/", "93.184.215.14") == (
        "The URL's port must be between 1 and 65535: https://hooks.example.com:0/.")


@pytest.mark.parametrize("url", ["https://hooks.example.com:65536/",
                                 "https://hooks.example.com:http/", "https://[::1/"])
def test_an_unparseable_url_is_refused(url):
    assert refused_message(url, "93.184.215.14") == f"The URL is not valid: {url}."


@pytest.mark.parametrize("url", ["https://hooks.example.com/a b", "https://hooks.example.com/\r\nX: y"])
def test_spaces_and_control_characters_are_refused(url):
    assert refused_message(url, "93.184.215.14").startswith(
        "The URL contains spaces or control characters:")


def test_a_name_that_does_not_resolve_is_refused():
    def fails(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(OutboundRefused) as refused:
        check_url("https://nowhere.invalid/", allow_private=False, resolve=fails)
    assert str(refused.value) == "nowhere.invalid could not be resolved."
    assert refused_message("https://empty.example/", allow_private=True) == (
        "empty.example could not be resolved.")


# --- post, against real local servers ----------------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Records each request; the server's `answer(handler)` decides the response."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.seen.append((self.path, dict(self.headers), body))
        self.server.answer(self)

    def log_message(self, *args):
        pass


def _respond(status, body=b"", **headers):
    def answer(handler):
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
    return answer


@pytest.fixture
def server():
    """A threaded HTTP server on 127.0.0.1 and a free port; set `.answer` per test."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    httpd.seen, httpd.answer, httpd.release = [], _respond(204), threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()


LOCAL = resolving_to("127.0.0.1")


def test_post_delivers_body_and_headers_with_the_named_host(server):
    server.answer = _respond(200, b"thanks")
    port = server.server_address[1]
    status, text = post(f"http://hooks.commons.test:{port}/in?x=1", b'{"a": 1}',
                        {"Content-Type": "application/json", "webhook-id": "msg_1"},
                        timeout=5, allow_private=True, resolve=LOCAL)
    assert (status, text) == (200, "thanks")
    [(path, headers, body)] = server.seen
    assert path == "/in?x=1"
    assert body == b'{"a": 1}'
    assert headers["Host"] == f"hooks.commons.test:{port}"
    assert headers["Content-Type"] == "application/json"
    assert headers["webhook-id"] == "msg_1"
    assert headers["Content-Length"] == "8"


def test_post_returns_a_redirect_without_following_it(server):
    port = server.server_address[1]
    server.answer = _respond(302, b"moved", Location=f"http://127.0.0.1:{port}/elsewhere")
    status, text = post(f"http://hooks.commons.test:{port}/in", b"x", {}, timeout=5,
                        allow_private=True, resolve=LOCAL)
    assert (status, text) == (302, "moved")
    assert [path for path, _, _ in server.seen] == ["/in"]


def test_post_returns_the_first_500_characters_decoded_leniently(server):
    server.answer = _respond(500, b"\xff" + b"e" * 2000)
    status, text = post(f"http://hooks.commons.test:{server.server_address[1]}/", b"", {},
                        timeout=5, allow_private=True, resolve=LOCAL)
    assert status == 500
    assert text == "\ufffd" + "e" * 499


def test_post_refuses_before_connecting(server):
    with pytest.raises(OutboundRefused, match="https:// URLs only"):
        post(f"http://hooks.commons.test:{server.server_address[1]}/", b"", {}, timeout=5,
             allow_private=False, resolve=LOCAL)
    assert server.seen == []


def test_post_times_out_on_a_server_that_does_not_answer(server):
    server.answer = lambda handler: server.release.wait(10)
    with pytest.raises(OutboundFailed) as failed:
        post(f"http://hooks.commons.test:{server.server_address[1]}/", b"", {}, timeout=0.3,
             allow_private=True, resolve=LOCAL)
    assert str(failed.value) == "timed out after 0.3 s"


def test_a_server_that_trickles_its_answer_is_cut_off_at_the_deadline(server):
    """A byte every 0.1 s never lets a read time out; the call's own deadline ends it."""
    def trickle(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        for _ in range(100):
            if server.release.wait(0.1):
                return
            handler.wfile.write(b"x")
            handler.wfile.flush()

    server.answer = trickle
    started = time.monotonic()
    with pytest.raises(OutboundFailed) as failed:
        post(f"http://hooks.commons.test:{server.server_address[1]}/", b"", {}, timeout=0.5,
             allow_private=True, resolve=LOCAL)
    assert str(failed.value) == "timed out after 0.5 s"
    assert time.monotonic() - started < 5  # not the 10 s the trickle would take


def test_a_path_outside_ascii_is_sent_percent_encoded(server):
    server.answer = _respond(200)
    post(f"http://hooks.commons.test:{server.server_address[1]}/café?q=é&x=1", b"", {},
         timeout=5, allow_private=True, resolve=LOCAL)
    assert [path for path, _, _ in server.seen] == ["/caf%C3%A9?q=%C3%A9&x=1"]


def test_a_silent_resolver_counts_as_none(monkeypatch):
    monkeypatch.setattr(outbound, "RESOLVE_SECONDS", 0.2)
    released = threading.Event()

    def silent(*args, **kwargs):
        released.wait(5)
        return []

    try:
        with pytest.raises(OutboundRefused, match="could not be resolved"):
            check_url("https://slow.example/", allow_private=False, resolve=silent)
    finally:
        released.set()


def test_post_to_a_closed_port_fails_as_connection_refused():
    with socket.socket() as unused:  # bound, never listening: connecting is refused
        unused.bind(("127.0.0.1", 0))
        with pytest.raises(OutboundFailed) as failed:
            post(f"http://hooks.commons.test:{unused.getsockname()[1]}/", b"", {}, timeout=5,
                 allow_private=True, resolve=LOCAL)
    assert str(failed.value) == "connection refused"


def test_post_connects_to_the_checked_address_not_a_second_lookup(server):
    resolve = resolving_to("127.0.0.1")
    post(f"http://hooks.commons.test:{server.server_address[1]}/", b"", {}, timeout=5,
         allow_private=True, resolve=resolve)
    assert len(resolve.calls) == 1
    assert len(server.seen) == 1


# --- https: SNI and certificate checked against the host name, not the address -----------


def _certificate(tmp_path, name):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def tls_server(server, tmp_path):
    """`server` behind TLS with a self-signed certificate for hooks.commons.test; records SNI."""
    cert_file, key_file = _certificate(tmp_path, "hooks.commons.test")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    server.sni = []
    context.sni_callback = lambda sock, name, ctx: server.sni.append(name)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.cert_file = cert_file
    return server


def test_https_sends_sni_and_checks_the_certificate_for_the_host_name(tls_server, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_server.cert_file))  # trust only this cert
    tls_server.answer = _respond(201, b"ok")
    port = tls_server.server_address[1]
    assert post(f"https://hooks.commons.test:{port}/in", b"x", {}, timeout=5,
                allow_private=True, resolve=LOCAL) == (201, "ok")
    assert tls_server.sni == ["hooks.commons.test"]
    assert tls_server.seen[0][1]["Host"] == f"hooks.commons.test:{port}"


def test_https_refuses_a_certificate_for_another_name(tls_server, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_server.cert_file))
    with pytest.raises(OutboundFailed) as failed:
        post(f"https://other.commons.test:{tls_server.server_address[1]}/", b"x", {},
             timeout=5, allow_private=True, resolve=LOCAL)
    assert str(failed.value).startswith("certificate not accepted: Hostname mismatch")
    assert tls_server.seen == []


def test_https_refuses_an_untrusted_certificate(tls_server):
    with pytest.raises(OutboundFailed) as failed:
        post(f"https://hooks.commons.test:{tls_server.server_address[1]}/", b"x", {},
             timeout=5, allow_private=True, resolve=LOCAL)
    assert str(failed.value) == "certificate not accepted: self-signed certificate"
