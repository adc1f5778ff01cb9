"""The ``bid`` command: every command, every exit code, files and streams."""

from __future__ import annotations

import io
import json
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import bid
from bid import cli

ED25519_VECTOR = {  # bid-vectors.json ed25519-01 (BIF-Core-SDK-Go test)
    "private": "priSPKt2hVqYmUoyJ24vYb8uzhu7VCab9X9BHz8K68sQZ61Yy5",
    "public": "b06566da9b97a860598e14469cb1dd3af1bf6c5cb88d549379d49d83b5b0bb23d63bff",
    "bid": "did:bid:efdPP4ympm36RxTYQJPber1PRKmLWZE",
}
SIG_JAVA = {  # bid-vectors.json sig-ed25519-04: BID-SDK-JAVA signBlob, upper-case hex
    "public": "b065667cc1e4584bc9ddb6806c455bdea9f8390724a77a6ed2f6369c830043418c0745",
    "message_hex": (
        "0a2e61303032643833343562383964633334613537353734656234393736333566663132356133"
        "373939666537376236100122b90108012ab4010a2e613030326638363663376634313565373139"
        "34613932363131386363353565346365393939656232396231363461123a123866756e6374696f"
        "6e206d61696e28696e707574537472297b0a202f2ae8bf99e698afe59088e7baa6e585a5e58fa3"
        "e587bde695b02a2f207d1a06080a1a020807223e0a0568656c6c6f1235e8bf99e698afe5889be5"
        "bbbae8b4a6e58fb7e79a84e8bf87e7a88be4b8ade8aebee7bdaee79a84e4b880e4b8aa6d657461"
        "64617461"
    ),
    "signature": (
        "8055422ADDC330ECAC1B328E5DFFE79A7CB51FDC111A8D10DAE1AE93297D87E8D7F0D4210B2954"
        "6ACDE2DE9CB1A6FDAC15BB73E0B8C590F7DB874989C626FB07"
    ),
}
SM2_SIG = {  # bid-vectors.json sig-sm2-02: BIF wallet signAuth
    "public": (
        "b07a66045197ea4f790e74b3614f771ea5caba335e14c145d0ef02f65710395334078fee0ae302"
        "a0ecf338b2474fea96ddafdfcb3fa9269a6165b2caf28c9ca06b14703f"
    ),
    "message_hex": "839402",
    "signature": (
        "d4c281c8d76d6579258f4104ea662b8f03918b3710c824cba5591808c0dc2e659206c774cab9a7"
        "f5c976a50668b1e993eb9e0cb55373f37bdd40a61be7d5837a"
    ),
}
IDENTITY_KEY_BIF = "b06566" + "01" + "00" * 31  # the small-order identity point


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse's own exits (--help, --version, usage errors)
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert err == ""
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


# -- key generate -------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", ["ed25519", "sm2"])
def test_key_generate_prints_a_consistent_key(
    capsys: pytest.CaptureFixture[str], key_type: str
) -> None:
    data = run_json(capsys, "key", "generate", "--type", key_type)
    expected = {"type", "bid", "publicKey", "privateKey"} | (
        {"didKey"} if key_type == "ed25519" else set()
    )
    assert set(data) == expected
    assert data["type"] == key_type
    key = bid.parse_private_key(data["privateKey"])
    assert key.public_key.to_bif() == data["publicKey"]
    assert str(key.bid()) == data["bid"]
    if key_type == "ed25519":
        assert isinstance(key, bid.Ed25519PrivateKey)
        assert data["didKey"] == key.did_key


def test_key_generate_with_ac_code(capsys: pytest.CaptureFixture[str]) -> None:
    spec = run_json(capsys, "key", "generate", "--type", "sm2", "--ac", "ab12")
    assert spec["bid"].startswith("did:bid:ab12:zf")
    sdk = run_json(capsys, "key", "generate", "--type", "sm2", "--ac", "ab12", "--sdk-compat")
    assert sdk["bid"].startswith("did:bid:ab12:ef")
    key = bid.parse_private_key(sdk["privateKey"])
    assert bid.BID.parse(sdk["bid"]).derives_from("sm2", key.public_key.public_bytes())


def test_key_generate_refuses_a_bad_ac_code(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "key", "generate", "--ac", "AB12")
    assert code == 2
    assert out == ""
    assert "AC code" in err
    assert "Traceback" not in err


def test_key_generate_to_file_is_private_and_keeps_the_secret_off_stdout(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "alice.json"
    shown = run_json(capsys, "key", "generate", "-o", str(path))
    assert "privateKey" not in shown
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["alice.json"]  # no temporary left over
    stored = json.loads(path.read_text())
    assert {k: v for k, v in stored.items() if k != "privateKey"} == shown
    assert bid.parse_private_key(stored["privateKey"]).public_key.to_bif() == shown["publicKey"]


def test_key_generate_never_overwrites_without_force(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "alice.json"
    first = run_json(capsys, "key", "generate", "-o", str(path))
    before = path.read_bytes()
    code, out, err = run(capsys, "key", "generate", "-o", str(path))
    assert (code, out) == (2, "")
    assert "refusing to overwrite" in err
    assert path.read_bytes() == before
    path.chmod(0o644)
    second = run_json(capsys, "key", "generate", "-o", str(path), "--force")
    assert second["bid"] != first["bid"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_key_generate_into_a_missing_directory_fails_cleanly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "key", "generate", "-o", str(tmp_path / "no" / "k.json"))
    assert (code, out) == (2, "")
    assert "cannot create" in err


# -- key inspect --------------------------------------------------------------------------


def test_inspect_private_key_string(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "key", "inspect", ED25519_VECTOR["private"])
    assert data["bid"] == ED25519_VECTOR["bid"]
    assert data["publicKey"] == ED25519_VECTOR["public"]
    assert data["privateKey"] == ED25519_VECTOR["private"]


def test_inspect_public_forms_never_print_a_private_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from_hex = run_json(capsys, "key", "inspect", ED25519_VECTOR["public"])
    from_upper = run_json(capsys, "key", "inspect", ED25519_VECTOR["public"].upper())
    from_did_key = run_json(capsys, "key", "inspect", from_hex["didKey"])
    assert from_hex == from_upper == from_did_key
    assert "privateKey" not in from_hex
    assert from_hex["bid"] == ED25519_VECTOR["bid"]


def test_inspect_with_ac(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "key", "inspect", ED25519_VECTOR["public"], "--ac", "aa1c")
    assert data["bid"] == "did:bid:aa1c:" + ED25519_VECTOR["bid"].removeprefix("did:bid:")


def test_inspect_key_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    run_json(capsys, "key", "generate", "--type", "sm2", "-o", str(path))
    data = run_json(capsys, "key", "inspect", str(path))
    assert data["privateKey"] == json.loads(path.read_text())["privateKey"]
    public_only = tmp_path / "pub.json"
    public_only.write_text(json.dumps({"publicKey": data["publicKey"], "bid": data["bid"]}))
    shown = run_json(capsys, "key", "inspect", str(public_only))
    assert "privateKey" not in shown
    assert shown["bid"] == data["bid"]
    plain = tmp_path / "key.txt"
    plain.write_text(ED25519_VECTOR["private"] + "\n")
    assert run_json(capsys, "key", "inspect", str(plain))["bid"] == ED25519_VECTOR["bid"]


def test_inspect_refuses_an_inconsistent_key_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "k.json"
    run_json(capsys, "key", "generate", "-o", str(path))
    data = json.loads(path.read_text())
    data["bid"] = ED25519_VECTOR["bid"]  # another key's BID
    path.write_text(json.dumps(data))
    code, out, err = run(capsys, "key", "inspect", str(path))
    assert (code, out) == (2, "")
    assert "does not derive from the key" in err


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (IDENTITY_KEY_BIF, "not a valid Ed25519 public key"),
        (ED25519_VECTOR["bid"], "cannot be turned back into a key"),
        ("priSPKt2hVqYmUoyJ24vYb8uzhu7VCab9X9BHz8K68sQZ61Yy0", "not a Base58 character"),
        ("did:key:z6LSj72tK8brWgZja8NLRwPigth2T9QRiG1uH9oKZuKjdh9p", "x25519-pub"),
        ("missing/key.json", "no such key file"),
        ("b06566abcd", "32 key bytes"),
    ],
)
def test_inspect_bad_keys_exit_2(
    capsys: pytest.CaptureFixture[str], key: str, message: str
) -> None:
    code, out, err = run(capsys, "key", "inspect", key)
    assert (code, out) == (2, "")
    assert message in err
    assert err.startswith("bid: error: ")
    assert "Traceback" not in err


DUPLICATE_NAMES = (
    b'{"privateKey": "' + ED25519_VECTOR["private"].encode() + b'", "privateKey": "x"}'
)


@pytest.mark.parametrize(
    "content", [b"{not json", b"[1, 2]", b'{"bid": "x"}', b"\xff\xfe", DUPLICATE_NAMES]
)
def test_inspect_malformed_key_files_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes
) -> None:
    code, out, err = run(capsys, "key", "inspect", write(tmp_path / "k.json", content))
    assert (code, out) == (2, "")
    assert err.startswith("bid: error: ")


# -- did parse ----------------------------------------------------------------------------


def test_did_parse_bid_url(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "did", "parse", "did:bid:aa1c:efnVUgqQFfYeu97ABf6sGm3WFtVXHZB2#key-1")
    assert data["did"] == "did:bid:aa1c:efnVUgqQFfYeu97ABf6sGm3WFtVXHZB2"
    assert data["method"] == "bid"
    assert data["fragment"] == "key-1"
    assert data["bid"] == {
        "ac": "aa1c",
        "keyType": "ed25519",
        "encoding": "f",
        "suffix": "nVUgqQFfYeu97ABf6sGm3WFtVXHZB2",
        "acOnly": False,
    }


def test_did_parse_ac_only_bid_and_generic_did(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_json(capsys, "did", "parse", "did:bid:byo1")["bid"]["acOnly"] is True
    generic = run_json(capsys, "did", "parse", "did:example:123?service=agent&relativeRef=/x")
    assert generic["method"] == "example"
    assert generic["query"] == "service=agent&relativeRef=/x"
    assert "bid" not in generic


def test_did_parse_did_key(capsys: pytest.CaptureFixture[str]) -> None:
    did_key = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"  # seed 00..00
    data = run_json(
        capsys, "did", "parse", did_key + "#z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
    )
    assert data["key"]["publicKey"] == (
        "b065663b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("did:BID:efdPP4ympm36RxTYQJPber1PRKmLWZE", "method name"),
        ("did:bid:efdPP4", "suffix"),
        ("did:bid:xfdPP4ympm36RxTYQJPber1PRKmLWZE", "key-type letter"),
        ("did:bid:AB12:efdPP4ympm36RxTYQJPber1PRKmLWZE", "AC code"),
        ("did:example:abc def", "invalid character"),
        ("did:key:z6LSj72tK8brWgZja8NLRwPigth2T9QRiG1uH9oKZuKjdh9p", "x25519-pub"),
        ("did:example:" + "a" * 100_000, "longer than"),
    ],
)
def test_did_parse_errors_exit_2(
    capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    code, out, err = run(capsys, "did", "parse", text)
    assert (code, out) == (2, "")
    assert message in err


# -- sign and verify ----------------------------------------------------------------------


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "k.txt"
    path.write_text(ED25519_VECTOR["private"])
    return path


def test_sign_then_verify_round_trip(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, key_file: Path
) -> None:
    message = write(tmp_path / "m.bin", b"\x00\x01hello\xff")
    code, out, err = run(capsys, "sign", "--key", str(key_file), message)
    assert (code, err) == (0, "")
    signature = out.strip()
    key = bid.Ed25519PrivateKey.from_bif(ED25519_VECTOR["private"])
    assert signature == key.sign(b"\x00\x01hello\xff").hex()
    result = run_json(
        capsys,
        "verify",
        "--public-key",
        ED25519_VECTOR["public"],
        "--signature",
        signature,
        message,
    )
    assert result == {
        "verified": True,
        "bid": ED25519_VECTOR["bid"],
        "publicKey": ED25519_VECTOR["public"],
    }


def test_sign_base58_verifies_too(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, key_file: Path
) -> None:
    message = write(tmp_path / "m.bin", b"abc")
    code, out, _ = run(capsys, "sign", "--key", str(key_file), "--encoding", "base58", message)
    assert code == 0
    signature = out.strip()
    assert len(signature) in range(80, 90)
    assert (
        run_json(
            capsys, "verify", "--public-key", str(key_file), "--signature", signature, message
        )["verified"]
        is True
    )


def test_sign_from_stdin_with_hex_message(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, key_file: Path
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"68656c6c6f\n")))
    code, out, _ = run(capsys, "sign", "--key", str(key_file), "--hex", "-")
    assert code == 0
    key = bid.Ed25519PrivateKey.from_bif(ED25519_VECTOR["private"])
    assert out.strip() == key.sign(b"hello").hex()


def test_verify_java_upper_case_signature(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    message = write(tmp_path / "m.hex", SIG_JAVA["message_hex"].encode())
    result = run_json(
        capsys,
        "verify",
        "--public-key",
        SIG_JAVA["public"],
        "--signature",
        SIG_JAVA["signature"],
        "--hex",
        message,
    )
    assert result["verified"] is True


def test_verify_sm2_vector(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    message = write(tmp_path / "m.hex", SM2_SIG["message_hex"].encode())
    assert (
        run_json(
            capsys,
            "verify",
            "--public-key",
            SM2_SIG["public"],
            "--signature",
            SM2_SIG["signature"],
            "--hex",
            message,
        )["verified"]
        is True
    )


def test_sm2_sign_then_verify(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "sm2.json"
    run_json(capsys, "key", "generate", "--type", "sm2", "-o", str(path))
    message = write(tmp_path / "m.bin", b"sm2 message")
    code, out, _ = run(capsys, "sign", "--key", str(path), message)
    assert code == 0
    assert (
        run_json(capsys, "verify", "--public-key", str(path), "--signature", out.strip(), message)[
            "verified"
        ]
        is True
    )


def test_verify_failure_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    message = write(tmp_path / "m.hex", SIG_JAVA["message_hex"].encode())
    flipped = ("9" if SIG_JAVA["signature"][0] != "9" else "8") + SIG_JAVA["signature"][1:]
    code, out, err = run(
        capsys,
        "verify",
        "--public-key",
        SIG_JAVA["public"],
        "--signature",
        flipped,
        "--hex",
        message,
    )
    assert (code, out) == (1, "")
    assert "does not verify" in err
    code, out, err = run(
        capsys,
        "verify",
        "--public-key",
        SIG_JAVA["public"],
        "--signature",
        SIG_JAVA["signature"],
        message,
    )  # bytes, not hex
    assert (code, out) == (1, "")


def test_verify_with_a_weak_key_is_bad_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    message = write(tmp_path / "m", b"")
    code, out, err = run(
        capsys, "verify", "--public-key", IDENTITY_KEY_BIF, "--signature", "00" * 64, message
    )
    assert (code, out) == (2, "")
    assert "not a valid Ed25519 public key" in err


@pytest.mark.parametrize(
    ("signature", "message"),
    [("!!" * 64, "not a Base58 character"), ("0OIl", "not a Base58 character")],
)
def test_verify_malformed_signature_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, signature: str, message: str
) -> None:
    path = write(tmp_path / "m", b"x")
    code, out, err = run(
        capsys, "verify", "--public-key", ED25519_VECTOR["public"], "--signature", signature, path
    )
    assert (code, out) == (2, "")
    assert message in err


def test_short_signature_does_not_verify(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path / "m", b"x")
    code, _, err = run(
        capsys, "verify", "--public-key", ED25519_VECTOR["public"], "--signature", "ab" * 63, path
    )
    assert code == 1
    assert "64 bytes" in err


def test_sign_errors_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, key_file: Path
) -> None:
    message = write(tmp_path / "m", b"x")
    public_file = tmp_path / "pub.txt"
    public_file.write_text(ED25519_VECTOR["public"])
    cases = [
        (["sign", "--key", str(tmp_path / "absent.json"), message], "no such key file"),
        (["sign", "--key", str(public_file), message], "holds no private key"),
        (["sign", "--key", str(key_file), str(tmp_path / "absent.bin")], "cannot read message"),
        (["sign", "--key", str(key_file), "--hex", write(tmp_path / "h", b"abc")], "not hex"),
    ]
    for argv, text in cases:
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), argv
        assert text in err, argv


# -- the rest -----------------------------------------------------------------------------


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in ([], ["key"], ["nonsense"], ["key", "generate", "--type", "rsa"], ["sign", "x"]):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), argv
        assert "bid: error:" in err


def test_every_command_has_an_example_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["key"],
        ["key", "generate"],
        ["key", "inspect"],
        ["did"],
        ["did", "parse"],
        ["sign"],
        ["verify"],
        ["demo"],
        ["did", "create"],
        ["did", "update"],
        ["did", "recover"],
        ["did", "deactivate"],
        ["did", "history"],
        ["resolve"],
        ["dereference"],
        ["serve"],
        [],
    ):
        code, out, _ = run(capsys, *argv, "--help")
        assert code == 0
        assert "example:" in out, argv


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert (code, out.strip()) == (0, f"bid {bid.__version__}")


def test_demo(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "demo")
    assert (code, err) == (0, "")
    assert "did:bid:ef" in out
    assert "did:key:z6Mk" in out
    assert "refused (InvalidSignature)" in out
    assert "did:bid:zf" in out  # the SM2 part ran: the test extra installs it
    assert "priS" not in out  # no private key is shown


def test_exit_code_for_registry_and_resolution_failures() -> None:
    # No command of this release reaches a registry; the mapping is part of the contract.
    assert cli._exit_code(bid.ResolutionError("x")) == 3
    assert cli._exit_code(bid.RegistryError("x")) == 3
    assert cli._exit_code(bid.InvalidSignature("x")) == 1
    assert cli._exit_code(bid.MissingExtra("x")) == 2


def test_console_script_and_module_entry_point() -> None:
    script = Path(sys.executable).with_name("bid")
    version = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, check=False
    )
    assert (version.returncode, version.stdout.strip()) == (0, f"bid {bid.__version__}")
    failed = subprocess.run(
        [sys.executable, "-m", "bid", "did", "parse", "did:x"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert failed.returncode == 2
    assert failed.stderr.startswith("bid: error: ")
    assert "Traceback" not in failed.stderr
